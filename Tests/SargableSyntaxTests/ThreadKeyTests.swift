#if canImport(Glibc)
import Glibc
#endif
import SargableCore
import SargableSyntax
import Testing

/// libpg_query 15-4.0.0 takes a pthread key on every thread that first parses and never gives it
/// back; a process has 1,024. Parsing on more threads than that must leave keys for everyone
/// else (CoreFoundation, once out of keys, writes into libdispatch's, which stops the process).
struct ThreadKeyTests {
    @Test func parsingOnTwiceAsManyThreadsAsThereAreKeysLeavesKeysFree() throws {
        let threads = 2 * Int(PTHREAD_KEYS_MAX)
        for round in 0 ..< threads {
            // A new thread each time (this one is not a WorkerThreads thread), each with a parse and a scan.
            let parsed = WorkerThreads.run(stackBytes: 1 << 20) { () -> Bool in
                (try? PgQuery.parse("SELECT \(round) FROM t WHERE a = $1")) != nil && (try? PgQuery.scan("SELECT 1")) != nil
            }
            try #require(parsed, "parse on thread \(round)")
        }
        var key = pthread_key_t()
        let status = pthread_key_create(&key, nil)
        #expect(status == 0, "pthread_key_create after parsing on \(threads) threads: \(String(cString: strerror(status)))")
        if status == 0 { pthread_key_delete(key) }
    }
}
