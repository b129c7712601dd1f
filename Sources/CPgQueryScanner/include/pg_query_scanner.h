#ifndef SARGABLE_PG_QUERY_SCANNER_H
#define SARGABLE_PG_QUERY_SCANNER_H

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

/* Call on a thread before its first libpg_query call (cheap after that): libpg_query 15-4.0.0
 * takes a pthread key per thread and never gives it back; this gives it back when the thread
 * ends (threads.c says why it matters). */
void sargable_pg_query_thread_init(void);

#endif
