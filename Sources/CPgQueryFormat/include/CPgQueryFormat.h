#ifndef SARGABLE_CPGQUERYFORMAT_H
#define SARGABLE_CPGQUERYFORMAT_H

#include <stdarg.h>
#include <stddef.h>

// libpg_query writes its JSON parse trees through PostgreSQL's appendStringInfo, whose
// formatting (pvsnprintf, src/common/psprintf.c) this target replaces: see format.c.

/// PostgreSQL's contract: formats into `buf` (NUL-terminated when it fits) and returns the
/// length when it is below `len`, else the buffer size needed (length + 1).
size_t pvsnprintf(char *buf, size_t len, const char *fmt, va_list args);

/// PostgreSQL's own formatter (src/port/snprintf.c, still linked from libpg_query): the
/// reference the tests compare with, and where unusual conversions go.
int pg_vsnprintf(char *str, size_t count, const char *fmt, va_list args);

#endif
