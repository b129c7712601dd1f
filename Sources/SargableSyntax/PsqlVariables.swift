/// psql variable references (`:name`, `:'name'`, `:"name"`) in scripts run with psql.
///
/// psql substitutes them before the server sees the text, so the parser rejects them ("syntax
/// error at or near ':'"). Migrations run through `psql -v` use them; so do PostgreSQL's own
/// regression scripts. When a text does not parse as written, the front end parses it again with
/// each reference turned into what psql would put there: an identifier, a string literal or a
/// quoted identifier. The replacement has the same length (the `:` becomes a space), so every
/// location still points into the original file.
public enum PsqlVariables {
    /// The text with variable references neutralised, or nil when it has none. Found with
    /// libpg_query's scanner: a `:` token immediately followed by a name, a string or a quoted name
    /// (`::` casts are a different token).
    public static func substituted(_ text: String) -> String? {
        guard text.utf8.contains(UInt8(ascii: ":")), let tokens = try? PgQuery.scan(text) else { return nil }
        var bytes: [UInt8]?
        for (token, next) in zip(tokens, tokens.dropFirst())
        where token.tokenCode == .colon && next.range.lowerBound == token.range.upperBound && isName(next) {
            if bytes == nil { bytes = Array(text.utf8) }
            bytes?[token.range.lowerBound] = UInt8(ascii: " ")
        }
        return bytes.map { String(decoding: $0, as: UTF8.self) }
    }

    private static func isName(_ token: Token) -> Bool {
        switch token.kind {
        case .identifier, .keyword, .string: true
        default: false
        }
    }
}

extension PsqlVariables {
    /// Runs `body` on `sql`; when that fails at a `:` (where a psql variable reference stops the
    /// parser), runs it again on the text with the references neutralised. The error thrown is the
    /// one for the text as written.
    public static func tolerating<T>(_ sql: String, _ body: (String) throws(SyntaxError) -> T) throws(SyntaxError) -> T {
        do {
            return try body(sql)
        } catch {
            guard error.message == #"syntax error at or near ":""#, let substituted = substituted(sql),
                  let value = try? body(substituted) else { throw error }
            return value
        }
    }
}
