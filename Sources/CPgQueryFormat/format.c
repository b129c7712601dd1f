// A faster pvsnprintf and psprintf for libpg_query.
//
// Why: libpg_query's JSON output calls appendStringInfo about 8 times per parse-tree node with
// formats such as "\"location\":%d," and "\"relname\":\"%s\",". PostgreSQL's formatter
// (pg_vsnprintf's dopr) spends ~260 instructions a call on them: 12% of all the instructions of
// `sargable lint` over PostgreSQL's regression corpus. This one copies literal text and formats
// %s %d %i %u %c %ld %li %lu %zu %% directly; any other conversion (flags, widths, precisions,
// floats, hex, %m, positional arguments) goes to pg_vsnprintf unchanged, so the output is
// byte-for-byte PostgreSQL's (Tests/SargableSyntaxTests/JSONFormatTests compares the two).
//
// How it replaces libpg_query's: these are the only two global symbols of libpg_query.a's
// member src_common_psprintf.o. Objects on the link line come before the archive, so the linker
// resolves every reference to them here and never pulls that member in (a member whose symbols
// were only partly defined here would fail the link loudly with duplicate symbols instead).

#include "CPgQueryFormat.h"

#include <errno.h>
#include <string.h>

// From libpg_query.a (PostgreSQL's memory contexts); declared here for lack of its headers.
extern void *palloc(size_t size);
extern void pfree(void *pointer);

// PostgreSQL's MaxAllocSize: enlargeStringInfo refuses more, with a PostgreSQL error.
#define MAX_ALLOC_SIZE ((size_t)0x3fffffff)

// Appends `count` bytes at `*used` while they fit below `len` (keeping room for the NUL), and
// counts them all, so that the caller learns the full length when they do not.
static inline void put(char *buf, size_t len, size_t *used, const char *bytes, size_t count) {
    if (*used < len) {
        size_t room = len - 1 - *used;
        memcpy(buf + *used, bytes, count < room ? count : room);
    }
    *used += count;
}

static inline void put_unsigned(char *buf, size_t len, size_t *used, unsigned long value, int negative) {
    char digits[24];
    char *end = digits + sizeof digits, *start = end;
    do {
        *--start = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    if (negative) *--start = '-';
    put(buf, len, used, start, (size_t)(end - start));
}

static inline void put_signed(char *buf, size_t len, size_t *used, long value) {
    // Negated as unsigned: -LONG_MIN overflows a long.
    if (value < 0) put_unsigned(buf, len, used, 0UL - (unsigned long)value, 1);
    else put_unsigned(buf, len, used, (unsigned long)value, 0);
}

size_t pvsnprintf(char *buf, size_t len, const char *fmt, va_list args) {
    va_list original;
    va_copy(original, args);
    size_t used = 0;
    const char *cursor = fmt;
    for (;;) {
        const char *percent = strchr(cursor, '%');
        size_t literal = percent ? (size_t)(percent - cursor) : strlen(cursor);
        put(buf, len, &used, cursor, literal);
        if (!percent) break;
        const char *conversion = percent + 1;
        int is_long = 0;
        if (*conversion == 'l' || *conversion == 'z') {
            is_long = 1;
            conversion++;
        }
        switch (*conversion) {
        case '%':
            if (is_long) goto unusual;
            put(buf, len, &used, "%", 1);
            break;
        case 's': {
            if (is_long) goto unusual;
            const char *string = va_arg(args, const char *);
            if (string == NULL) string = "(null)";  // as PostgreSQL's dopr prints it
            put(buf, len, &used, string, strlen(string));
            break;
        }
        case 'c': {
            if (is_long) goto unusual;
            char character = (char)va_arg(args, int);
            put(buf, len, &used, &character, 1);
            break;
        }
        case 'd':
        case 'i':
            if (percent[1] == 'z') goto unusual;  // %zd: ssize_t; rare, left to PostgreSQL
            put_signed(buf, len, &used, is_long ? va_arg(args, long) : (long)va_arg(args, int));
            break;
        case 'u':
            put_unsigned(buf, len, &used, is_long ? va_arg(args, unsigned long) : (unsigned long)va_arg(args, unsigned int), 0);
            break;
        default:
            goto unusual;
        }
        cursor = conversion + 1;
    }
    va_end(original);
    if (used < len) {
        buf[used] = '\0';
        return used;
    }
    if (len > 0) buf[len - 1] = '\0';
    return used + 1;

unusual:;
    // PostgreSQL's own path, from the first argument (errno untouched for %m).
    int printed = pg_vsnprintf(buf, len, fmt, original);
    va_end(original);
    // pg_vsnprintf fails only on a malformed format, which PostgreSQL treats as a bug (elog
    // ERROR). Asking for more room than MaxAllocSize makes enlargeStringInfo raise a
    // PostgreSQL error instead, which libpg_query reports as a parse error.
    if (printed < 0) return MAX_ALLOC_SIZE + 1;
    if ((size_t)printed < len) return (size_t)printed;
    return (size_t)printed + 1;
}

char *psprintf(const char *fmt, ...) {
    int saved_errno = errno;
    size_t len = 128;
    for (;;) {
        char *result = palloc(len);
        errno = saved_errno;  // for %m
        va_list args;
        va_start(args, fmt);
        size_t needed = pvsnprintf(result, len, fmt, args);
        va_end(args);
        if (needed < len) return result;
        pfree(result);
        len = needed;
    }
}
