/*
 * libpg_query's own scanner (scanner_init / core_yylex / scanner_finish in libpg_query.a), run as
 * pg_query_scan runs it (libpg_query 15-4.0.0, src/pg_query_scan.c) but handing tokens back as
 * plain structs: pg_query_scan builds a protobuf-c message per token (a malloc each), packs them
 * and scans the text twice to count them first, which costs more than the scanning itself.
 *
 * Headers: PostgreSQL 15's server headers (Debian's postgresql-server-dev-15) for the scanner's
 * and error machinery's types. libpg_query 15-4.0.0 was compiled from PostgreSQL 15.1's; the
 * structs used here (core_yy_extra_type, core_YYSTYPE, ScanKeywordList, ErrorData, sigjmp_buf
 * handling of PG_TRY) are unchanged across 15.x, with two libpg_query changes handled below:
 * its thread-local globals and the `yyllocend` field it appends to core_yy_extra_type. The
 * static assertions and SargableSyntaxTests' differential scan test guard this.
 */

/*
 * libpg_query makes PostgreSQL's globals thread-local (one parser state per thread); PostgreSQL's
 * headers declare them as plain globals. The header declarations are renamed out of the way here
 * and the real symbols declared thread-local below, for the macros that use them (PG_TRY).
 */
#define PG_exception_stack sargable_header_PG_exception_stack
#define error_context_stack sargable_header_error_context_stack
#define CurrentMemoryContext sargable_header_CurrentMemoryContext

#include <pg_query.h>
#include <pg_query/pg_query_internal.h>

#include "common/keywords.h"
#include "parser/scanner.h"
#include "utils/elog.h"

#undef PG_exception_stack
#undef error_context_stack
#undef CurrentMemoryContext

extern __thread sigjmp_buf *PG_exception_stack;
extern __thread ErrorContextCallback *error_context_stack;
extern __thread MemoryContext CurrentMemoryContext;

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pg_query_scanner.h"

/*
 * libpg_query's core_yy_extra_type: PostgreSQL's, with `int yyllocend` appended (the end of the
 * token for the rules that set it), which lands in the padding after `saw_non_ascii`.
 */
typedef union LibPgQueryScannerExtra {
    core_yy_extra_type postgres;
    struct {
        char postgres_fields[offsetof(core_yy_extra_type, saw_non_ascii) + sizeof(bool)];
        int yyllocend;
    } libpg_query;
} LibPgQueryScannerExtra;

_Static_assert(sizeof(LibPgQueryScannerExtra) == sizeof(core_yy_extra_type),
               "libpg_query's yyllocend must fit where PostgreSQL 15's core_yy_extra_type ends");
_Static_assert(offsetof(core_yy_extra_type, saw_non_ascii) == 81 && sizeof(core_yy_extra_type) == 88,
               "core_yy_extra_type is not PostgreSQL 15's (libpg_query 15-4.0.0) layout");
_Static_assert(sizeof(core_YYSTYPE) == sizeof(void *), "core_YYSTYPE is not PostgreSQL 15's");

/*
 * The head of flex's reentrant scanner state (struct yyguts_t) in libpg_query 15-4.0.0's
 * generated scanner (yy_size_t is size_t there): the matched token's length, yyleng_r, has no
 * accessor in the library, so pg_query_scan reads it the same way.
 */
typedef struct FlexScannerHead {
    void *yyextra_r;
    FILE *yyin_r, *yyout_r;
    size_t yy_buffer_stack_top;
    size_t yy_buffer_stack_max;
    void *yy_buffer_stack;
    char yy_hold_char;
    size_t yy_n_chars;
    size_t yyleng_r;
} FlexScannerHead;

/* Token numbers of pg_query.pb-c.h (PgQuery__Token; its header needs protobuf-c's): the tokens
 * whose end pg_query_scan takes from yyllocend rather than from the matched length. */
enum {
    TOKEN_IDENT = 258,
    TOKEN_SCONST = 261,
    TOKEN_BCONST = 263,
    TOKEN_XCONST = 264,
    TOKEN_C_COMMENT = 276,
};

/* Keyword kind by token number, from the library's own keyword list: ScanKeywordTokens and
 * ScanKeywordCategories are indexed alike (pg_query_scan maps the same list through kwlist.h). */
static uint8_t keyword_kind_by_token[UINT16_MAX + 1];
static pthread_once_t keyword_kinds_once = PTHREAD_ONCE_INIT;

static void fill_keyword_kinds(void) {
    for (int index = 0; index < ScanKeywords.num_keywords; index++)
        keyword_kind_by_token[ScanKeywordTokens[index]] = (uint8_t) (ScanKeywordCategories[index] + 1);
}

/* Appends a token, moving to a malloc'd array when the caller's buffer is full; false when out of memory. */
static bool append_token(SargableScanResult *result, const SargableScanToken *buffer, size_t *capacity,
                         SargableScanToken token) {
    if (result->count == *capacity) {
        size_t grown = *capacity < 256 ? 256 : *capacity * 2;
        SargableScanToken *tokens;
        if (result->tokens == buffer) {
            tokens = malloc(grown * sizeof(SargableScanToken));
            if (tokens != NULL && result->count > 0) memcpy(tokens, buffer, result->count * sizeof(SargableScanToken));
        } else {
            tokens = realloc(result->tokens, grown * sizeof(SargableScanToken));
        }
        if (tokens == NULL) return false;
        result->tokens = tokens;
        *capacity = grown;
    }
    result->tokens[result->count++] = token;
    return true;
}

static void fail(SargableScanResult *result, const SargableScanToken *buffer, const char *message, int cursor_position) {
    sargable_scan_result_free(result, buffer);
    result->tokens = (SargableScanToken *) buffer;
    result->count = 0;
    result->error_message = strdup(message != NULL ? message : "scanner error");
    result->error_cursor_position = cursor_position;
}

SargableScanResult sargable_scan(const char *text, SargableScanToken *buffer, size_t capacity) {
    SargableScanResult result = {.tokens = capacity > 0 ? buffer : NULL};
    size_t token_capacity = capacity;
    /* Set between sigsetjmp and a possible longjmp, so kept out of registers. */
    volatile bool out_of_memory = false;

    pthread_once(&keyword_kinds_once, fill_keyword_kinds);
    sargable_pg_query_thread_init();
    MemoryContext context = pg_query_enter_memory_context();

    PG_TRY();
    {
        LibPgQueryScannerExtra extra;
        core_YYSTYPE value;
        YYLTYPE location;
        /* As pg_query_scan (and raw_parser) set it up: default settings, the library's keywords. */
        core_yyscan_t scanner = scanner_init(text, &extra.postgres, &ScanKeywords, ScanKeywordTokens);
        for (;;) {
            int code = core_yylex(&value, &location, scanner);
            if (code == 0) break;
            SargableScanToken token = {.start = location, .code = code};
            if (code == TOKEN_SCONST || code == TOKEN_BCONST || code == TOKEN_XCONST || code == TOKEN_IDENT
                || code == TOKEN_C_COMMENT) {
                token.end = extra.libpg_query.yyllocend;
            } else {
                token.end = location + (int32_t) ((FlexScannerHead *) scanner)->yyleng_r;
            }
            if (0 <= code && code <= UINT16_MAX) token.keyword_kind = keyword_kind_by_token[code];
            if (!append_token(&result, buffer, &token_capacity, token)) {
                out_of_memory = true;
                break;
            }
        }
        scanner_finish(scanner);
    }
    PG_CATCH();
    {
        CurrentMemoryContext = context;
        ErrorData *error = CopyErrorData();
        /* `result` is read from memory: its address went to append_token, and so to every call. */
        fail(&result, buffer, error->message, error->cursorpos);
        FlushErrorState();
    }
    PG_END_TRY();

    pg_query_exit_memory_context(context);
    if (out_of_memory) fail(&result, buffer, "out of memory for scanned tokens", 0);
    return result;
}

void sargable_scan_result_free(SargableScanResult *result, const SargableScanToken *buffer) {
    if (result->tokens != buffer) free(result->tokens);
    result->tokens = NULL;
    result->count = 0;
    free(result->error_message);
    result->error_message = NULL;
}
