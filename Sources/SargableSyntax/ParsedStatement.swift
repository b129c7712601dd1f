import SargableCore

/// A statement with its parse tree, or the syntax error that stopped it, located in its file.
public struct ParsedStatement: Sendable {
    public let source: StatementSource
    public let result: Result<ParseTree, SyntaxError>

    /// The statement's root node (`SelectStmt`, `CreateStmt`, …) when it parsed.
    public var root: Node? {
        guard case .success(let tree) = result else { return nil }
        return tree.statements.first
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
    /// Parses every statement on its own, so one syntax error does not hide the others.
    public func parse() -> [ParsedStatement] {
        statements.map { source in
            ParsedStatement(source: source, result: Result { () throws(SyntaxError) -> ParseTree in
                try PgQuery.parse(source.text, sourceOffset: source.range.lowerBound)
            })
        }
    }

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
        if let statement = statements.last(where: { $0.range.lowerBound <= offset }),
           let tokens = try? PgQuery.scan(file.text(of: offset ..< statement.range.upperBound)),
           let first = tokens.first {
            return max(1, first.range.upperBound)
        }
        return 1
    }
}
