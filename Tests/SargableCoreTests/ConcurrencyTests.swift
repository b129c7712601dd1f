import SargableCore
import Testing

struct ConcurrencyTests {
    /// The producer publishes 0, 10, 20, … and returns how many it published.
    private func tens(_ count: Int) -> OrderedHandOver<Int, Int> {
        OrderedHandOver { publish in
            for value in 0 ..< count { publish(value * 10) }
            return count
        }
    }

    @Test(arguments: [1, 2, 4])
    func orderedHandOverServesTakersInAnyOrderOnAnyPool(threads: Int) {
        let handOver = tens(50)
        // The last value is asked for first: with one worker that thread must run the producer.
        let taken = WorkerThreads.parallelMap(Array((0 ..< 50).reversed()), threads: threads, stackBytes: 1 << 20) {
            handOver.take($0)
        }
        #expect(taken == (0 ..< 50).reversed().map { $0 * 10 })
        #expect(handOver.finish() == 50)
    }

    @Test func orderedHandOverGivesEachValueOnceAndNothingPastTheEnd() {
        let handOver = tens(3)
        #expect(handOver.take(1) == 10)
        #expect(handOver.take(1) == nil)
        #expect(handOver.take(3) == nil)
        #expect(handOver.finish() == 3)
    }

    @Test func orderedHandOverRunsTheProducerForFinishWhenNobodyTook() {
        #expect(tens(4).finish() == 4)
    }

    @Test func handOffGivesItsValueOnce() {
        let handOff = HandOff([1, 2, 3])
        #expect(handOff.take() == [1, 2, 3])
        #expect(handOff.take() == nil)
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
