import CPgQueryScanner
#if canImport(Glibc)
import Glibc
#endif

/// A statement's tokens, read by libpg_query's scanner, with the values of its constants left
/// out: statements with equal keys have the same libpg_query fingerprint, or both fail to parse.
/// A log's texts that differ only in literal values share a key, so one parse serves them all,
/// and scanning is much cheaper than parsing and fingerprinting.
///
/// Why equal keys imply equal fingerprints (libpg_query 15-4, PostgreSQL 15's grammar):
/// - The parser sees only the scanner's tokens: their kinds, which steer the grammar, and their
///   values. The key keeps every kind, in order, including comments (the parser skips them, but
///   a comment after `NOT`, `NULLS` or `WITH` changes its one-token lookahead), and every value
///   except those of the constants it abstracts. Keywords and punctuation are kept by kind
///   (their value is fixed); identifiers, operators and every other token by their text.
/// - The fingerprint skips `A_Const` nodes, `ParamRef`s and the type casts of either. In
///   `SELECT`, `INSERT`, `UPDATE`, `DELETE`, `MERGE`, `VALUES`, `TABLE` and `WITH` statements a
///   constant token becomes an `A_Const` except in the places below, where its value reaches a
///   fingerprinted field or can make the parse fail; there its text is kept: the precision of
///   `FLOAT(p)` (float4 or float8, or an error), `CURRENT_TIME(p)` and its siblings, a bound
///   right after `[` (array bounds in a type name are fingerprinted integers), the options of
///   an `ON CONFLICT (…)` target (index options there are `DefElem` values) and the string
///   after `UESCAPE`. Unicode strings and identifiers (`U&'…'`, `U&"…"`, decoded and checked by
///   the parser) give no key: the scanner does not report their extent.
/// - Any other statement gets no key (its constants can be fingerprinted strings and numbers:
///   `FETCH 5`, `COMMENT … IS '…'`, `CREATE SEQUENCE … START 5`, options of `EXPLAIN` and DDL).
/// - Length and NUL bytes decide whether a text is parsed at all (`SyntaxLimits`), so texts
///   with a NUL or over the limit get no key; a text the scanner refuses gets none either.
/// `FingerprintKeyTests` checks the cases above against libpg_query itself.
public struct FingerprintKey: Hashable, Sendable {
    /// Per token: its kind as two bytes, the high bit set when its text follows (a varint
    /// length, then the bytes), so that no two token sequences share an encoding.
    private let bytes: [UInt8]
    private let hash: Int

    init(bytes: [UInt8]) {
        self.bytes = bytes
        // Hashed as one block: `[UInt8].hashValue` feeds the hasher a byte at a time.
        var hasher = Hasher()
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        hash = hasher.finalize()
    }

    public static func == (left: FingerprintKey, right: FingerprintKey) -> Bool {
        left.hash == right.hash && left.bytes == right.bytes
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(hash) }

    /// The key of `sql`, or nil when it has none (see the type's comment) and must be parsed.
    public init?(_ sql: String) {
        let length = sql.utf8.count
        guard length <= SyntaxLimits.maxStatementBytes else { return nil }
        let key: [UInt8]? = sql.withCString { characters in
            guard strlen(characters) == length else { return nil }
            let scanned = PgQuery.withScannedTokens(characters) { tokens in
                characters.withMemoryRebound(to: UInt8.self, capacity: length) { text in
                    Self.encode(tokens: tokens, text: UnsafeBufferPointer(start: text, count: length))
                }
            }
            return try? scanned.get()
        }
        guard let key else { return nil }
        self.init(bytes: key)
    }

    /// Statements whose constants become `A_Const` nodes, by their first token.
    private static func startsKeyedStatement(_ code: Int32) -> Bool {
        switch code {
        case TokenCode.select.rawValue, TokenCode.insert.rawValue, TokenCode.update.rawValue, TokenCode.deleteP.rawValue,
             TokenCode.merge.rawValue, TokenCode.values.rawValue, TokenCode.table.rawValue, TokenCode.with.rawValue,
             TokenCode.leftParenthesis.rawValue: true
        default: false
        }
    }

    private static func isAbstractedConstant(_ code: Int32) -> Bool {
        switch code {
        case TokenCode.iconst.rawValue, TokenCode.fconst.rawValue, TokenCode.sconst.rawValue, TokenCode.bconst.rawValue,
             TokenCode.xconst.rawValue: true
        default: false
        }
    }

    /// `KEYWORD ( constant )` whose constant's value is fingerprinted or checked by the parser.
    private static func takesPrecision(_ code: Int32) -> Bool {
        switch code {
        case TokenCode.floatP.rawValue, TokenCode.currentTime.rawValue, TokenCode.currentTimestamp.rawValue,
             TokenCode.localtime.rawValue, TokenCode.localtimestamp.rawValue: true
        default: false
        }
    }

    /// Builds the key from the scanner's tokens.
    private static func encode(tokens: UnsafeBufferPointer<SargableScanToken>, text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var key: [UInt8] = []
        key.reserveCapacity(text.count)
        // The two tokens before this one, comments aside (the parser never sees comments).
        var previous: Int32 = 0, beforePrevious: Int32 = 0
        var startsStatement = true
        // Parentheses still open in an `ON CONFLICT (…)` target, and whether `CONFLICT` was last.
        var conflictDepth = 0
        var afterConflict = false
        for token in tokens {
            let start = Int(token.start), end = Int(token.end), code = token.code
            let isKeyword = token.keyword_kind != 0
            guard 0 <= start, start <= end, end <= text.count else { return nil }

            switch code {
            case TokenCode.sqlComment.rawValue, TokenCode.cComment.rawValue:
                append(code, to: &key)
                continue
            // The scanner reports these with the length of their last piece, not their text.
            case TokenCode.usconst.rawValue, TokenCode.uident.rawValue: return nil
            case TokenCode.semicolon.rawValue: startsStatement = true
            default:
                if startsStatement {
                    guard startsKeyedStatement(code) else { return nil }
                    startsStatement = false
                }
            }
            if conflictDepth > 0 {
                if code == TokenCode.leftParenthesis.rawValue { conflictDepth += 1 }
                if code == TokenCode.rightParenthesis.rawValue { conflictDepth -= 1 }
            } else if afterConflict, code == TokenCode.leftParenthesis.rawValue {
                conflictDepth = 1
            }
            afterConflict = code == TokenCode.conflict.rawValue

            let keepsText = if isAbstractedConstant(code) {
                conflictDepth > 0
                    || previous == TokenCode.uescape.rawValue
                    || previous == TokenCode.leftBracket.rawValue
                    || (previous == TokenCode.leftParenthesis.rawValue && takesPrecision(beforePrevious))
            } else {
                !isKeyword && code > 255
            }
            if keepsText {
                append(code | 0x8000, to: &key)
                var length = end - start
                while length >= 0x80 {
                    key.append(UInt8(length & 0x7F) | 0x80)
                    length >>= 7
                }
                key.append(UInt8(length))
                key.append(contentsOf: UnsafeBufferPointer(rebasing: text[start ..< end]))
            } else {
                append(code, to: &key)
            }
            beforePrevious = previous
            previous = code
        }
        return key
    }

    private static func append(_ code: Int32, to key: inout [UInt8]) {
        key.append(UInt8(truncatingIfNeeded: code >> 8))
        key.append(UInt8(truncatingIfNeeded: code))
    }
}
