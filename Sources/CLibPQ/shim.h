/* By path, not through pkg-config, whose flags would link libpq (see below). */
#include <postgresql/libpq-fe.h>
#include <dlfcn.h>
#include <stddef.h>

/* libpq is opened when the first connection string is read, not at start-up: the libraries it
   loads with it (Kerberos, LDAP, GnuTLS, OpenSSL: about 25) cost every run about 6 ms of start-up,
   `lint` included, which never connects. The module map therefore links no libpq; Swift calls it
   through this table, which names each function once. */
#define SARGABLE_LIBPQ_FUNCTIONS(X) \
    X(PQcancel) X(PQclear) X(PQcmdStatus) X(PQcmdTuples) X(PQconnectdbParams) X(PQconninfoFree) \
    X(PQconninfoParse) X(PQconsumeInput) X(PQerrorMessage) X(PQfinish) X(PQfname) X(PQfreeCancel) \
    X(PQfreemem) X(PQftype) X(PQgetCancel) X(PQgetCopyData) X(PQgetResult) X(PQgetisnull) \
    X(PQgetvalue) X(PQisBusy) X(PQnfields) X(PQnparams) X(PQntuples) X(PQpass) X(PQputCopyData) \
    X(PQputCopyEnd) X(PQresultErrorField) X(PQresultErrorMessage) X(PQresultStatus) \
    X(PQsendDescribePrepared) X(PQsendPrepare) X(PQsendQuery) X(PQsendQueryParams) \
    X(PQserverVersion) X(PQsetClientEncoding) X(PQsetNoticeReceiver) X(PQsocket) X(PQstatus) \
    X(PQtransactionStatus)

#define SARGABLE_LIBPQ_FIELD(name) __typeof__(&name) _Nonnull name;
typedef struct {
    SARGABLE_LIBPQ_FUNCTIONS(SARGABLE_LIBPQ_FIELD)
} SargableLibPQ;
#undef SARGABLE_LIBPQ_FIELD

/* Opens libpq and fills `table`. Returns NULL on success, else what failed (dlerror's text, or
   the name of a function the library lacks). */
static inline const char *_Nullable sargable_libpq_open(SargableLibPQ *_Nonnull table) {
    void *library = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *reason = dlerror();
        return reason != NULL ? reason : "libpq.so.5: cannot open shared object file";
    }
#define SARGABLE_LIBPQ_LOOKUP(name) \
    table->name = (__typeof__(&name))dlsym(library, #name); \
    if (table->name == NULL) return "libpq.so.5 has no " #name;
    SARGABLE_LIBPQ_FUNCTIONS(SARGABLE_LIBPQ_LOOKUP)
#undef SARGABLE_LIBPQ_LOOKUP
    return NULL;
}
