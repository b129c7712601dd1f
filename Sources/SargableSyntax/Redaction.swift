/// Hides secrets, and on request every constant, in statement text before it goes into a report.
/// libpg_query decides what a secret is: for text that parses, the parse tree finds the password
/// options and connection strings and the scanner gives the literal's exact bytes; for text that
/// does not parse, the scanner's tokens are read (a string after the keyword PASSWORD, after an
/// option named password, or a connection string holding one).
public enum Redaction {
    /// What a hidden password looks like in reports.
    public static let hiddenLiteral = "'********'"

    /// `sql` with every password literal replaced by `'********'`; everything else is kept byte for byte.
    public static func hidingPasswords(in sql: String) -> String {
        let tokens = scanTokens(sql)
        // Most texts reach here normalized: with no string left, there is nothing to parse for.
        guard tokens.contains(where: { $0.kind == .string }) else { return sql }
        let bytes = Array(sql.utf8)
        let secrets = (try? PgQuery.parse(sql)).map { passwordLiterals(in: $0, tokens: tokens, bytes: bytes) }
            ?? passwordLiterals(tokens: tokens, bytes: bytes)
        return replacing(secrets.map { ($0, hiddenLiteral) }, in: bytes)
    }

    /// `sql` with every constant replaced by a `$n` parameter, for reports shared outside the
    /// team: libpg_query's normalized text when it parses (what pg_stat_statements shows),
    /// then any string it keeps (a `COMMENT ON … IS '…'`, a subscription's connection string)
    /// and, for text that does not parse, every string and number token the scanner finds.
    public static func hidingLiterals(in sql: String) -> String {
        let normalized = try? PgQuery.normalize(sql)
        let text = normalized ?? sql
        let tokens = scanTokens(text)
        var next = tokens.reduce(0) { highest, token in
            guard token.kind == .parameter else { return highest }
            let digits = text.utf8.dropFirst(token.range.lowerBound + 1).prefix(token.range.count - 1)
            // PostgreSQL allows at most 65535 parameters; a larger number cannot push the count past Int.
            return max(highest, min(65535, Int(String(decoding: digits, as: UTF8.self)) ?? 0))
        }
        let constants = tokens.filter { $0.kind == .string || (normalized == nil && $0.kind == .number) }
        return replacing(constants.map { token in
            next += 1
            return (token.range, "$\(next)")
        }, in: Array(text.utf8))
    }

    // MARK: parse tree

    private static func passwordLiterals(in tree: ParseTree, tokens: [Token], bytes: [UInt8]) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var hasSubscription = false
        var needsTokens = false
        for statement in tree.statements {
            statement.walk { node in
                switch node.kind {
                case .defElem:
                    // CREATE/ALTER ROLE|USER … PASSWORD '…' and the `password` option of user
                    // mappings, servers and wrappers: the literal is the first string after the
                    // option's location (`ENCRYPTED` may come between).
                    guard node[.defname]?.string?.lowercased() == "password", node[.arg] != nil else { break }
                    if let location = node.location,
                       let literal = tokens.first(where: { $0.kind == .string && $0.range.lowerBound >= location }) {
                        found.append(literal.range)
                    } else {
                        needsTokens = true
                    }
                case .funcCall:
                    // dblink_connect('…password=…'), dblink('…', '…'): connection strings as arguments.
                    guard node[.funcname]?.elements.last?[.sval]?.string?.hasPrefix("dblink") == true else { break }
                    for argument in node[.args]?.elements ?? [] where argument.kind == .aConst {
                        guard let value = argument[.sval, .sval]?.string, holdsPassword(connectionString: value),
                              let location = argument.location,
                              let literal = tokens.first(where: { $0.kind == .string && $0.range.lowerBound == location })
                        else { continue }
                        found.append(literal.range)
                    }
                case .createSubscriptionStmt, .alterSubscriptionStmt:
                    hasSubscription = hasSubscription || node[.conninfo] != nil
                default: break
                }
                return .visitChildren
            }
        }
        // A subscription's connection string has no location in the tree: it is the string
        // after the keyword CONNECTION.
        if hasSubscription {
            found += stringsAfter(keywords: ["connection"], tokens: tokens, bytes: bytes)
        }
        // An option the grammar gave no location: read the tokens as for text that does not parse.
        if needsTokens { found += passwordLiterals(tokens: tokens, bytes: bytes) }
        return found
    }

    // MARK: tokens, for text that does not parse

    private static func passwordLiterals(tokens: [Token], bytes: [UInt8]) -> [Range<Int>] {
        let connectionStrings = tokens.filter { token in
            token.kind == .string && holdsPassword(connectionString: String(decoding: bytes[token.range], as: UTF8.self))
        }.map(\.range)
        return stringsAfter(keywords: ["password", "connection"], tokens: tokens, bytes: bytes) + connectionStrings
    }

    /// Strings right after one of `keywords` (a keyword, or an identifier such as `"password"`),
    /// with an optional `=` between.
    private static func stringsAfter(keywords: Set<String>, tokens: [Token], bytes: [UInt8]) -> [Range<Int>] {
        let code = tokens.filter { !$0.isComment }
        var found: [Range<Int>] = []
        for (index, token) in code.enumerated() where token.kind == .string && index > 0 {
            var previous = index - 1
            if code[previous].kind == .operator, bytes[code[previous].range].elementsEqual("=".utf8), previous > 0 { previous -= 1 }
            let word = code[previous]
            guard word.kind == .keyword || word.kind == .identifier else { continue }
            var name = String(decoding: bytes[word.range], as: UTF8.self).lowercased()
            if name.hasPrefix("\""), name.hasSuffix("\""), name.count >= 2 { name = String(name.dropFirst().dropLast()) }
            if keywords.contains(name) { found.append(token.range) }
        }
        return found
    }

    /// A libpq connection string or URI carrying a password (`password=…`, `postgresql://u:p@h`).
    private static func holdsPassword(connectionString value: String) -> Bool {
        let lowered = Array(value.lowercased().utf8)
        func find(_ word: String, in bytes: ArraySlice<UInt8>) -> Int? {
            let needle = Array(word.utf8)
            guard bytes.count >= needle.count else { return nil }
            return (bytes.startIndex ... bytes.endIndex - needle.count).first { bytes[$0 ..< $0 + needle.count].elementsEqual(needle) }
        }
        if find("password", in: lowered[...]) != nil { return true }
        guard let scheme = find("://", in: lowered[...]) else { return false }
        let authority = lowered[(scheme + 3)...].prefix { $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "?") }
        guard let at = authority.lastIndex(of: UInt8(ascii: "@")) else { return false }
        return authority[..<at].contains(UInt8(ascii: ":"))
    }

    /// The scanner's tokens. The scanner stops at an unterminated string, quoted identifier or
    /// comment (a statement cut short in a log): the text before it is scanned again, and the
    /// rest becomes one string token, so that a secret in it is still hidden.
    static func scanTokens(_ sql: String) -> [Token] {
        var text = Substring(sql)
        var tail: [Token] = []
        while true {
            do {
                return try PgQuery.scan(String(text)) + tail
            } catch {
                // The cursor counts characters from 1; each retry scans strictly less text.
                let characters = max(0, min(error.cursorPosition - 1, text.unicodeScalars.count - 1))
                let cut = text.unicodeScalars.index(text.unicodeScalars.startIndex, offsetBy: characters)
                let offset = text.utf8.distance(from: text.startIndex, to: cut)
                tail = [Token(range: offset ..< sql.utf8.count, code: TokenCode.sconst.rawValue, keywordKind: 0)]
                guard offset > 0 else { return tail }
                text = text[..<cut]
            }
        }
    }

    /// `bytes` with each range replaced; overlapping ranges keep the first.
    private static func replacing(_ replacements: [(Range<Int>, String)], in bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var position = 0
        for (range, text) in replacements.sorted(by: { $0.0.lowerBound < $1.0.lowerBound })
        where range.lowerBound >= position && range.upperBound <= bytes.count {
            output += bytes[position ..< range.lowerBound]
            output += Array(text.utf8)
            position = range.upperBound
        }
        output += bytes[position...]
        return String(decoding: output, as: UTF8.self)
    }
}
