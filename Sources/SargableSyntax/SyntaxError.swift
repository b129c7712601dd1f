/// An error reported by libpg_query (or by the front end's own limits), with its position.
public struct SyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    /// 1-based character position in the statement text, as PostgreSQL reports it; 0 when unknown.
    public var cursorPosition: Int

    public init(message: String, cursorPosition: Int) {
        self.message = message
        self.cursorPosition = cursorPosition
    }

    public var description: String { message }
}

/// Limits that keep untrusted input from crashing the process.
public enum SyntaxLimits {
    /// Statements longer than this are reported, not parsed. libpg_query recurses once per
    /// expression level (up to ~400 bytes of stack per SQL byte measured on PostgreSQL 15), so a
    /// 1 MiB statement can need ~512 MiB of stack; larger ones are refused.
    public static let maxStatementBytes = 1 << 20
    /// Stack reserved per SQL byte when choosing whether a statement needs a larger thread.
    static let stackBytesPerInputByte = 512
}
