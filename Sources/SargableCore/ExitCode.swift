/// Process exit codes shared by every command, documented in the README and kept stable.
public enum SargableExitCode: Int32, Sendable {
    /// Nothing to report.
    case success = 0
    /// The command reported findings at or above the failing severity.
    case findings = 1
    /// Bad usage, unreadable input or an unreachable database.
    case usageOrInputError = 2
    /// Interrupted (Ctrl-C, SIGTERM) while talking to a server: 128 + SIGINT, as shells report it.
    case interrupted = 130
}
