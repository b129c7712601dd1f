import SargableSyntax
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `-- sargable-ignore rule-id[, rule-id]: reason` comment (the next statement, or the statement
/// it trails on the same line) or `-- sargable-ignore-file rule-id[, …]` (whole file), read from
/// the scanner's comment tokens.
public struct Suppression: Sendable {
    public enum Scope: Sendable, Hashable {
        /// The byte range of the statement after the comment.
        case statement(Range<Int>)
        case file
    }

    public let rules: [String]
    public let scope: Scope
    /// The comment's byte range in the file.
    public let commentRange: Range<Int>
    public let reason: String?

    static let statementDirective = "sargable-ignore"
    static let fileDirective = "sargable-ignore-file"

    /// Every suppression comment in a document.
    public static func all(in document: SQLDocument) -> [Suppression] {
        // Comments come from the scanner, which costs a pass over the file: only files that mention
        // the directive at all need it.
        guard contains(document.file.bytes, Array(statementDirective.utf8)) else { return [] }
        var result: [Suppression] = []
        var statementIndex = 0
        let statements = document.statements
        for comment in document.comments() {
            guard let (isFile, rules, reason) = parse(document.file.text(of: comment.range)) else { continue }
            if isFile {
                result.append(Suppression(rules: rules, scope: .file, commentRange: comment.range, reason: reason))
                continue
            }
            while statementIndex < statements.count, statements[statementIndex].range.lowerBound < comment.range.upperBound {
                statementIndex += 1
            }
            let previous = statementIndex > 0 ? statements[statementIndex - 1].range : nil
            let next = statementIndex < statements.count ? statements[statementIndex].range : nil
            let bytes = document.file.bytes
            let target: Range<Int>
            if let previous, previous.upperBound <= comment.range.lowerBound,
               !bytes[previous.upperBound ..< comment.range.lowerBound].contains(0x0A),
               next.map({ bytes[comment.range.upperBound ..< $0.lowerBound].contains(0x0A) }) ?? true {
                // Trailing, alone after the statement that ends on its line (`SELECT …; -- sargable-ignore …`):
                // it is about that statement, as a reader of the line takes it.
                target = previous
            } else if let next {
                target = next
            } else {
                // A suppression after the last statement applies to nothing and is reported as unused.
                target = comment.range.upperBound ..< comment.range.upperBound
            }
            result.append(Suppression(rules: rules, scope: .statement(target), commentRange: comment.range, reason: reason))
        }
        return result
    }

    /// libc's memchr for the first byte, then memcmp: a byte loop here cost 8 instructions a byte
    /// of every linted file (memmem is not exported to Swift).
    private static func contains(_ bytes: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, bytes.count >= needle.count else { return false }
        return bytes.withUnsafeBytes { haystack in
            needle.withUnsafeBytes { wanted in
                guard let base = haystack.baseAddress else { return false }
                var offset = 0
                let last = haystack.count - wanted.count
                while offset <= last {
                    guard let found = memchr(base + offset, Int32(first), last - offset + 1) else { return false }
                    let position = base.distance(to: UnsafeRawPointer(found))
                    if memcmp(found, wanted.baseAddress!, wanted.count) == 0 { return true }
                    offset = position + 1
                }
                return false
            }
        }
    }

    /// Reads `sargable-ignore[-file] a, b: reason` out of a comment's text.
    static func parse(_ comment: String) -> (isFile: Bool, rules: [String], reason: String?)? {
        var body = Substring(comment)
        if body.hasPrefix("--") {
            body = body.dropFirst(2)
        } else if body.hasPrefix("/*") {
            body = body.dropFirst(2)
            if body.hasSuffix("*/") { body = body.dropLast(2) }
        } else {
            return nil
        }
        body = body.drop(while: { $0 == " " || $0 == "\t" })
        let isFile: Bool
        if body.hasPrefix(fileDirective) {
            isFile = true
            body = body.dropFirst(fileDirective.count)
        } else if body.hasPrefix(statementDirective) {
            isFile = false
            body = body.dropFirst(statementDirective.count)
        } else {
            return nil
        }
        guard body.isEmpty || body.first == " " || body.first == "\t" else { return nil }
        var reason: String?
        if let colon = body.firstIndex(of: ":") {
            let text = body[body.index(after: colon)...].trimmingCharacters()
            reason = text.isEmpty ? nil : text
            body = body[..<colon]
        }
        let rules = body.split(separator: ",").map { $0.trimmingCharacters() }.filter { !$0.isEmpty }
        return (isFile, rules, reason)
    }

    /// True when the comment's scope holds the byte `offset` of its file.
    public func covers(_ offset: Int) -> Bool {
        switch scope {
        case .file: true
        case .statement(let range): range.contains(offset)
        }
    }
}

extension Substring {
    func trimmingCharacters() -> String {
        var result = self.drop(while: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" })
        while let last = result.last, last == " " || last == "\t" || last == "\r" || last == "\n" { result = result.dropLast() }
        return String(result)
    }
}
