import Foundation

extension Process {
    /// Waits for the process to end without running this thread's run loop, which
    /// `waitUntilExit` does: on a Dispatch worker (a Swift concurrency task, a test) that leaves
    /// a run-loop queue in the thread's Dispatch state, and libdispatch stops the whole process
    /// ("premature thread exit", SIGILL in `_libdispatch_tsd_cleanup`) when the idle worker exits.
    public func waitForExit() {
        while isRunning { usleep(1000) }
    }
}
