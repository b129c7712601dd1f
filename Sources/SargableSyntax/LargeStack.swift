import SargableCore

/// `WorkerThreads` with the stack parsing needs: libpg_query and recursive tree walks need stack
/// in proportion to expression depth, and the default 512 KiB of secondary threads overflows at
/// ~5,000 chained terms.
public enum LargeStack {
    /// Stack given to worker threads: enough for the largest statement `SyntaxLimits` admits.
    public static let defaultStackBytes = SyntaxLimits.maxStatementBytes * SyntaxLimits.stackBytesPerInputByte + (64 << 20)

    /// Runs `body` on a new thread with `stackBytes` of stack and waits for it.
    public static func run<T>(stackBytes: Int = defaultStackBytes, _ body: () -> T) -> T {
        WorkerThreads.run(stackBytes: stackBytes, body)
    }

    /// Maps `items` on `threads` large-stack workers, keeping the input order of the results.
    @inlinable
    public static func parallelMap<Input: Sendable, Output: Sendable>(
        _ items: [Input], threads: Int = defaultThreadCount, _ transform: @Sendable (Input) -> Output
    ) -> [Output] {
        WorkerThreads.parallelMap(items, threads: threads, stackBytes: defaultStackBytes, transform)
    }

    /// `WorkerThreads.pipeline` on large-stack workers.
    @inlinable
    public static func pipeline<Input: Sendable, Prepared, Folded, Output, State>(
        _ items: [Input], threads: Int = defaultThreadCount, state: State, prepare: @Sendable (Input) -> Prepared,
        fold: @Sendable (inout State, Int, Prepared) -> Folded, finish: @Sendable (Int, Folded) -> Output
    ) -> (outputs: [Output], state: State) {
        WorkerThreads.pipeline(items, threads: threads, stackBytes: defaultStackBytes, state: state,
                               prepare: prepare, fold: fold, finish: finish)
    }

    /// Cores available to this process.
    public static var defaultThreadCount: Int { WorkerThreads.defaultThreadCount }

    /// Stack this thread can give a parse.
    public static func availableStackBytes() -> Int { WorkerThreads.availableStackBytes() }
}
