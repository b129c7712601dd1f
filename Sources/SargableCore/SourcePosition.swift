/// A 1-based line and column in a file; columns count Unicode scalars, not bytes.
public struct SourcePosition: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }

    public var description: String { "\(line):\(column)" }
}

/// A span in a file, with the byte offsets it came from so frames can be drawn.
public struct SourceSpan: Sendable, Hashable, Codable {
    public var start: SourcePosition
    public var end: SourcePosition
    /// Byte offsets into the file (half-open).
    public var byteRange: Range<Int>

    public init(start: SourcePosition, end: SourcePosition, byteRange: Range<Int>) {
        self.start = start
        self.end = end
        self.byteRange = byteRange
    }
}
