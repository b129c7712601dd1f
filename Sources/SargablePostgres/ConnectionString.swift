import CLibPQ

/// Connection strings as libpq understands them: `key=value` conninfo, `postgresql://` URIs, or
/// empty (everything from `PG*` variables, `.pgpass` and service files).
public enum ConnectionString {
    /// The options libpq reads from a connection string. Throws `invalidConnectionString` with a
    /// message that never quotes the input (libpq quotes fragments, which may be a password).
    public static func parse(_ text: String) throws(PostgresError) -> [String: String] {
        try LibPQ.open()
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = libpq.PQconninfoParse(text, &errorMessage) else {
            let raw = errorMessage.map { String(cString: $0) } ?? "out of memory"
            if let errorMessage { libpq.PQfreemem(errorMessage) }
            throw PostgresError(kind: .invalidConnectionString,
                                message: "invalid connection string: \(withoutQuotedFragments(raw))")
        }
        defer { libpq.PQconninfoFree(options) }
        var result: [String: String] = [:]
        var cursor = options
        while let keyword = cursor.pointee.keyword {
            if let value = cursor.pointee.val { result[String(cString: keyword)] = String(cString: value) }
            cursor += 1
        }
        return result
    }

    /// A `dbname` that is itself a conninfo string or URI (libpq's rule: it contains `=` or starts
    /// with a URI prefix). libpq expands only the outermost one; a nested one is taken as a database
    /// name, and then quoted in the server's "database … does not exist", password and all.
    static func isConnectionString(_ dbname: String) -> Bool {
        dbname.contains("=") || dbname.hasPrefix("postgresql://") || dbname.hasPrefix("postgres://")
    }

    /// A description of where a connection string points, for messages: `host=/tmp port=5432
    /// dbname=app user=alice`. The password is never included, whatever form it was given in,
    /// also inside a connection string given as `dbname` (shown as its own description in
    /// parentheses).
    public static func redacted(_ text: String) -> String {
        guard let options = try? parse(text) else { return "(unparsable connection string)" }
        let shown = ["host", "hostaddr", "port", "dbname", "user", "service", "sslmode"]
        let parts = shown.compactMap { key in options[key].map { "\(key)=\(key == "dbname" ? shownDatabaseName($0) : $0)" } }
        return parts.isEmpty ? "(defaults from the environment)" : parts.joined(separator: " ")
    }

    /// `message` (a libpq or server message about a connection made with `text`) without any
    /// password `text` holds: a nested connection string in `dbname` is replaced whole by its
    /// description, and passwords given as such by `***`.
    public static func redacting(_ message: String, for text: String) -> String {
        guard let options = try? parse(text) else { return message }
        var result = message
        if let dbname = options["dbname"], isConnectionString(dbname) {
            result = result.replacing(dbname, with: shownDatabaseName(dbname))
            result = result.redacting((try? parse(dbname))?["password"])
        }
        return result.redacting(options["password"])
    }

    private static func shownDatabaseName(_ dbname: String) -> String {
        isConnectionString(dbname) ? "(\(redacted(dbname)))" : dbname
    }

    /// libpq quotes parts of the input in its parse errors (`missing "=" after "…"`); a quoted part
    /// may be a password, so it is dropped.
    static func withoutQuotedFragments(_ message: String) -> String {
        var result = ""
        var inQuote = false
        for character in message.trimmed(of: " \n") {
            if character == "\"" {
                inQuote.toggle()
                if inQuote { result += "\"…\"" }
            } else if !inQuote {
                result.append(character)
            }
        }
        return result
    }

    /// `value` quoted for a conninfo string (single quotes, backslash escapes).
    public static func quote(_ value: String) -> String {
        var quoted = "'"
        for character in value {
            if character == "'" || character == "\\" { quoted.append("\\") }
            quoted.append(character)
        }
        return quoted + "'"
    }
}

extension String {
    func trimmed(of set: String) -> String {
        var text = Substring(self)
        while let first = text.first, set.contains(first) { text = text.dropFirst() }
        while let last = text.last, set.contains(last) { text = text.dropLast() }
        return String(text)
    }

    /// Replaces every occurrence of `secret` (when it is long enough to be told apart from ordinary
    /// text) with `***`.
    func redacting(_ secret: String?) -> String {
        guard let secret, secret.count >= 3 else { return self }
        return replacing(secret, with: "***")
    }
}
