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
public struct SourceSpan: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file's path as given, when the span was taken from a file (`SourceFile.span(of:)`).
    public var file: String?
    public var start: SourcePosition
    public var end: SourcePosition
    /// Byte offsets into the file (half-open).
    public var byteRange: Range<Int>

    public init(file: String? = nil, start: SourcePosition, end: SourcePosition, byteRange: Range<Int>) {
        self.file = file
        self.start = start
        self.end = end
        self.byteRange = byteRange
    }

    /// `queries/users.sql:12:8`, where editors and terminals jump to; `12:8` without a file.
    public var description: String { file.map { "\($0):\(start)" } ?? start.description }
}
