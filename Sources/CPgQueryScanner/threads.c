/*
 * libpg_query 15-4.0.0's pg_query_init, run on each thread's first call into the library, creates
 * a pthread key every time (to free the thread's memory context at its exit) and never deletes
 * it. A process has 1,024 keys: after about a thousand threads have parsed, pthread_key_create
 * fails for everyone, and code that ignores that failure (CoreFoundation's per-thread data, for
 * one) stores its data under key 0, libdispatch's, whose destructor then stops the process
 * (SIGILL in _libdispatch_tsd_cleanup) when that thread ends. A test suite, or any long-lived
 * process that parses on short-lived threads, gets there.
 *
 * sargable_pg_query_thread_init runs libpg_query's init itself, one thread at a time, finds the
 * key it made for this thread, and gives it back when the thread ends.
 */

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "pg_query_scanner.h"

typedef struct MemoryContextData *MemoryContext;

/* libpg_query's (thread-local, as its other globals). */
extern __thread int pg_query_initialized;
extern __thread MemoryContext TopMemoryContext;
extern void pg_query_init(void);
extern void pg_query_free_top_memory_context(MemoryContext context);

static pthread_key_t thread_end_key;
static bool thread_end_key_made;
static pthread_once_t thread_end_once = PTHREAD_ONCE_INIT;
/* pg_query_init keeps the key it makes in one global before it stores this thread's context
 * under it: two threads in it at once can both store under the second one's key. */
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread bool thread_ready;

/* At thread exit: the context libpg_query's own destructor would free, then its key. */
static void thread_end(void *value) {
    pthread_key_t key = (pthread_key_t) ((uintptr_t) value - 1);
    /* Cleared so that its destructor, if later in this pass, does not free the context again. */
    if (pthread_getspecific(key) != NULL) pthread_setspecific(key, NULL);
    if (TopMemoryContext != NULL) pg_query_free_top_memory_context(TopMemoryContext);
    pthread_mutex_lock(&init_lock);
    pthread_key_delete(key);
    pthread_mutex_unlock(&init_lock);
}

static void make_thread_end_key(void) {
    thread_end_key_made = pthread_key_create(&thread_end_key, thread_end) == 0;
}

void sargable_pg_query_thread_init(void) {
    if (thread_ready) return;
    thread_ready = true;
    pthread_once(&thread_end_once, make_thread_end_key);
    /* Initialised by a call that did not come through here: its key cannot be told apart. */
    if (pg_query_initialized) return;
    pthread_mutex_lock(&init_lock);
    pg_query_init();
    pthread_key_t found = PTHREAD_KEYS_MAX;
    if (thread_end_key_made && TopMemoryContext != NULL) {
        /* The key whose value on this thread is this thread's context is the one just made. */
        for (pthread_key_t key = 0; key < PTHREAD_KEYS_MAX; key++) {
            if (key != thread_end_key && pthread_getspecific(key) == (void *) TopMemoryContext) {
                found = key;
                break;
            }
        }
    }
    pthread_mutex_unlock(&init_lock);
    if (found != PTHREAD_KEYS_MAX) pthread_setspecific(thread_end_key, (void *) ((uintptr_t) found + 1));
}
