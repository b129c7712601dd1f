import SargableCore

/// One statement's place in its file.
public struct StatementSource: Sendable {
    /// 0-based position among the file's statements.
    public let ordinal: Int
    /// From the statement's first token to its end, without the terminating semicolon.
    public let range: Range<Int>
    /// `range` plus the whitespace and comments before it (where suppression comments live).
    public let fullRange: Range<Int>
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
/// Boundaries come from libpg_query's scanner split. It drops statements that do not start with a
/// keyword (`selec 1;`), so text between the ranges it returns becomes statements too. psql
/// meta-commands (`\set`, `\gset`, `\d`, …) end the statement before them and are skipped with a
/// note, as are the data lines after `COPY … FROM stdin` up to `\.`. Only pieces that contain a
/// backslash or a leading comment are scanned token by token, so the common case lexes once.
public final class SQLDocument: @unchecked Sendable {
    // A class so that rules and reporters share one document per file; its state is only written
    // during init, hence safe to share across threads afterwards.
    public let file: SourceFile
    public private(set) var statements: [StatementSource] = []
    public private(set) var notes: [DocumentNote] = []
    public private(set) var diagnostics: [TextDiagnostic] = []
    /// Trees found while splitting, by statement ordinal (see `init(file:parsing:)`); nil for a
    /// statement the split did not parse.
    private var trees: [Node?] = []
    /// Without kept trees: the stretches parsed whole while splitting and the statements each
    /// gave, so `forEachParsed` parses them whole again rather than one statement at a time.
    private var windows: [(text: Range<Int>, ordinals: Range<Int>)] = []
    private let parsing: Bool
    private let keepsTrees: Bool
    /// Receives each statement as it is split (`init(file:streaming:)` only).
    private var visitor: ((ParsedStatement) -> Void)?
    private let backslashLines: [Int]
    /// Whether the file has a NUL byte (`chunk` replaces them), found once by `split`.
    private var hasNULByte = false

    /// Splits `file` into statements. With `parsing` (the default), each stretch of text between
    /// psql meta-commands is first parsed whole, so valid SQL is lexed once and its trees are kept
    /// for `parse()`; stretches with a syntax error fall back to the scanner split.
    public init(file: SourceFile, parsing: Bool = true) {
        self.file = file
        self.parsing = parsing
        self.keepsTrees = true
        self.backslashLines = Self.backslashLineStarts(in: file)
        split()
    }

    /// Splits `file` as `init(file:)` does and hands every statement with its tree (or syntax
    /// error) to `visit`, in file order, as it is found. The trees are not kept: memory stays in
    /// proportion to the statements, not to their trees, and `forEachParsed` parses them again.
    public init(file: SourceFile, streaming visit: (ParsedStatement) -> Void) {
        self.file = file
        self.parsing = true
        self.keepsTrees = false
        self.backslashLines = Self.backslashLineStarts(in: file)
        withoutActuallyEscaping(visit) { visit in
            visitor = visit
            split()
            visitor = nil
        }
    }

    private func split() {
        if let offset = file.invalidUTF8Offset {
            diagnostics.append(TextDiagnostic(offset: offset, message: "invalid UTF-8; bytes replaced with U+FFFD"))
        }
        if let offset = file.bytes.firstIndex(of: 0) {
            hasNULByte = true
            diagnostics.append(TextDiagnostic(offset: offset, message: "NUL byte in input; read as a space"))
        }
        var cursor = 0
        while cursor < file.bytes.count {
            cursor = splitRemainder(from: cursor)
        }
    }

    public convenience init(path: String, text: String, parsing: Bool = true) {
        self.init(file: SourceFile(path: path, text: text), parsing: parsing)
    }

    /// Every statement with its tree or its syntax error; one syntax error never hides the others.
    public func parse() -> [ParsedStatement] {
        var result: [ParsedStatement] = []
        result.reserveCapacity(statements.count)
        forEachParsed { result.append($0) }
        return result
    }

    /// Hands every statement with its tree or its syntax error to `body`, in file order. Trees not
    /// kept from the split are parsed again a window at a time and live only while `body` runs
    /// (unless it keeps them), so a large file never holds all of its trees at once.
    public func forEachParsed(_ body: (ParsedStatement) -> Void) {
        var ordinal = 0
        var windowIndex = 0
        while ordinal < statements.count {
            while windowIndex < windows.count, windows[windowIndex].ordinals.upperBound <= ordinal { windowIndex += 1 }
            if windowIndex < windows.count, windows[windowIndex].ordinals.lowerBound == ordinal,
               let roots = reparse(windows[windowIndex]) {
                for (position, root) in zip(windows[windowIndex].ordinals, roots) {
                    body(root.map { ParsedStatement(source: statements[position], result: .success($0)) }
                        ?? Self.parseAlone(statements[position]))
                }
                ordinal = windows[windowIndex].ordinals.upperBound
                continue
            }
            let source = statements[ordinal]
            let tree = ordinal < trees.count ? trees[ordinal] : nil
            body(tree.map { ParsedStatement(source: source, result: .success($0)) } ?? Self.parseAlone(source))
            ordinal += 1
        }
    }

    /// The roots of a window's statements, parsed whole again, matched to them by where each starts.
    private func reparse(_ window: (text: Range<Int>, ordinals: Range<Int>)) -> [Node?]? {
        guard let tree = try? PsqlVariables.tolerating(chunk(window.text), { (text) throws(SyntaxError) in
            try PgQuery.parse(text, sourceOffset: window.text.lowerBound)
        }) else { return nil }
        var rootsByStart: [Int: Node] = [:]
        for raw in tree.root[.stmts]?.elements ?? [] {
            rootsByStart[window.text.lowerBound + (raw[.stmtLocation]?.int ?? 0)] = raw[.stmt]
        }
        return window.ordinals.map { rootsByStart[statements[$0].fullRange.lowerBound] }
    }

    /// A statement parsed on its own: one the split found without a tree, or a statement a DO
    /// block runs.
    public static func parseAlone(_ source: StatementSource) -> ParsedStatement {
        ParsedStatement(source: source, result: Result { () throws(SyntaxError) -> Node in
            let tree = try PsqlVariables.tolerating(source.text) { (text) throws(SyntaxError) in
                try PgQuery.parse(text, sourceOffset: source.range.lowerBound)
            }
            guard let root = tree.firstStatement else {
                throw SyntaxError(message: "no statement found", cursorPosition: 1)
            }
            return root
        })
    }

    /// Every comment in the file (file byte ranges), for suppression comments. Scans on demand:
    /// only the linter needs comments.
    public func comments() -> [Token] {
        var result: [Token] = []
        var start = 0
        for skipped in notes.map(\.range) + [file.bytes.count ..< file.bytes.count] {
            if skipped.lowerBound > start, let tokens = tokens(in: start ..< skipped.lowerBound) {
                result.append(contentsOf: tokens.filter(\.isComment))
            }
            start = max(start, skipped.upperBound)
        }
        return result
    }

    // MARK: - Splitting

    /// What to do after a piece of text was handled.
    private enum Resume {
        case next
        /// The scanner's view past this offset cannot be trusted (COPY data, a quote opened in a
        /// meta-command's arguments): split again from here.
        case restart(at: Int)
    }

    /// Bytes of SQL parsed at once before looking for a place to cut. Small enough that a syntax
    /// error wastes little parsing, large enough that calls into the parser stay few.
    static let windowBytes = 2048

    /// Splits from `start` up to the next line that starts with a backslash (a likely psql
    /// meta-command, where the scanner's view may go wrong), so a file with many meta-commands is
    /// still lexed about once. With `parsing`, SQL is parsed a window at a time; a window with a
    /// syntax error is split by the scanner only up to the statement that holds the error, and
    /// parsing resumes after it. Returns where to continue.
    private func splitRemainder(from start: Int) -> Int {
        let fileEnd = file.bytes.count
        let stretchEnd = nextBackslashLine(after: start) ?? fileEnd
        var end = stretchEnd
        var errorOffset: Int?
        if parsing {
            let window = start ..< (statementEndLine(after: start + Self.windowBytes, before: stretchEnd) ?? stretchEnd)
            // A psql meta-command stops the parser at its backslash: not worth a parse.
            let failure: WindowResult
            if let backslash = file.bytes[start ..< stretchEnd].firstIndex(where: { !Self.isSpace($0) }),
               file.bytes[backslash] == UInt8(ascii: "\\") {
                failure = .failed(errorOffset: backslash)
            } else {
                failure = parseWindow(window)
            }
            switch failure {
            case .parsed(let resume): return resume
            case .failed(let offset):
                // The statements before the one that holds the error are parsed as a window of their
                // own (one parse, trees kept) rather than split and parsed one at a time; the next
                // window then starts with the bad statement. A wrong guess at that statement's start
                // only costs the parse: a window that does not end between statements fails.
                let badStatementStart = statementBounds(around: offset, in: window).start
                if badStatementStart > start, badStatementStart < offset,
                   case .parsed(let resume) = parseWindow(start ..< badStatementStart) {
                    return resume
                }
                // Split no further than the likely ends of the statement with the error and of the
                // one after it (the loop below widens the split when that guess is short): what
                // follows gets windows of its own.
                errorOffset = offset
                end = statementEndLine(after: offset, before: stretchEnd).flatMap { statementEndLine(after: $0, before: stretchEnd) }
                    ?? stretchEnd
            }
        }
        var ranges: [Range<Int>]
        while true {
            do {
                ranges = try PgQuery.split(chunk(start ..< end)).map { $0.lowerBound + start ..< $0.upperBound + start }
            } catch {
                let failure = file.byteOffset(ofCharacter: max(1, error.cursorPosition), from: start)
                let bounds = statementBounds(around: failure, in: start ..< end)
                if let statementEnd = bounds.end {
                    // A scanner error is local (`2H`, `0x`, `""`): the statement holding it is kept
                    // (`parse()` reports its error) and splitting resumes after it.
                    return splitAroundBadStatement(bounds.start ..< statementEnd, stretch: start ..< end)
                }
                // The stretch ends inside a quote or comment (a backslash line within a literal): widen it.
                guard end < fileEnd else { return recover(from: error, at: failure, statementStart: bounds.start, stretchStart: start) }
                end = max(stretchEnd, nextBackslashLine(after: end) ?? fileEnd)
                continue
            }
            // The statement with the error must end before the split did, or it may have been cut short.
            if let errorOffset, end < stretchEnd, !ranges.dropLast().contains(where: { $0.upperBound >= errorOffset }) {
                end = stretchEnd
                continue
            }
            break
        }
        var previousEnd = start
        for range in ranges {
            if case .restart(let offset) = handleGap(previousEnd ..< range.lowerBound) { return offset }
            if case .restart(let offset) = handlePiece(range) { return offset }
            previousEnd = range.upperBound
            // Past the statement with the error, parsing a window at a time resumes.
            if let errorOffset, range.upperBound >= errorOffset, range != ranges.last, previousEnd > start {
                return previousEnd
            }
        }
        if case .restart(let offset) = handleGap(previousEnd ..< end) { return offset }
        return end
    }

    private enum WindowResult {
        case parsed(resume: Int)
        /// Did not parse; the byte offset in the file where the parser stopped.
        case failed(errorOffset: Int)
    }

    /// Parses a whole stretch at once.
    private func parseWindow(_ window: Range<Int>) -> WindowResult {
        let tree: ParseTree
        do {
            tree = try PsqlVariables.tolerating(chunk(window)) { (text) throws(SyntaxError) in
                try PgQuery.parse(text, sourceOffset: window.lowerBound)
            }
        } catch {
            return .failed(errorOffset: file.byteOffset(ofCharacter: max(1, error.cursorPosition), from: window.lowerBound))
        }
        let firstOrdinal = statements.count
        for raw in tree.root[.stmts]?.elements ?? [] {
            let location = window.lowerBound + (raw[.stmtLocation]?.int ?? 0)
            let length = raw[.stmtLen]?.int ?? 0  // 0: to the end of the text
            let piece = location ..< (length == 0 ? window.upperBound : min(location + length, window.upperBound))
            if case .restart(let offset) = addStatement(piece, tree: raw[.stmt]) {
                recordWindow(window, from: firstOrdinal)
                return .parsed(resume: offset)
            }
        }
        recordWindow(window, from: firstOrdinal)
        return .parsed(resume: window.upperBound)
    }

    private func recordWindow(_ window: Range<Int>, from firstOrdinal: Int) {
        if !keepsTrees, statements.count > firstOrdinal { windows.append((window, firstOrdinal ..< statements.count)) }
    }

    /// The end of the first line at or after `offset` (and before `limit`) whose last non-blank
    /// byte is `;`: a likely statement end. Only a place to try: a window that ends elsewhere than
    /// between statements does not parse, and is then split instead.
    private func statementEndLine(after offset: Int, before limit: Int) -> Int? {
        let bytes = file.bytes
        guard offset < limit else { return nil }
        var lineStart = offset
        while lineStart < limit {
            let lineEnd = min(endOfLine(from: lineStart), limit)
            var last = lineEnd - 1
            while last >= lineStart, Self.isSpace(bytes[last]) { last -= 1 }
            if last >= lineStart, bytes[last] == UInt8(ascii: ";"), lineEnd < limit { return lineEnd }
            lineStart = lineEnd
        }
        return nil
    }

    /// The start of the next line after `offset` whose first non-blank byte is a backslash.
    private func nextBackslashLine(after offset: Int) -> Int? {
        let after = endOfLine(from: offset)
        // Binary search in the starts found once by `backslashLineStarts`.
        var low = 0, high = backslashLines.count
        while low < high {
            let mid = (low + high) / 2
            if backslashLines[mid] < after { low = mid + 1 } else { high = mid }
        }
        return low < backslashLines.count ? backslashLines[low] : nil
    }

    /// Starts of the lines whose first non-blank byte is a backslash, in order.
    private static func backslashLineStarts(in file: SourceFile) -> [Int] {
        let bytes = file.bytes
        var result: [Int] = []
        for lineStart in file.lineStarts {
            var index = lineStart
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
            if index < bytes.count, bytes[index] == UInt8(ascii: "\\") { result.append(lineStart) }
        }
        return result
    }

    /// Text the splitter returned no range for: normally just the `;` after the previous statement.
    private func handleGap(_ gap: Range<Int>) -> Resume {
        guard file.bytes[gap].contains(where: { !Self.isSpace($0) && $0 != UInt8(ascii: ";") }) else { return .next }
        guard let tokens = tokens(in: gap) else { return handlePiece(gap) }
        // Cut at `;` tokens outside parentheses, as libpg_query's splitter does.
        var pieceStart = gap.lowerBound
        var depth = 0
        for token in tokens {
            switch token.tokenCode {
            case .leftParenthesis: depth += 1
            case .rightParenthesis: depth = max(0, depth - 1)
            case .semicolon where depth == 0:
                if case .restart(let offset) = handlePiece(pieceStart ..< token.range.lowerBound) { return .restart(at: offset) }
                pieceStart = token.range.upperBound
            default: break
            }
        }
        return handlePiece(pieceStart ..< gap.upperBound)
    }

    /// One statement's text as the splitter saw it, which may still hold psql meta-commands.
    private func handlePiece(_ piece: Range<Int>) -> Resume {
        var start = piece.lowerBound
        while start < piece.upperBound {
            let rest = start ..< piece.upperBound
            guard file.bytes[rest].contains(UInt8(ascii: "\\")) else { return addStatement(rest) }
            let firstByte = rest.first { !Self.isSpace(file.bytes[$0]) }
            if let firstByte, file.bytes[firstByte] == UInt8(ascii: "\\") {
                // At the start of a piece a backslash is outside any literal: no need to scan.
                let lineEnd = endOfLine(from: firstByte)
                noteMetaCommand(firstByte ..< lineEnd)
                if file.bytes[firstByte ..< lineEnd].contains(where: Self.opensLiteralOrComment) {
                    return .restart(at: lineEnd)
                }
                start = lineEnd
                continue
            }
            guard let tokens = tokens(in: rest) else {
                // An unterminated quote or comment: the splitter ran to the end of the file with it.
                return addStatement(rest)
            }
            guard let backslash = tokens.first(where: { $0.tokenCode == .backslash }) else { return addStatement(rest) }
            if case .restart(let offset) = addStatement(start ..< backslash.range.lowerBound) { return .restart(at: offset) }
            let lineEnd = endOfLine(from: backslash.range.lowerBound)
            noteMetaCommand(backslash.range.lowerBound ..< lineEnd)
            // A token that starts on the meta-command's line and runs past it (`\echo it's`) means
            // the splitter misread what follows.
            if tokens.contains(where: { $0.range.lowerBound < lineEnd && $0.range.upperBound > lineEnd }) {
                return .restart(at: lineEnd)
            }
            start = lineEnd
        }
        return .next
    }

    private func noteMetaCommand(_ range: Range<Int>) {
        let command = file.text(of: range).trimmingTrailingNewline()
        notes.append(DocumentNote(kind: .psqlMetaCommand, range: range, message: "psql meta-command \(command) skipped"))
    }

    /// Bytes after which the scanner's state depends on what follows (quotes, comments).
    private static func opensLiteralOrComment(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "$")
            || byte == UInt8(ascii: "*") || byte == UInt8(ascii: "-")
    }

    /// Records a statement (trimmed of leading comments and surrounding space) unless it is empty.
    private func addStatement(_ piece: Range<Int>, tree: Node? = nil) -> Resume {
        let bytes = file.bytes
        var lower = piece.lowerBound
        var upper = piece.upperBound
        while lower < upper, Self.isSpace(bytes[lower]) { lower += 1 }
        while upper > lower, Self.isSpace(bytes[upper - 1]) { upper -= 1 }
        guard lower < upper else { return .next }
        // Whole lines of `--` comments at a statement's start are outside any literal, so they are
        // skipped without the scanner; a `/*` comment (they nest) is left to the scanner.
        while upper - lower >= 2, bytes[lower] == UInt8(ascii: "-"), bytes[lower + 1] == UInt8(ascii: "-") {
            lower = endOfLine(from: lower)
            while lower < upper, Self.isSpace(bytes[lower]) { lower += 1 }
        }
        guard lower < upper else { return .next }  // only comments
        if upper - lower >= 2, bytes[lower] == UInt8(ascii: "/"), bytes[lower + 1] == UInt8(ascii: "*") {
            guard let tokens = tokens(in: lower ..< upper) else { return appendStatement(lower ..< upper, piece: piece, tree: tree) }
            guard let first = tokens.first(where: { !$0.isComment }) else { return .next }
            lower = first.range.lowerBound
        }
        return appendStatement(lower ..< upper, piece: piece, tree: tree)
    }

    private func appendStatement(_ range: Range<Int>, piece: Range<Int>, tree: Node?) -> Resume {
        let statement = StatementSource(ordinal: statements.count, range: range, fullRange: piece, text: chunk(range))
        statements.append(statement)
        if keepsTrees { trees.append(tree) }
        if let visitor {
            visitor(tree.map { ParsedStatement(source: statement, result: .success($0)) } ?? Self.parseAlone(statement))
        }
        if let dataStart = copyFromStdinDataStart(statement, tree: tree) {
            return .restart(at: skipCopyData(from: dataStart))
        }
        return .next
    }

    /// For `COPY … FROM stdin`, the offset where its data lines begin. `tree` is the statement's,
    /// when the split parsed it.
    private func copyFromStdinDataStart(_ statement: StatementSource, tree: Node?) -> Int? {
        let bytes = file.bytes
        let start = statement.range.lowerBound
        // ASCII letters only: `| 0x20` lower-cases them and maps no other byte onto one. (Not
        // `zip`: its generic iterator's first use costs the process a scan of every conformance.)
        guard statement.range.count >= 4, bytes[start] | 0x20 == UInt8(ascii: "c"), bytes[start + 1] | 0x20 == UInt8(ascii: "o"),
              bytes[start + 2] | 0x20 == UInt8(ascii: "p"), bytes[start + 3] | 0x20 == UInt8(ascii: "y"),
              let copy = tree ?? (try? PgQuery.parse(statement.text))?.statements.first,
              copy.kind == .copyStmt, copy[.isFrom]?.bool == true, copy[.filename] == nil,
              copy[.isProgram]?.bool != true
        else { return nil }
        return endOfLine(from: statement.range.upperBound)
    }

    /// Skips COPY data up to and including the `\.` line; returns the offset after it.
    private func skipCopyData(from start: Int) -> Int {
        let bytes = file.bytes
        var lineStart = start
        while lineStart < bytes.count {
            let lineEnd = endOfLine(from: lineStart)
            if lineEnd - lineStart >= 2, bytes[lineStart] == UInt8(ascii: "\\"), bytes[lineStart + 1] == UInt8(ascii: ".") {
                notes.append(DocumentNote(kind: .copyData, range: start ..< lineEnd, message: "COPY data skipped"))
                return lineEnd
            }
            lineStart = lineEnd
        }
        notes.append(DocumentNote(kind: .copyData, range: start ..< bytes.count, message: "COPY data skipped (no \\. terminator)"))
        return bytes.count
    }

    /// Splits a stretch the scanner can read (it ends before the statement with a scanner error)
    /// and handles every piece of it.
    private func handleStretch(_ stretch: Range<Int>) -> Resume {
        guard !stretch.isEmpty else { return .next }
        guard let ranges = try? PgQuery.split(chunk(stretch)) else { return handlePiece(stretch) }
        var previousEnd = stretch.lowerBound
        for range in ranges.map({ $0.lowerBound + stretch.lowerBound ..< $0.upperBound + stretch.lowerBound }) {
            if case .restart(let offset) = handleGap(previousEnd ..< range.lowerBound) { return .restart(at: offset) }
            if case .restart(let offset) = handlePiece(range) { return .restart(at: offset) }
            previousEnd = range.upperBound
        }
        return handleGap(previousEnd ..< stretch.upperBound)
    }

    /// The scanner failed inside `statement` but the statement ends (at a `;` or the stretch's end):
    /// what precedes it is split as usual, it becomes a statement of its own, and splitting resumes
    /// after its `;`. Returns where to continue.
    private func splitAroundBadStatement(_ statement: Range<Int>, stretch: Range<Int>) -> Int {
        if case .restart(let offset) = handleStretch(stretch.lowerBound ..< statement.lowerBound) { return offset }
        if case .restart(let offset) = handlePiece(statement) { return offset }
        return statement.upperBound < stretch.upperBound ? statement.upperBound + 1 : stretch.upperBound
    }

    /// The splitter failed on a quote or comment that nothing closes. Report it at its place and
    /// continue after the next line that starts a psql meta-command, where psql itself would
    /// resynchronise; the statements before the one that holds it are still split and parsed.
    private func recover(from error: SyntaxError, at errorOffset: Int, statementStart: Int, stretchStart: Int) -> Int {
        if case .restart(let offset) = handleStretch(stretchStart ..< statementStart) { return offset }
        diagnostics.append(TextDiagnostic(offset: errorOffset, message: error.message))
        var lineStart = endOfLine(from: errorOffset)
        while lineStart < file.bytes.count {
            if file.bytes[lineStart] == UInt8(ascii: "\\") { return lineStart }
            lineStart = endOfLine(from: lineStart)
        }
        return file.bytes.count
    }

    /// Where the statement that holds `offset` starts (after the previous top-level `;`) and ends
    /// (at the next one, or at the end of `range`); `end` is nil when `range` ends inside a quote
    /// or comment. Not a parser: it skips only what can hide a `;` (quoted strings with `''` and,
    /// in `E'…'`, backslash escapes; quoted identifiers; `--` and nested `/* */` comments; dollar
    /// quotes), which is all that resuming after a scanner error needs. `range` must start outside
    /// any literal.
    func statementBounds(around offset: Int, in range: Range<Int>) -> (start: Int, end: Int?) {
        let bytes = file.bytes
        let limit = range.upperBound
        var start = range.lowerBound
        var index = range.lowerBound
        /// The offset after the quote that closes the literal opened just before `from`, or nil.
        func closingQuote(_ quote: UInt8, from: Int, backslashEscapes: Bool) -> Int? {
            var index = from
            while index < limit {
                let byte = bytes[index]
                if backslashEscapes, byte == UInt8(ascii: "\\") {
                    index += 2
                } else if byte == quote {
                    // A doubled quote stands for one and keeps the literal open.
                    if index + 1 < limit, bytes[index + 1] == quote { index += 2 } else { return index + 1 }
                } else {
                    index += 1
                }
            }
            return nil
        }
        while index < limit {
            let byte = bytes[index]
            let next: UInt8 = index + 1 < limit ? bytes[index + 1] : 0
            switch byte {
            case UInt8(ascii: ";"):
                if index >= offset { return (start, index) }
                start = index + 1
                index += 1
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                guard let after = closingQuote(byte, from: index + 1, backslashEscapes: false) else { return (start, nil) }
                index = after
            case UInt8(ascii: "-") where next == UInt8(ascii: "-"):
                index = min(endOfLine(from: index), limit)
            case UInt8(ascii: "/") where next == UInt8(ascii: "*"):
                var depth = 1
                index += 2
                while depth > 0 {
                    guard index < limit else { return (start, nil) }
                    if bytes[index] == UInt8(ascii: "/"), index + 1 < limit, bytes[index + 1] == UInt8(ascii: "*") {
                        depth += 1
                        index += 2
                    } else if bytes[index] == UInt8(ascii: "*"), index + 1 < limit, bytes[index + 1] == UInt8(ascii: "/") {
                        depth -= 1
                        index += 2
                    } else {
                        index += 1
                    }
                }
            case UInt8(ascii: "$"):
                // `$tag$` (tag optional) opens a dollar quote; `$1` is a parameter.
                var tagEnd = index + 1
                if tagEnd < limit, Self.isIdentifierStart(bytes[tagEnd]) {
                    while tagEnd < limit, Self.isIdentifierContinue(bytes[tagEnd]), bytes[tagEnd] != UInt8(ascii: "$") { tagEnd += 1 }
                }
                guard tagEnd < limit, bytes[tagEnd] == UInt8(ascii: "$") else {
                    index = tagEnd
                    continue
                }
                let delimiter = bytes[index ... tagEnd]
                var search = tagEnd + 1
                while true {
                    guard let dollar = bytes[search ..< limit].firstIndex(of: UInt8(ascii: "$")) else { return (start, nil) }
                    if limit - dollar >= delimiter.count, bytes[dollar ..< dollar + delimiter.count].elementsEqual(delimiter) {
                        index = dollar + delimiter.count
                        break
                    }
                    search = dollar + 1
                }
            case _ where Self.isIdentifierContinue(byte):
                // A word (identifier, keyword, number): `$` inside it opens no quote. `E'` opens a
                // string with backslash escapes, and so does a continuation of it on a later line.
                var end = index + 1
                while end < limit, Self.isIdentifierContinue(bytes[end]) { end += 1 }
                guard end - index == 1, byte | 0x20 == UInt8(ascii: "e"), end < limit, bytes[end] == UInt8(ascii: "'") else {
                    index = end
                    continue
                }
                var quote = end
                while true {
                    guard let after = closingQuote(UInt8(ascii: "'"), from: quote + 1, backslashEscapes: true) else { return (start, nil) }
                    index = after
                    guard let continued = quoteContinuation(after: after, before: limit) else { break }
                    quote = continued
                }
            default:
                index += 1
            }
        }
        return (start, limit)
    }

    /// The quote that continues a string literal closed just before `offset`: PostgreSQL joins
    /// `'a'` and `'b'` separated by whitespace that holds a newline.
    private func quoteContinuation(after offset: Int, before limit: Int) -> Int? {
        var index = offset
        var sawNewline = false
        while index < limit {
            let byte = file.bytes[index]
            if byte == 0x0A {
                sawNewline = true
            } else if byte == UInt8(ascii: "'") {
                return sawNewline ? index : nil
            } else if !Self.isSpace(byte) {
                return nil
            }
            index += 1
        }
        return nil
    }

    // MARK: - Helpers

    /// Scanner tokens of a range, with file offsets; nil when the scanner fails on it.
    private func tokens(in range: Range<Int>) -> [Token]? {
        guard let tokens = try? PgQuery.scan(chunk(range)) else { return nil }
        return tokens.map { token in
            var moved = token
            moved.range = token.range.lowerBound + range.lowerBound ..< token.range.upperBound + range.lowerBound
            return moved
        }
    }

    /// The text of a range as libpg_query can take it: NUL bytes become spaces so offsets hold.
    private func chunk(_ range: Range<Int>) -> String {
        let slice = file.bytes[range]
        guard hasNULByte, slice.contains(0) else {
            // `bytes` are `text` as UTF-8: a copy of the text's own slice is not validated again
            // (nil when the range cuts a character, which the splitter's ranges never do).
            let utf8 = file.text.utf8
            return String(utf8[utf8.index(utf8.startIndex, offsetBy: range.lowerBound) ..< utf8.index(utf8.startIndex, offsetBy: range.upperBound)])
                ?? String(decoding: slice, as: UTF8.self)
        }
        return String(decoding: slice.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
    }

    private func endOfLine(from offset: Int) -> Int {
        let bytes = file.bytes
        guard offset < bytes.count else { return bytes.count }
        return bytes[offset...].firstIndex(of: 0x0A).map { $0 + 1 } ?? bytes.count
    }

    /// PostgreSQL's `ident_start` (scan.l): letters, `_` and every byte of a multi-byte character.
    static func isIdentifierStart(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F || byte >= 0x80
    }

    /// PostgreSQL's `ident_cont`: `ident_start`, digits and `$`.
    static func isIdentifierContinue(_ byte: UInt8) -> Bool {
        isIdentifierStart(byte) || (byte >= 0x30 && byte <= 0x39) || byte == 0x24
    }

    /// False when no identifier in `text` can be longer than `limit` bytes, told without the
    /// scanner: with no double quote in the text, every identifier is a run of `ident_cont` bytes,
    /// so no longer run means no longer identifier. True (scan to know) otherwise.
    public static func mayContainIdentifier(longerThan limit: Int, in text: String) -> Bool {
        var run = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "\"") { return true }
            if isIdentifierContinue(byte) {
                run += 1
                if run > limit { return true }
            } else {
                run = 0
            }
        }
        return false
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 || byte == 0x0C || byte == 0x0B
    }
}

extension String {
    func trimmingTrailingNewline() -> String {
        var result = self
        while result.last == "\n" || result.last == "\r" { result.removeLast() }
        return result
    }
}
