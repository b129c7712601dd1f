#ifndef SARGABLE_PG_QUERY_SCANNER_H
#define SARGABLE_PG_QUERY_SCANNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* libpg_query's scanner without pg_query_scan's protobuf: the same tokens as pg_query_scan's
 * ScanResult, as plain structs. Only SargableSyntax uses this. */

/* One token: byte offsets into the scanned text, libpg_query's token number (the PgQuery__Token
 * numbering of pg_query.pb-c.h) and its keyword kind (0 none, then PostgreSQL's keyword category
 * plus one: unreserved, column name, type or function name, reserved). */
typedef struct SargableScanToken {
    int32_t start;
    int32_t end;
    int32_t code;
    int32_t keyword_kind;
} SargableScanToken;

typedef struct SargableScanResult {
    /* The tokens: the caller's buffer while they fit in it, else a malloc'd array. */
    SargableScanToken *tokens;
    size_t count;
    /* The scanner's error (malloc'd), NULL when the text scanned; no tokens then. */
    char *error_message;
    /* The error's 1-based byte position in the text, 0 when it has none (PostgreSQL's cursorpos). */
    int error_cursor_position;
} SargableScanResult;

/* Scans the NUL-terminated `text` as pg_query_scan does. `buffer` (may be NULL when `capacity` is
 * 0) receives the tokens while they fit; free the result with sargable_scan_result_free. Safe
 * to call from several threads at once (libpg_query's memory contexts are per thread). */
SargableScanResult sargable_scan(const char *text, SargableScanToken *buffer, size_t capacity);

/* Frees what sargable_scan allocated (not the caller's buffer). */
void sargable_scan_result_free(SargableScanResult *result, const SargableScanToken *buffer);

/* One entry of SargableSyntax's parse-tree tape (its TapeEntry is this struct): a value of
 * libpg_query's JSON tree, with byte ranges into the tree's text. Children of a container are the
 * entries from the next one up to `next`, in pre-order. */
typedef struct SargableTapeEntry {
    /* Byte range of the member key under which this value sits (zero length in arrays). */
    uint32_t keyStart;
    /* Scalars: the value's text (strings without quotes); nodes: the type name. */
    uint32_t valueStart;
    uint32_t valueLength;
    /* Index just past this value's subtree. */
    uint32_t next;
    uint16_t keyLength;
    /* Nodes: the type's place in SargableSyntax's NodeKind; plain objects the walk wrote: their
     * declared type's (the JSON reader cannot tell it); SARGABLE_NO_NODE_KIND otherwise. */
    uint8_t rawNodeKind;
    /* A SargableTapeKind. */
    uint8_t rawKind;
} SargableTapeEntry;

/* SargableSyntax's TapeKind, in the same order. */
enum SargableTapeKind {
    SARGABLE_TAPE_OBJECT, SARGABLE_TAPE_ARRAY, SARGABLE_TAPE_STRING, SARGABLE_TAPE_ESCAPED_STRING,
    SARGABLE_TAPE_NUMBER, SARGABLE_TAPE_TRUE, SARGABLE_TAPE_FALSE, SARGABLE_TAPE_NULL, SARGABLE_TAPE_NODE,
};

#define SARGABLE_NO_NODE_KIND 255

/* One statement text's parse tree as a tape: what pg_query_parse's JSON reads as, without the
 * JSON. Strings are stored unescaped. */
typedef struct SargableParseTree {
    SargableTapeEntry *tape; /* malloc'd */
    size_t count;
    uint8_t *text; /* malloc'd: keys, strings, numbers and type names the tape points into */
    size_t text_length;
    /* The deepest nesting of containers, as the JSON's would be. */
    int depth;
    /* The tree holds something this walk cannot write as libpg_query's JSON would (no tape then):
     * parse with pg_query_parse instead. */
    bool unsupported;
    /* The parser's error (malloc'd), NULL when the text parsed; no tape then. */
    char *error_message;
    /* The error's 1-based byte position in the text, 0 when it has none. */
    int error_cursor_position;
} SargableParseTree;

/* Parses the NUL-terminated `text` as pg_query_parse does and walks the raw tree straight into a
 * tape. `stack_bytes` is the stack left to this call: a tree too deep to walk within it is marked
 * unsupported. Free the result with sargable_parse_tree_free. Thread-safe as sargable_scan is. */
SargableParseTree sargable_parse(const char *text, size_t stack_bytes);

void sargable_parse_tree_free(SargableParseTree *tree);

/* Call on a thread before its first libpg_query call (cheap after that): libpg_query 15-4.0.0
 * takes a pthread key per thread and never gives it back; this gives it back when the thread
 * ends (threads.c says why it matters). */
void sargable_pg_query_thread_init(void);

#endif
