#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A program run with `posix_spawn` and reaped with `waitpid`, its input written and its outputs
/// read with `poll` on the calling thread: no thread, run loop or signal handler of its own, as
/// Foundation's `Process` has on Linux (a run-loop thread, hooks in the caller's run loop, a
/// SIGCHLD handler), and no Foundation in SargableCore.
public struct Subprocess: Sendable {
    /// What the program reads.
    public enum Input: Sendable {
        /// `/dev/null`.
        case none
        /// These bytes, then end-of-file.
        case bytes([UInt8])
        /// This process's own standard input.
        case inherit
        /// A file, read from its start.
        case file(String)
        /// A descriptor the caller owns (kept open by the caller, duplicated into the child).
        case descriptor(Int32)
    }

    /// Where one of the program's outputs goes.
    public enum Output: Sendable {
        /// `/dev/null`.
        case discard
        /// Into `Result.output` / `Result.errors`.
        case capture
        /// This process's own descriptor.
        case inherit
        /// Appended to a file (created when missing).
        case file(String)
        /// For standard error only: wherever standard output goes, interleaved.
        case standardOutput
    }

    /// How the program ended and what it wrote.
    public struct Result: Sendable {
        /// The exit code, or 128 + the signal that ended it, as shells report it.
        public let status: Int32
        /// The signal that ended the program, nil when it exited.
        public let signal: Int32?
        public let output: [UInt8]
        public let errors: [UInt8]

        public var outputText: String { String(decoding: output, as: UTF8.self) }
        public var errorText: String { String(decoding: errors, as: UTF8.self) }
    }

    /// The program could not be started; `message` is one line.
    public struct SpawnError: Error, CustomStringConvertible, Sendable {
        public let message: String
        public var description: String { message }
    }

    public var executable: String
    public var arguments: [String]
    /// The whole environment; nil inherits this process's.
    public var environment: [String: String]?
    public var directory: String?
    public var input: Input
    public var output: Output
    public var errors: Output

    /// `executable` is a path, or a name looked up on PATH.
    public init(_ executable: String, _ arguments: [String] = [], environment: [String: String]? = nil,
                directory: String? = nil, input: Input = .none, output: Output = .capture, errors: Output = .capture) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.directory = directory
        self.input = input
        self.output = output
        self.errors = errors
    }

    /// This process's environment with `changes` applied.
    public static func environment(merging changes: [String: String]) -> [String: String] {
        var merged: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let pair = String(cString: pointer)
            if let equals = pair.firstIndex(of: "=") {
                merged[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            }
            entry += 1
        }
        return merged.merging(changes) { $1 }
    }

    /// Runs the program to its end.
    public func run() throws(SpawnError) -> Result { try start().wait() }

    /// Starts the program; `Running.wait()` collects it.
    public func start() throws(SpawnError) -> Running {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // The parent's ends of the pipes, closed on exec so no other child keeps one open (its
        // reader would never see end-of-file).
        var inputPipe: Int32?, outputPipe: Int32?, errorPipe: Int32?
        var childEnds: [Int32] = []
        defer { childEnds.forEach { _ = close($0) } }
        func closeParentEnds() { [inputPipe, outputPipe, errorPipe].compactMap { $0 }.forEach { _ = close($0) } }
        func makePipe() throws(SpawnError) -> (read: Int32, write: Int32) {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { throw SpawnError(message: "cannot create a pipe: \(Self.systemError(errno))") }
            // (pipe2 is not exported; a child spawned by another thread meanwhile closes every
            // descriptor above 2 anyway, see closeOtherDescriptors.)
            ends.forEach { _ = fcntl($0, F_SETFD, FD_CLOEXEC) }
            return (ends[0], ends[1])
        }
        do {
            switch input {
            case .none: posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            case .inherit: break
            case .file(let path): posix_spawn_file_actions_addopen(&actions, 0, path, O_RDONLY, 0)
            case .descriptor(let descriptor): posix_spawn_file_actions_adddup2(&actions, descriptor, 0)
            case .bytes:
                let ends = try makePipe()
                inputPipe = ends.write
                childEnds.append(ends.read)
                posix_spawn_file_actions_adddup2(&actions, ends.read, 0)
            }
            for (descriptor, destination) in [(Int32(1), output), (2, errors)] {
                switch destination {
                case .discard: posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", O_WRONLY, 0)
                case .inherit: break
                case .file(let path): posix_spawn_file_actions_addopen(&actions, descriptor, path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
                case .standardOutput: posix_spawn_file_actions_adddup2(&actions, 1, descriptor)
                case .capture:
                    let ends = try makePipe()
                    if descriptor == 1 { outputPipe = ends.read } else { errorPipe = ends.read }
                    childEnds.append(ends.write)
                    posix_spawn_file_actions_adddup2(&actions, ends.write, descriptor)
                }
            }
        } catch {
            closeParentEnds()
            throw error
        }
        Self.closeOtherDescriptors(&actions)
        if let directory, !Self.changeDirectory(&actions, directory) {
            closeParentEnds()
            throw SpawnError(message: "cannot run \(executable) in \(directory): this C library cannot change directory in posix_spawn")
        }
        // The child starts as a shell would start it: no signal blocked or ignored, whatever this
        // process (or the thread it was started from) did with them.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { (argv + (envp ?? [])).forEach { free($0) } }
        var pid = pid_t()
        let failure = envp.map { posix_spawnp(&pid, executable, &actions, &attributes, argv, $0) }
            ?? posix_spawnp(&pid, executable, &actions, &attributes, argv, environ)
        guard failure == 0 else {
            closeParentEnds()
            throw SpawnError(message: "cannot run \(executable): \(Self.systemError(failure))")
        }
        var bytes: [UInt8] = []
        if case .bytes(let given) = input { bytes = given }
        return Running(pid: pid, input: inputPipe.map { ($0, bytes) }, output: outputPipe, errors: errorPipe)
    }

    /// A started program.
    public final class Running: @unchecked Sendable {
        public let pid: pid_t
        private var input: (descriptor: Int32, bytes: [UInt8])?
        private var outputDescriptor: Int32?, errorDescriptor: Int32?
        private var reaped: Int32?

        init(pid: pid_t, input: (Int32, [UInt8])?, output: Int32?, errors: Int32?) {
            self.pid = pid
            self.input = input
            outputDescriptor = output
            errorDescriptor = errors
        }

        deinit { [input?.descriptor, outputDescriptor, errorDescriptor].compactMap { $0 }.forEach { _ = close($0) } }

        /// Whether the program is still running (reaps it when it has ended). Captured output is
        /// only read by `wait()`, so a program polled this way must not fill a pipe (64 KiB).
        public var isRunning: Bool {
            if reaped != nil { return false }
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { reaped = status }
            return result == 0
        }

        /// Sends `signal` to the program.
        public func send(_ signal: Int32) { if reaped == nil { kill(pid, signal) } }

        /// Writes the input, reads the outputs to their ends, and waits for the program to end.
        public func wait() -> Result {
            var output: [UInt8] = [], errors: [UInt8] = []
            var written = 0
            if let input, input.bytes.isEmpty {
                close(input.descriptor)
                self.input = nil
            }
            if let input { _ = fcntl(input.descriptor, F_SETFL, fcntl(input.descriptor, F_GETFL) | O_NONBLOCK) }
            var chunk = [UInt8](repeating: 0, count: 65536)
            while input != nil || outputDescriptor != nil || errorDescriptor != nil {
                var descriptors: [pollfd] = []
                if let input { descriptors.append(pollfd(fd: input.descriptor, events: Int16(POLLOUT), revents: 0)) }
                if let outputDescriptor { descriptors.append(pollfd(fd: outputDescriptor, events: Int16(POLLIN), revents: 0)) }
                if let errorDescriptor { descriptors.append(pollfd(fd: errorDescriptor, events: Int16(POLLIN), revents: 0)) }
                guard poll(&descriptors, nfds_t(descriptors.count), -1) >= 0 else {
                    if errno == EINTR { continue }
                    break
                }
                for entry in descriptors where entry.revents != 0 {
                    if let input, entry.fd == input.descriptor {
                        let count = Self.writeWithoutSIGPIPE(entry.fd, input.bytes, from: written)
                        if count > 0 { written += count }
                        // Done, or the program stopped reading (it exited, or closed its input).
                        if written == input.bytes.count || (count < 0 && errno != EAGAIN && errno != EINTR) {
                            close(entry.fd)
                            self.input = nil
                        }
                        continue
                    }
                    let count = chunk.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                    if count > 0 {
                        if entry.fd == outputDescriptor { output += chunk[..<count] } else { errors += chunk[..<count] }
                    } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                        close(entry.fd)
                        if entry.fd == outputDescriptor { outputDescriptor = nil } else { errorDescriptor = nil }
                    }
                }
            }
            var status: Int32 = reaped ?? 0
            if reaped == nil {
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                reaped = status
            }
            let signal = status & 0x7f
            return Result(status: signal == 0 ? (status >> 8) & 0xff : 128 + signal, signal: signal == 0 ? nil : signal,
                          output: output, errors: errors)
        }

        /// A write to a pipe whose reader has gone raises SIGPIPE, which ends the process unless
        /// it is ignored; blocked on this thread for the write, it is taken back if it came.
        private static func writeWithoutSIGPIPE(_ descriptor: Int32, _ bytes: [UInt8], from offset: Int) -> Int {
            var pipeSignal = sigset_t(), previous = sigset_t()
            sigemptyset(&pipeSignal)
            sigaddset(&pipeSignal, SIGPIPE)
            pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            let writeError = errno
            if count < 0 && writeError == EPIPE {
                var pending = sigset_t()
                sigpending(&pending)
                if sigismember(&pending, SIGPIPE) == 1 {
                    var immediately = timespec(tv_sec: 0, tv_nsec: 0)
                    sigtimedwait(&pipeSignal, nil, &immediately)
                }
            }
            pthread_sigmask(SIG_SETMASK, &previous, nil)
            errno = writeError
            return count
        }
    }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias ChangeDirectory = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    /// Every descriptor but 0-2 closed in the child, so no pipe another thread is using stays open in it.
    private static func closeOtherDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        // glibc 2.34+ has closefrom for spawn; the Glibc module does not export it, so look it up.
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
            let closeFrom = unsafeBitCast(symbol, to: CloseFrom.self)
            if closeFrom(&actions, 3) == 0 { return }
        }
        guard let directory = opendir("/proc/self/fd") else { return }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if let descriptor = Int32(name), descriptor > 2, descriptor != dirfd(directory) {
                posix_spawn_file_actions_addclose(&actions, descriptor)
            }
        }
    }

    /// glibc 2.29+; looked up for the same reason.
    private static func changeDirectory(_ actions: inout posix_spawn_file_actions_t, _ path: String) -> Bool {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np") else { return false }
        return unsafeBitCast(symbol, to: ChangeDirectory.self)(&actions, path) == 0
    }

    private static func systemError(_ code: Int32) -> String { String(cString: strerror(code)) }
}
