#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The one concurrency toolkit: threads with an explicit stack, a lock with a condition, and the
// hand-overs built on them. pthread objects live on the heap: C code may keep their address, and
// a Swift stored property has none that is guaranteed to stay put.

/// A mutex with a condition variable, both heap-allocated.
public final class Lock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    public init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    public func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Inside `withLock`: waits until `isReady` holds, releasing the lock while asleep.
    public func wait(until isReady: () -> Bool) {
        while !isReady() { pthread_cond_wait(condition, mutex) }
    }

    /// Inside `withLock`: wakes every waiter, which then checks its own condition.
    public func broadcast() { pthread_cond_broadcast(condition) }
}

/// Threads with a stack of a given size. Secondary threads get 512 KiB to 8 MiB by default, while
/// libpg_query and recursive tree walks need stack in proportion to the input's nesting. Stacks
/// are reserved address space: pages are only touched when used.
public enum WorkerThreads {
    /// Cores available to this process.
    public static var defaultThreadCount: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Runs `body` on a new thread with `stackBytes` of stack and waits for it; on this thread
    /// when it is a worker made with at least that stack (a nested call: a thread per level would
    /// cost a thread start, a malloc arena and their page faults for nothing).
    public static func run<T>(stackBytes: Int, _ body: () -> T) -> T {
        if let own = ownStackBytes, own >= stackBytes { return body() }
        return withoutActuallyEscaping(body) { escapable in
            let box = ResultBox(escapable)
            Thread(stackBytes: stackBytes) { box.run() }.join()
            return box.take()
        }
    }

    /// Maps `items` on up to `threads` workers with `stackBytes` of stack each, keeping the input
    /// order of the results. Workers take runs of unstarted items in input order (`ResultSlots`),
    /// so cheap items cost a lock per run, not per item; nothing else about scheduling is promised.
    /// Inlinable so that the per-item loop is specialized where it is called: unspecialized, its
    /// generic value-witness calls cost `analyze` 0.6 G more instructions on a 70,000-statement log.
    @inlinable
    public static func parallelMap<Input: Sendable, Output: Sendable>(
        _ items: [Input], threads: Int = defaultThreadCount, stackBytes: Int, _ transform: @Sendable (Input) -> Output
    ) -> [Output] {
        guard items.count > 1, threads > 1 else {
            return run(stackBytes: stackBytes) { items.map(transform) }
        }
        let slots = ResultSlots<Output>(count: items.count)
        withoutActuallyEscaping(transform) { transform in
            let workerCount = min(threads, items.count)
            let work: @Sendable () -> Void = {
                while let run = slots.claimRun(workers: workerCount) {
                    slots.set(run, run.map { transform(items[$0]) })
                }
            }
            runWorkers(workerCount, stackBytes: stackBytes, work)
        }
        return slots.values()
    }

    /// Runs each item through three stages on up to `threads` workers with `stackBytes` of stack:
    /// `prepare` (items started in input order), `fold` (one item at a time, in input order, as
    /// soon as it and every item before it are prepared; it alone updates `state`), then `finish`
    /// of what `fold` returned. Returns the outputs in input order and the state after the last
    /// fold. A worker finishes a folded item before it prepares another, so only a few items are
    /// between the stages at once and what they hold is freed as the run goes, not at its end.
    /// Free of deadlock on any number of workers: whoever prepares the next item in order folds.
    @inlinable
    public static func pipeline<Input: Sendable, Prepared, Folded, Output, State>(
        _ items: [Input], threads: Int = defaultThreadCount, stackBytes: Int, state: State,
        prepare: @Sendable (Input) -> Prepared, fold: @Sendable (inout State, Int, Prepared) -> Folded,
        finish: @Sendable (Int, Folded) -> Output
    ) -> (outputs: [Output], state: State) {
        let shared = PipelineRun<Prepared, Folded, Output, State>(count: items.count, state: state)
        withoutActuallyEscaping(prepare) { prepare in
            withoutActuallyEscaping(fold) { fold in
                withoutActuallyEscaping(finish) { finish in
                    let work: @Sendable () -> Void = {
                        while true {
                            switch shared.nextStep() {
                            case .prepare(let index): shared.deposit(index, prepare(items[index]), fold: fold)
                            case .finish(let index, let value): shared.setOutput(index, finish(index, value))
                            case .done: return
                            }
                        }
                    }
                    let workerCount = max(1, min(threads, items.count))
                    if workerCount == 1 {
                        run(stackBytes: stackBytes, work)
                    } else {
                        runWorkers(workerCount, stackBytes: stackBytes, work)
                    }
                }
            }
        }
        return (shared.outputs.map { $0! }, shared.state)
    }

    /// Runs `work` on `count` new threads and waits for all of them.
    @usableFromInline
    static func runWorkers(_ count: Int, stackBytes: Int, _ work: @escaping @Sendable () -> Void) {
        let workers = (0 ..< count).map { _ in Thread(stackBytes: stackBytes, work) }
        workers.forEach { $0.join() }
    }

    /// Starts `body` on its own thread; `join()` on the result waits for its value.
    public static func start<T: Sendable>(stackBytes: Int, _ body: @escaping @Sendable () -> T) -> Running<T> {
        Running(stackBytes: stackBytes, body)
    }

    /// A thread started for a value.
    public final class Running<T: Sendable>: Sendable {
        private let box: ResultBox<T>
        private let thread: Thread

        fileprivate init(stackBytes: Int, _ body: @escaping @Sendable () -> T) {
            let box = ResultBox(body)
            self.box = box
            thread = Thread(stackBytes: stackBytes) { box.run() }
        }

        /// Waits for the thread and returns its value; call it once.
        public func join() -> T {
            thread.join()
            return box.take()
        }
    }

    /// Stack this thread can use: what `WorkerThreads` gave it less a margin, or a conservative
    /// guess for threads it did not make (Dispatch and Swift concurrency threads have 512 KiB).
    public static func availableStackBytes() -> Int {
        guard let own = ownStackBytes else { return 448 << 10 }
        return own - (1 << 20)
    }

    /// The stack this thread was made with, when `WorkerThreads` made it.
    private static var ownStackBytes: Int? {
        stackSizeKey.flatMap { pthread_getspecific($0) }.map { Int(bitPattern: $0) }
    }

    /// Nil when the process has no pthread key left: key 0 is libdispatch's, and a value stored
    /// under it stops the process when that thread ends.
    private static let stackSizeKey: pthread_key_t? = {
        var key = pthread_key_t()
        return pthread_key_create(&key, nil) == 0 ? key : nil
    }()

    /// A body and its result carried across the thread start: the starter only reads the result
    /// after joining, so the two threads never touch it at once.
    private final class ResultBox<T>: @unchecked Sendable {
        private let body: () -> T
        private var result: T?
        init(_ body: @escaping () -> T) { self.body = body }
        func run() { result = body() }
        func take() -> T { result! }
    }

    /// A joinable pthread; when the thread cannot be created, `join` runs the work on the caller.
    fileprivate final class Thread: @unchecked Sendable {
        private let handle = UnsafeMutablePointer<pthread_t>.allocate(capacity: 1)
        private let started: Bool
        private let work: @Sendable () -> Void
        private var joined = false

        private final class Start {
            let work: @Sendable () -> Void
            let stackBytes: Int
            init(_ work: @escaping @Sendable () -> Void, stackBytes: Int) {
                self.work = work
                self.stackBytes = stackBytes
            }
        }

        init(stackBytes requested: Int, _ work: @escaping @Sendable () -> Void) {
            let stackBytes = max(requested, 1 << 20)
            self.work = work
            var attributes = pthread_attr_t()
            pthread_attr_init(&attributes)
            defer { pthread_attr_destroy(&attributes) }
            pthread_attr_setstacksize(&attributes, stackBytes)
            let context = Unmanaged.passRetained(Start(work, stackBytes: stackBytes)).toOpaque()
            let status = pthread_create(handle, &attributes, { raw in
                let start = Unmanaged<Start>.fromOpaque(raw!).takeRetainedValue()
                if let key = WorkerThreads.stackSizeKey { pthread_setspecific(key, UnsafeRawPointer(bitPattern: start.stackBytes)) }
                start.work()
                return nil
            }, context)
            started = status == 0
            if !started { Unmanaged<Start>.fromOpaque(context).release() }
        }

        deinit { handle.deallocate() }

        /// Waits for the thread (once; its owner is the only caller).
        func join() {
            guard !joined else { return }
            joined = true
            guard started else { return work() }
            pthread_join(handle.pointee, nil)
        }
    }
}

/// Result slots filled by workers at distinct indexes, read after all have joined.
@usableFromInline
final class ResultSlots<T>: @unchecked Sendable {
    @usableFromInline let lock = Lock()
    @usableFromInline var storage: [T?]
    @usableFromInline var next = 0

    @inlinable
    init(count: Int) { storage = Array(repeating: nil, count: count) }

    /// The next indices no worker has taken, or nil when all are taken. A run is a share of what
    /// is left (guided scheduling): long while much is left, so thousands of cheap items cost a
    /// few dozen locks; down to one item at the end, so that the last runs still spread over
    /// every worker and none is left with a long run while the others are idle.
    @inlinable
    func claimRun(workers: Int) -> Range<Int>? {
        lock.withLock {
            let left = storage.count - next
            guard left > 0 else { return nil }
            let length = max(1, left / (workers * 4))
            defer { next += length }
            return next ..< next + length
        }
    }

    @inlinable
    func set(_ run: Range<Int>, _ values: [T]) {
        lock.withLock {
            for (index, value) in zip(run, values) { storage[index] = value }
        }
    }

    @inlinable
    func values() -> [T] { lock.withLock { storage.map { $0! } } }
}

/// The shared state of a `WorkerThreads.pipeline` run.
@usableFromInline
final class PipelineRun<Prepared, Folded, Output, State>: @unchecked Sendable {
    @usableFromInline let lock = Lock()
    @usableFromInline let count: Int
    @usableFromInline var nextToPrepare = 0
    @usableFromInline var prepared: [Prepared?]
    /// Items below it are folded; `isFolding` while a worker folds (outside the lock, alone).
    @usableFromInline var nextToFold = 0
    @usableFromInline var isFolding = false
    @usableFromInline var folded: [Folded?]
    @usableFromInline var nextToFinish = 0
    @usableFromInline var outputs: [Output?]
    /// Touched by the folding worker only.
    @usableFromInline var state: State

    @usableFromInline
    enum Step {
        case prepare(Int)
        case finish(Int, Folded)
        case done
    }

    @inlinable
    init(count: Int, state: State) {
        self.count = count
        self.state = state
        prepared = Array(repeating: nil, count: count)
        folded = Array(repeating: nil, count: count)
        outputs = Array(repeating: nil, count: count)
    }

    /// A folded item to finish first (what it holds is freed sooner), else one to prepare.
    @inlinable
    func nextStep() -> Step {
        lock.withLock {
            lock.wait { nextToFinish < nextToFold || nextToPrepare < count || nextToFinish == count }
            if nextToFinish < nextToFold {
                let index = nextToFinish
                nextToFinish += 1
                if nextToFinish == count { lock.broadcast() }  // the workers waiting for work stop
                defer { folded[index] = nil }
                return .finish(index, folded[index]!)
            }
            if nextToPrepare < count {
                defer { nextToPrepare += 1 }
                return .prepare(nextToPrepare)
            }
            return .done
        }
    }

    /// Stores a prepared item and, unless another worker is folding, folds every item that is
    /// next in order; the folding worker picks up what others prepare meanwhile.
    @inlinable
    func deposit(_ index: Int, _ value: Prepared, fold: (inout State, Int, Prepared) -> Folded) {
        let folds = lock.withLock { () -> Bool in
            prepared[index] = value
            guard !isFolding, nextToFold < count, prepared[nextToFold] != nil else { return false }
            isFolding = true
            return true
        }
        guard folds else { return }
        while let (next, item) = lock.withLock({ () -> (Int, Prepared)? in
            guard nextToFold < count, let item = prepared[nextToFold] else {
                isFolding = false
                return nil
            }
            prepared[nextToFold] = nil
            return (nextToFold, item)
        }) {
            let result = fold(&state, next, item)
            lock.withLock {
                folded[next] = result
                nextToFold += 1
                lock.broadcast()
            }
        }
    }

    @inlinable
    func setOutput(_ index: Int, _ output: Output) { lock.withLock { outputs[index] = output } }
}

/// A bounded first-in first-out queue between threads: `push` waits while it is full, `pop`
/// while it is empty and open.
public final class BoundedQueue<Element>: @unchecked Sendable {
    private let lock = Lock()
    private let capacity: Int
    private var elements: [Element] = []
    private var closed = false

    public init(capacity: Int) { self.capacity = max(1, capacity) }

    public func push(_ element: Element) {
        lock.withLock {
            lock.wait { elements.count < capacity }
            elements.append(element)
            lock.broadcast()
        }
    }

    /// No more pushes: `pop` returns what is left, then nil.
    public func close() {
        lock.withLock {
            closed = true
            lock.broadcast()
        }
    }

    /// The oldest element, or nil once the queue is closed and empty.
    public func pop() -> Element? {
        lock.withLock {
            lock.wait { !elements.isEmpty || closed }
            guard !elements.isEmpty else { return nil }
            lock.broadcast()
            return elements.removeFirst()
        }
    }
}
