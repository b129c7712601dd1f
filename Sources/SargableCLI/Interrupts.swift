import ArgumentParser
import Dispatch
import Foundation
import SargableCore
import SargablePostgres
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C and SIGTERM for commands that talk to a server. Left to the default action the process
/// dies at once while its statement keeps running on the server, holding its locks, until
/// statement_timeout. Here the first signal cancels the running statement of every watched
/// connection; the waiting thread sees the cancel, rolls back as it does for any error, and the
/// command ends with 130 at its next `checkpoint()`. With no statement running there is nothing to
/// wait for, and the process exits at once (the server rolls back an open transaction when the
/// connection closes). A second signal always exits at once.
final class Interrupts: @unchecked Sendable {
    static let shared = Interrupts()

    static let exitStatus = SargableExitCode.interrupted.rawValue

    private let lock = NSLock()
    private let queue = DispatchQueue(label: "sargable.interrupts")
    private var sources: [any DispatchSourceSignal] = []
    /// Touched only by `checkpoint`, which runs on the thread using the connections; the signal
    /// queue uses their cancellers alone.
    private var connections: [Connection] = []
    private var cancellers: [Connection.Canceller] = []
    private var interrupted = false

    private init() {}

    /// Takes SIGINT and SIGTERM over (once) and cancels `connection`'s statements on them.
    func watch(_ connection: Connection) {
        lock.lock()
        defer { lock.unlock() }
        connections.append(connection)
        cancellers.append(connection.canceller)
        guard sources.isEmpty else { return }
        takeOver([SIGINT, SIGTERM]) { [unowned self] _ in self.handleSignal() }
    }

    /// While `database run`'s command runs, and until sargable has deleted the server after it:
    /// SIGINT, SIGTERM and SIGHUP sent to sargable go to the command's process group instead, so
    /// the command ends as it would have without sargable around it and the server is still
    /// cleaned up. (From the terminal they reach the command directly: it is the foreground job.)
    /// Called before the command is started, so no signal finds sargable between two dispositions;
    /// one that comes before `forward(to:)` names the group waits for it.
    func forwardToNextJob() {
        lock.lock()
        defer { lock.unlock() }
        cancelSources()
        connections.removeAll()
        cancellers.removeAll()
        // A plain handler, not a dispatch source: libdispatch installs a source's handler later,
        // on its manager thread, and a signal in that gap was dropped (SIG_IGN) or ended sargable.
        _ = forwardedGroup.load(ordering: .sequentiallyConsistent)  // globals are initialised lazily: not in the handler
        _ = pendingForward.load(ordering: .sequentiallyConsistent)
        for number in [SIGINT, SIGTERM, SIGHUP] { signal(number, forwardSignal) }
    }

    /// The group that `forwardToNextJob`'s signals go to from now on, and any that came before it.
    func forward(to processGroup: pid_t) {
        forwardedGroup.store(processGroup, ordering: .sequentiallyConsistent)
        let early = pendingForward.exchange(0, ordering: .sequentiallyConsistent)
        if early != 0 { kill(-processGroup, early) }
    }

    /// No SIG_IGN first: libdispatch installs its own handler when its manager thread registers
    /// the source, and an ignored signal in between would be dropped; the default action
    /// (ending at once, as before any watch) is the better fallback.
    private func takeOver(_ numbers: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        for number in numbers {
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(number) }
            source.resume()
            sources.append(source)
        }
    }

    private func cancelSources() {
        sources.forEach { $0.cancel() }
        sources.removeAll()
    }

    var wasInterrupted: Bool {
        lock.lock()
        defer { lock.unlock() }
        return interrupted
    }

    /// Ends the command with 130 and one line when a signal came. Called after each statement, and
    /// before an error is reported (an error caused by the cancel is not news to the user).
    func checkpoint() throws {
        guard wasInterrupted else { return }
        lock.lock()
        let cleanlyRolledBack = connections.allSatisfy { !$0.isBroken && !$0.isInTransaction }
        lock.unlock()
        Terminal.error(cleanlyRolledBack
            ? "interrupted; the running statement was cancelled and rolled back"
            : "interrupted; the running statement was cancelled, and the server rolls back its transaction as the connection closes")
        throw ExitCode(Self.exitStatus)
    }

    private func handleSignal() {
        lock.lock()
        let again = interrupted
        interrupted = true
        // Every connection is asked, not only the first that has a statement running.
        let running = cancellers.map { $0.cancel() }.contains(true)
        lock.unlock()
        if again || !running {
            Terminal.error("interrupted")
            fflush(nil)  // all streams: what was printed before the signal is kept
            // Not exit(): the main thread is still running, and atexit handlers must not race it.
            _exit(Self.exitStatus)
        }
    }
}

/// Read in a signal handler, so atomics (set up before the handler is installed) and not a lock.
private let forwardedGroup = Atomic<pid_t>(0)
private let pendingForward = Atomic<Int32>(0)

/// Async-signal-safe: atomics and kill(2) only. Before the group is known the signal is parked;
/// the second look covers `forward(to:)` having run in between (whoever takes it sends it).
private func forwardSignal(_ number: Int32) {
    let savedErrno = errno
    defer { errno = savedErrno }
    var group = forwardedGroup.load(ordering: .sequentiallyConsistent)
    if group == 0 {
        pendingForward.store(number, ordering: .sequentiallyConsistent)
        group = forwardedGroup.load(ordering: .sequentiallyConsistent)
        guard group != 0, pendingForward.exchange(0, ordering: .sequentiallyConsistent) != 0 else { return }
    }
    kill(-group, number)
}
