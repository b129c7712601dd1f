import SargableCore
#if canImport(Glibc)
import Glibc
#endif

/// The command `database run` runs, run the way a shell runs a foreground job: in a process group
/// of its own that owns the terminal, so an interactive `psql` reads it instead of being stopped
/// (Foundation's Process gives the child a new group but never the terminal). Signals sent to
/// sargable alone go to that group (`Interrupts.forward(to:)`). When the job is stopped (Ctrl-Z),
/// sargable stops too and hands the terminal back, as a shell's job would; `fg` resumes both.
enum ForegroundJob {
    /// Runs `arguments` (looked up on PATH) with `environment` and waits for it to end. Returns
    /// its exit status, or 128 + the signal that ended it, as shells report it.
    static func run(_ arguments: [String], environment: [String: String]) throws -> Int32 {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        // The job starts with the signal dispositions a shell gives it, whatever sargable did with them.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigmask(&attributes, &unblocked)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        Interrupts.shared.forwardToNextJob()
        var pid: pid_t = 0
        let failure = posix_spawnp(&pid, arguments[0], nil, &attributes, argv, envp)
        guard failure == 0 else { throw CommandFailure("cannot run \(arguments[0]): \(String(cString: strerror(failure)))") }
        Interrupts.shared.forward(to: pid)

        let terminal = ControllingTerminal.ifForeground()
        defer { terminal?.close() }
        terminal?.give(to: pid)
        while true {
            var status: Int32 = 0
            guard waitpid(pid, &status, WUNTRACED) == pid else {
                if errno == EINTR { continue }
                throw CommandFailure("cannot wait for \(arguments[0]): \(String(cString: strerror(errno)))")
            }
            if status & 0xFF == 0x7F {
                // Stopped: stop as well, giving the terminal back to the shell; resumed, resume it.
                terminal?.takeBack()
                kill(getpid(), SIGTSTP)
                terminal?.give(to: pid)
                kill(-pid, SIGCONT)
                continue
            }
            terminal?.takeBack()
            let signal = status & 0x7F
            return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
        }
    }
}

/// The terminal sargable was started from, when sargable is its foreground job.
private struct ControllingTerminal {
    let descriptor: Int32

    static func ifForeground() -> ControllingTerminal? {
        let descriptor = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        guard tcgetpgrp(descriptor) == getpgrp() else {
            Glibc.close(descriptor)
            return nil
        }
        return ControllingTerminal(descriptor: descriptor)
    }

    /// Makes `group` the foreground; it may already have tried to read and been stopped, so it
    /// is continued too.
    func give(to group: pid_t) {
        tcsetpgrp(descriptor, group)
        kill(-group, SIGCONT)
    }

    /// The foreground back to sargable's group. Done from the background, which sends SIGTTOU
    /// unless ignored for the call.
    func takeBack() {
        let previous = signal(SIGTTOU, SIG_IGN)
        tcsetpgrp(descriptor, getpgrp())
        signal(SIGTTOU, previous)
    }

    func close() { Glibc.close(descriptor) }
}
