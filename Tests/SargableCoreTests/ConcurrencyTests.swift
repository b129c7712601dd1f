import SargableCore
import Testing

struct ConcurrencyTests {
    @Test(arguments: [1, 2, 4])
    func pipelineFoldsInInputOrderAndKeepsOutputOrder(threads: Int) {
        // The fold sums what is prepared; each output is the sum before its item, so any item
        // folded out of order, or any output misplaced, changes the result.
        let (outputs, state) = WorkerThreads.pipeline(
            Array(1 ... 300), threads: threads, stackBytes: 1 << 20, state: (sum: 0, order: [Int]()),
            prepare: { $0 * 2 },
            fold: { state, index, doubled in
                defer { state.sum += doubled }
                state.order.append(index)
                return state.sum
            },
            finish: { index, sumBefore in "\(index):\(sumBefore)" })
        #expect(state.order == Array(0 ..< 300))
        #expect(state.sum == 300 * 301)
        #expect(outputs == (0 ..< 300).map { "\($0):\($0 * ($0 + 1))" })
    }

    @Test func pipelineOnOneWorkerFinishesEachItemBeforeItPreparesTheNext() {
        final class Log: @unchecked Sendable {
            let lock = Lock()
            var events: [String] = []
            func add(_ event: String) { lock.withLock { events.append(event) } }
        }
        let log = Log()
        _ = WorkerThreads.pipeline(Array(0 ..< 3), threads: 1, stackBytes: 1 << 20, state: (),
                                   prepare: { log.add("prepare \($0)"); return $0 },
                                   fold: { _, _, item in log.add("fold \(item)"); return item },
                                   finish: { _, item in log.add("finish \(item)") })
        #expect(log.events == ["prepare 0", "fold 0", "finish 0", "prepare 1", "fold 1", "finish 1", "prepare 2", "fold 2", "finish 2"])
    }

    @Test func pipelineOfNothingReturnsItsStartingState() {
        let (outputs, state) = WorkerThreads.pipeline([Int](), threads: 4, stackBytes: 1 << 20, state: 7,
                                                      prepare: { $0 }, fold: { _, _, item in item }, finish: { _, item in item })
        #expect(outputs.isEmpty)
        #expect(state == 7)
    }

    @Test func boundedQueueKeepsOrderAcrossThreads() {
        let queue = BoundedQueue<Int>(capacity: 2)
        let producer = WorkerThreads.start(stackBytes: 1 << 20) {
            for value in 0 ..< 10_000 { queue.push(value) }
            queue.close()
            return true
        }
        var popped: [Int] = []
        while let value = queue.pop() { popped.append(value) }
        #expect(producer.join())
        #expect(popped == Array(0 ..< 10_000))
    }

    @Test func parallelMapKeepsInputOrder() {
        let squares = WorkerThreads.parallelMap(Array(0 ..< 1000), threads: 3, stackBytes: 1 << 20) { $0 * $0 }
        #expect(squares == (0 ..< 1000).map { $0 * $0 })
    }

    @Test func threadsGetTheStackAskedFor() {
        let stack = 64 << 20
        #expect(WorkerThreads.run(stackBytes: stack) { WorkerThreads.availableStackBytes() } == stack - (1 << 20))
        #expect(WorkerThreads.parallelMap([1, 2], threads: 2, stackBytes: stack) { _ in WorkerThreads.availableStackBytes() }
            == [stack - (1 << 20), stack - (1 << 20)])
    }

    @Test func lockSerialisesWriters() {
        let lock = Lock()
        final class Counter: @unchecked Sendable { var value = 0 }
        let counter = Counter()
        _ = WorkerThreads.parallelMap(Array(0 ..< 8), threads: 4, stackBytes: 1 << 20) { _ in
            for _ in 0 ..< 10_000 { lock.withLock { counter.value += 1 } }
        }
        #expect(counter.value == 80_000)
    }
}
