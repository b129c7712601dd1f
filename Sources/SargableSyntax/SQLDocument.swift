import SargableCore

/// One statement's place in its file.
public struct StatementSource: Sendable {
    /// 0-based position among the file's statements.
    public let ordinal: Int
    /// From the statement's first token to its end, without the terminating semicolon.
    public let range: Range<Int>
    /// The statement text (`range` of the file).
    public let text: String
}

/// Something in a file that is not SQL and was skipped on purpose.
public struct DocumentNote: Sendable {
    public enum Kind: String, Sendable { case psqlMetaCommand, copyData }
    public let kind: Kind
    public let range: Range<Int>
    public let message: String
}

/// A problem with the file's text itself, found before any statement is parsed.
public struct TextDiagnostic: Sendable {
    public let offset: Int
    public let message: String
}

/// A SQL file split into statements with recovery: a broken statement never hides the others.
///
/// libpg_query's scanner finds statement boundaries (it works on invalid SQL); psql meta-commands
/// (`\set`, `\gset`, `\d`, …) end the statement before them and are skipped with a note, as are the
/// data lines that follow `COPY … FROM stdin`, up to their `\.` terminator.
public struct SQLDocument: Sendable {
    public let file: SourceFile
    public private(set) var statements: [StatementSource] = []
    public private(set) var notes: [DocumentNote] = []
    public private(set) var diagnostics: [TextDiagnostic] = []
    /// Every comment in the file (file byte ranges), for suppression comments.
    public private(set) var comments: [Token] = []

    public init(file: SourceFile) {
        self.file = file
        if let offset = file.invalidUTF8Offset {
            diagnostics.append(TextDiagnostic(offset: offset, message: "invalid UTF-8; bytes replaced with U+FFFD"))
        }
        if let offset = file.bytes.firstIndex(of: 0) {
            diagnostics.append(TextDiagnostic(offset: offset, message: "NUL byte in input; read as a space"))
        }
        split()
    }

    public init(path: String, text: String) {
        self.init(file: SourceFile(path: path, text: text))
    }

    /// The text between two offsets as libpg_query can take it (NUL bytes become spaces, so byte
    /// offsets stay the same).
    private func chunk(_ range: Range<Int>) -> String {
        let slice = file.bytes[range]
        guard slice.contains(0) else { return String(decoding: slice, as: UTF8.self) }
        return String(decoding: slice.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
    }

    private mutating func split() {
        let bytes = file.bytes
        var cursor = 0
        while cursor < bytes.count {
            let remainder = cursor ..< bytes.count
            let tokens: [Token]
            do {
                tokens = try PgQuery.scan(chunk(remainder)).map { token in
                    var moved = token
                    moved.range = token.range.lowerBound + cursor ..< token.range.upperBound + cursor
                    return moved
                }
            } catch {
                cursor = recoverFromScanError(error, at: cursor)
                continue
            }
            cursor = consume(tokens: tokens, from: cursor, to: bytes.count)
        }
    }

    /// Splits `[from, …)` using the scanner's tokens; returns where to rescan from (the end of the file
    /// when the tokens could be trusted to the end).
    private mutating func consume(tokens: [Token], from start: Int, to end: Int) -> Int {
        let bytes = file.bytes
        var segmentStart = start
        var index = 0
        var segmentTokens: [Token] = []
        while index < tokens.count {
            let token = tokens[index]
            guard token.code == 92 else {  // `\`: a psql meta-command, which runs to the end of its line
                segmentTokens.append(token)
                index += 1
                continue
            }
            let lineEnd = bytes[token.range.lowerBound ..< end].firstIndex(of: 0x0A).map { $0 + 1 } ?? end
            let segmentEnd = token.range.lowerBound
            if let copyEnd = addStatements(segmentStart ..< segmentEnd, tokens: segmentTokens) {
                return copyEnd
            }
            let isCopyTerminator = bytes.count > token.range.lowerBound + 1 && bytes[token.range.lowerBound + 1] == UInt8(ascii: ".")
            let metaText = file.text(of: token.range.lowerBound ..< lineEnd).trimmingTrailingNewline()
            notes.append(DocumentNote(kind: .psqlMetaCommand, range: token.range.lowerBound ..< lineEnd,
                                      message: isCopyTerminator ? "end of COPY data" : "psql meta-command \(metaText) skipped"))
            segmentTokens = []
            segmentStart = lineEnd
            index += 1
            // Tokens that start on the meta-command's line belong to it; if one runs past the line
            // (a quote opened in `\echo it's`), the scanner's view of what follows is wrong: rescan.
            while index < tokens.count, tokens[index].range.lowerBound < lineEnd {
                if tokens[index].range.upperBound > lineEnd { return lineEnd }
                index += 1
            }
        }
        if let copyEnd = addStatements(segmentStart ..< max(segmentStart, end), tokens: segmentTokens) {
            return copyEnd
        }
        return end
    }

    /// Adds the statements of one segment. Returns where to continue when a `COPY … FROM stdin`
    /// statement means the rest is data.
    private mutating func addStatements(_ segment: Range<Int>, tokens: [Token]) -> Int? {
        guard !segment.isEmpty else { return nil }
        comments.append(contentsOf: tokens.filter(\.isComment))
        guard tokens.contains(where: { !$0.isComment }) else { return nil }
        var ranges: [Range<Int>]
        do {
            ranges = try PgQuery.split(chunk(segment)).map { $0.lowerBound + segment.lowerBound ..< $0.upperBound + segment.lowerBound }
        } catch {
            diagnostics.append(TextDiagnostic(offset: segment.lowerBound, message: error.message))
            ranges = []
        }
        ranges = Self.fillingGaps(ranges, tokens: tokens)
        var tokenIndex = 0
        for range in ranges {
            // Trim leading whitespace and comments: the statement starts at its first real token.
            while tokenIndex < tokens.count, tokens[tokenIndex].range.upperBound <= range.lowerBound { tokenIndex += 1 }
            var first = tokenIndex
            while first < tokens.count, tokens[first].isComment, tokens[first].range.lowerBound < range.upperBound { first += 1 }
            guard first < tokens.count, tokens[first].range.lowerBound < range.upperBound else { continue }
            let trimmed = tokens[first].range.lowerBound ..< range.upperBound
            let statement = StatementSource(ordinal: statements.count, range: trimmed, text: chunk(trimmed))
            statements.append(statement)
            if let dataStart = copyFromStdinDataStart(statement, tokens: tokens[first...]) {
                return skipCopyData(from: dataStart)
            }
        }
        return nil
    }

    /// libpg_query's scanner split drops statements that do not start with a keyword (`selec 1;`),
    /// so tokens outside every range it returned become statements of their own, cut at `;`.
    static func fillingGaps(_ ranges: [Range<Int>], tokens: [Token]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var rangeIndex = 0
        var gapStart: Int?
        var gapEnd = 0
        func closeGap() {
            if let start = gapStart { result.append(start ..< gapEnd) }
            gapStart = nil
        }
        for token in tokens {
            while rangeIndex < ranges.count, ranges[rangeIndex].upperBound <= token.range.lowerBound {
                closeGap()
                result.append(ranges[rangeIndex])
                rangeIndex += 1
            }
            let covered = rangeIndex < ranges.count && ranges[rangeIndex].contains(token.range.lowerBound)
            if covered || token.isComment { continue }
            if token.kind == .semicolon {
                closeGap()
                continue
            }
            if gapStart == nil { gapStart = token.range.lowerBound }
            gapEnd = token.range.upperBound
        }
        closeGap()
        result.append(contentsOf: ranges[rangeIndex...])
        return result.sorted { $0.lowerBound < $1.lowerBound }
    }

    /// For `COPY … FROM stdin`, the offset where its data lines begin.
    private func copyFromStdinDataStart(_ statement: StatementSource, tokens: ArraySlice<Token>) -> Int? {
        guard let first = tokens.first, file.text(of: first.range).uppercased() == "COPY",
              let tree = try? PgQuery.parse(statement.text), let copy = tree.statements.first,
              copy.kind == .copyStmt, copy[.isFrom]?.bool == true, copy[.filename] == nil,
              copy[.isProgram]?.bool != true
        else { return nil }
        let end = statement.range.upperBound
        return file.bytes[end...].firstIndex(of: 0x0A).map { $0 + 1 } ?? file.bytes.count
    }

    /// Skips COPY data up to and including the `\.` line; returns the offset after it.
    private mutating func skipCopyData(from start: Int) -> Int {
        let bytes = file.bytes
        var lineStart = start
        while lineStart < bytes.count {
            let lineEnd = bytes[lineStart...].firstIndex(of: 0x0A).map { $0 + 1 } ?? bytes.count
            if lineEnd - lineStart >= 2, bytes[lineStart] == UInt8(ascii: "\\"), bytes[lineStart + 1] == UInt8(ascii: ".") {
                notes.append(DocumentNote(kind: .copyData, range: start ..< lineEnd, message: "COPY data skipped"))
                return lineEnd
            }
            lineStart = lineEnd
        }
        notes.append(DocumentNote(kind: .copyData, range: start ..< bytes.count, message: "COPY data skipped (no \\. terminator)"))
        return bytes.count
    }

    /// The scanner failed (an unterminated quote or comment). Report it, keep what precedes it, and
    /// continue after the next line that starts a psql meta-command, or stop at the end.
    private mutating func recoverFromScanError(_ error: SyntaxError, at cursor: Int) -> Int {
        let errorOffset = file.byteOffset(ofCharacter: max(1, error.cursorPosition), from: cursor)
        // Statements before the error still count: split what precedes the line of the error.
        let lineOfError = file.bytes[cursor ..< min(errorOffset, file.bytes.count)].lastIndex(of: 0x0A).map { $0 + 1 } ?? cursor
        if lineOfError > cursor, let tokens = try? PgQuery.scan(chunk(cursor ..< lineOfError)) {
            let moved = tokens.map { token -> Token in
                var moved = token
                moved.range = token.range.lowerBound + cursor ..< token.range.upperBound + cursor
                return moved
            }
            let resume = consume(tokens: moved, from: cursor, to: lineOfError)
            if resume < lineOfError { return resume }
        }
        diagnostics.append(TextDiagnostic(offset: errorOffset, message: error.message))
        var lineStart = file.bytes[errorOffset...].firstIndex(of: 0x0A).map { $0 + 1 } ?? file.bytes.count
        while lineStart < file.bytes.count {
            if file.bytes[lineStart] == UInt8(ascii: "\\") { return lineStart }
            lineStart = file.bytes[lineStart...].firstIndex(of: 0x0A).map { $0 + 1 } ?? file.bytes.count
        }
        return file.bytes.count
    }
}

extension String {
    func trimmingTrailingNewline() -> String {
        var result = self
        while result.last == "\n" || result.last == "\r" { result.removeLast() }
        return result
    }
}
