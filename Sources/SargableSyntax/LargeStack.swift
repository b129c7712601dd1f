#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs work on threads with a large, explicit stack. libpg_query and recursive tree walks need
/// stack in proportion to expression depth; the default 512 KiB of secondary threads overflows at
/// ~5,000 chained terms. Stacks are reserved address space: pages are only touched when used.
public enum LargeStack {
    /// Stack given to worker threads: enough for the largest statement `SyntaxLimits` admits.
    public static let defaultStackBytes = SyntaxLimits.maxStatementBytes * SyntaxLimits.stackBytesPerInputByte + (64 << 20)

    /// Runs `body` on a new thread with `stackBytes` of stack and waits for it.
    public static func run<T>(stackBytes: Int = defaultStackBytes, _ body: () -> T) -> T {
        withoutActuallyEscaping(body) { escapable in
            runOnThread(stackBytes: max(stackBytes, 1 << 20), escapable)
        }
    }

    private static func runOnThread<T>(stackBytes: Int, _ body: @escaping () -> T) -> T {
        let box = Box(stackBytes: stackBytes, body)
        let thread = Thread(stackBytes: stackBytes, box.work)
        thread.join()
        return box.result!
    }

    /// Maps `items` on `threads` large-stack workers, keeping the input order of the results.
    public static func parallelMap<Input: Sendable, Output: Sendable>(
        _ items: [Input], threads: Int = defaultThreadCount, _ transform: @Sendable (Input) -> Output
    ) -> [Output] {
        guard items.count > 1, threads > 1 else {
            return run { items.map(transform) }
        }
        let results = ResultSlots<Output>(count: items.count)
        let next = AtomicCounter()
        let workers = min(threads, items.count)
        withoutActuallyEscaping(transform) { transform in
            let work: @Sendable () -> Void = {
                while true {
                    let index = next.increment()
                    if index >= items.count { return }
                    results.set(index, transform(items[index]))
                }
            }
            // One worker runs on a large-stack thread of its own; the others likewise, joined in turn.
            let group = (0 ..< workers).map { _ in Thread(stackBytes: defaultStackBytes, work) }
            group.forEach { $0.join() }
        }
        return results.values()
    }

    /// Cores available to this process.
    public static var defaultThreadCount: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Stack this thread can give a parse: what `LargeStack` gave it, or a conservative guess for
    /// threads it did not make (Dispatch and Swift concurrency threads have 512 KiB).
    public static func availableStackBytes() -> Int {
        guard let value = pthread_getspecific(stackSizeKey) else { return 448 << 10 }
        return Int(bitPattern: value) - (1 << 20)
    }

    private static let stackSizeKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Records the stack size of a thread LargeStack started, from inside that thread.
    fileprivate static func markCurrentThread(stackBytes: Int) {
        pthread_setspecific(stackSizeKey, UnsafeRawPointer(bitPattern: stackBytes))
    }

    /// Carries a non-Sendable body and its result across the thread start; the caller blocks on
    /// join, so the two threads never touch it at once.
    private final class Box<T>: @unchecked Sendable {
        let body: () -> T
        let stackBytes: Int
        var result: T?
        init(stackBytes: Int, _ body: @escaping () -> T) {
            self.stackBytes = stackBytes
            self.body = body
        }
        var work: @Sendable () -> Void { { self.result = self.body() } }
    }

    private final class Thread: @unchecked Sendable {
        #if canImport(Glibc)
        private var handle = pthread_t()
        #else
        private var handle: pthread_t?
        #endif
        private let started: Bool
        private let work: @Sendable () -> Void

        init(stackBytes: Int, _ work: @escaping @Sendable () -> Void) {
            self.work = work
            var attributes = pthread_attr_t()
            pthread_attr_init(&attributes)
            defer { pthread_attr_destroy(&attributes) }
            pthread_attr_setstacksize(&attributes, stackBytes)
            let context = Unmanaged.passRetained(WorkBox(stackBytes: stackBytes, work)).toOpaque()
            let status = pthread_create(&handle, &attributes, { raw in
                let box = Unmanaged<WorkBox>.fromOpaque(raw!).takeRetainedValue()
                LargeStack.markCurrentThread(stackBytes: box.stackBytes)
                box.work()
                return nil
            }, context)
            started = status == 0
            if !started {
                Unmanaged<WorkBox>.fromOpaque(context).release()
            }
        }

        func join() {
            guard started else { return work() }
            #if canImport(Glibc)
            pthread_join(handle, nil)
            #else
            pthread_join(handle!, nil)
            #endif
        }
    }

    private final class WorkBox: @unchecked Sendable {
        let work: @Sendable () -> Void
        let stackBytes: Int
        init(stackBytes: Int, _ work: @escaping @Sendable () -> Void) {
            self.stackBytes = stackBytes
            self.work = work
        }
    }
}

/// Index dispenser shared by workers.
final class AtomicCounter: @unchecked Sendable {
    private var value = 0
    private var lock = pthread_mutex_t()
    init() { pthread_mutex_init(&lock, nil) }
    deinit { pthread_mutex_destroy(&lock) }

    /// Returns the current value and advances it.
    func increment() -> Int {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        let current = value
        value += 1
        return current
    }
}

/// Result slots written by distinct workers at distinct indexes, read after all have joined.
final class ResultSlots<T>: @unchecked Sendable {
    private var storage: [T?]
    private var lock = pthread_mutex_t()
    init(count: Int) {
        storage = Array(repeating: nil, count: count)
        pthread_mutex_init(&lock, nil)
    }
    deinit { pthread_mutex_destroy(&lock) }

    func set(_ index: Int, _ value: T) {
        pthread_mutex_lock(&lock)
        storage[index] = value
        pthread_mutex_unlock(&lock)
    }

    func values() -> [T] { storage.map { $0! } }
}
