import SargableCore

/// A statement with its parse tree, or the syntax error that stopped it, located in its file.
public struct ParsedStatement: Sendable {
    public let source: StatementSource
    /// The statement's root node (`SelectStmt`, `CreateStmt`, …), or why it did not parse.
    public let result: Result<Node, SyntaxError>

    public var root: Node? {
        guard case .success(let root) = result else { return nil }
        return root
    }

    public var error: SyntaxError? {
        guard case .failure(let error) = result else { return nil }
        return error
    }
}

/// A syntax error located in its file.
public struct LocatedSyntaxError: Sendable, Error, CustomStringConvertible {
    public let path: String
    public let position: SourcePosition
    public let byteOffset: Int
    public let message: String

    public var description: String { "\(path):\(position): \(message)" }
}

extension SQLDocument {
    /// A syntax error's location in the file: PostgreSQL's cursor counts characters from the
    /// statement's start.
    public func locate(_ error: SyntaxError, in statement: StatementSource) -> LocatedSyntaxError {
        let offset = file.byteOffset(ofCharacter: max(1, error.cursorPosition), from: statement.range.lowerBound)
        return LocatedSyntaxError(path: file.path, position: file.position(ofByte: offset), byteOffset: offset,
                                  message: error.message)
    }

    /// A text diagnostic's location in the file.
    public func locate(_ diagnostic: TextDiagnostic) -> LocatedSyntaxError {
        LocatedSyntaxError(path: file.path, position: file.position(ofByte: diagnostic.offset),
                           byteOffset: diagnostic.offset, message: diagnostic.message)
    }

    /// The file span of a node, from its location to the end of the token there.
    public func span(of node: Node, length: Int? = nil) -> SourceSpan? {
        guard let offset = node.fileOffset else { return nil }
        return file.span(of: offset ..< offset + (length ?? tokenLength(at: offset)))
    }

    /// Length in bytes of the token starting at `offset` (at least 1), for carets under a node.
    public func tokenLength(at offset: Int) -> Int {
        guard offset < file.bytes.count else { return 0 }
        if let length = identifierLength(at: offset) { return length }
        // Statements are in file order: binary search, since a scan per caret is quadratic in a large file.
        var low = 0, high = statements.count
        while low < high {
            let mid = (low + high) / 2
            if statements[mid].range.lowerBound <= offset { low = mid + 1 } else { high = mid }
        }
        if low > 0, case let statement = statements[low - 1],
           let tokens = try? PgQuery.scan(file.text(of: offset ..< statement.range.upperBound)),
           let first = tokens.first {
            return max(1, first.range.upperBound)
        }
        return 1
    }

    /// Length of the identifier or keyword at `offset`, measured with PostgreSQL's own identifier
    /// character classes (`ident_start`, `ident_cont` in scan.l) without running the scanner; nil
    /// when another kind of token starts there, including prefixed literals (`E'…'`, `U&'…'`).
    public func identifierLength(at offset: Int) -> Int? {
        let bytes = file.bytes
        guard offset < bytes.count, Self.isIdentifierStart(bytes[offset]) else { return nil }
        var end = offset + 1
        while end < bytes.count, Self.isIdentifierContinue(bytes[end]) { end += 1 }
        if end < bytes.count, bytes[end] == UInt8(ascii: "'") || bytes[end] == UInt8(ascii: "&") { return nil }
        return end - offset
    }
}
