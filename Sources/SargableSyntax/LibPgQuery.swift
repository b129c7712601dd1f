import CPgQuery
import CPgQueryScanner
#if canImport(Glibc)
import Glibc
#endif

/// libpg_query's fingerprint of a statement: equal for statements that differ only in constants.
public struct Fingerprint: Sendable, Hashable, Codable, CustomStringConvertible {
    public let value: UInt64
    /// libpg_query's `fingerprint_str`: 16 lower-case hex digits.
    public var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    public init(value: UInt64) { self.value = value }
    public var description: String { hex }
}

/// Swift face of libpg_query. Every call frees its C result with `defer` and turns C errors into
/// `SyntaxError`; no C pointer leaves this file. libpg_query is thread-safe (per-thread contexts).
public enum PgQuery {
    /// Parses one or more statements into a tree. `sourceOffset` is where `sql` starts in its file.
    public static func parse(_ sql: String, sourceOffset: Int = 0) throws(SyntaxError) -> ParseTree {
        let walked = try withGuardedCString(sql) { (text) throws(SyntaxError) -> ParseTree? in
            var result = sargable_parse(text, LargeStack.availableStackBytes())
            if let message = result.error_message {
                defer { sargable_parse_tree_free(&result) }
                throw SyntaxError(message: String(cString: message), cursorPosition: Int(result.error_cursor_position))
            }
            // A tree the walk cannot write as the JSON would goes through the JSON.
            return result.unsupported ? nil : ParseTree(walked: result, source: sql, sourceOffset: sourceOffset)
        }
        if let walked { return walked }
        return try parseJSON(sql, sourceOffset: sourceOffset)
    }

    /// `parse` through pg_query_parse's JSON: for what the walk of the raw tree does not cover, for
    /// `sargable parse`'s output, and the reference the walk is tested against.
    static func parseJSON(_ sql: String, sourceOffset: Int = 0) throws(SyntaxError) -> ParseTree {
        try withGuardedCString(sql) { (text) throws(SyntaxError) -> ParseTree in
            // On success the tree takes the result over (no copy of the JSON) and frees it in deinit.
            let result = pg_query_parse(text)
            var owned = false
            defer { if !owned { pg_query_free_parse_result(result) } }
            try check(result.error)
            guard result.parse_tree != nil else {
                throw SyntaxError(message: "libpg_query returned no parse tree", cursorPosition: 0)
            }
            let tree = try ParseTree(result: result, source: sql, sourceOffset: sourceOffset)
            owned = true
            return tree
        }
    }

    /// Compiles the PL/pgSQL of a `DO` block or `CREATE FUNCTION … LANGUAGE plpgsql` statement into
    /// libpg_query's tree of PL/pgSQL statements (`[{"PLpgSQL_function": …}]`): the SQL each one
    /// runs is in its `query` text.
    public static func parsePlpgsql(_ sql: String) throws(SyntaxError) -> ParseTree {
        try withGuardedCString(sql) { (text) throws(SyntaxError) -> ParseTree in
            let result = pg_query_parse_plpgsql(text)
            var owned = false
            defer { if !owned { pg_query_free_plpgsql_parse_result(result) } }
            try check(result.error)
            guard let functions = result.plpgsql_funcs else {
                throw SyntaxError(message: "libpg_query returned no PL/pgSQL tree", cursorPosition: 0)
            }
            let tree = try ParseTree(json: functions, owner: .plpgsql(result), source: sql, sourceOffset: 0)
            owned = true
            return tree
        }
    }

    public static func fingerprint(_ sql: String) throws(SyntaxError) -> Fingerprint {
        try withGuardedCString(sql) { (text) throws(SyntaxError) -> Fingerprint in
            let result = pg_query_fingerprint(text)
            defer { pg_query_free_fingerprint_result(result) }
            try check(result.error)
            return Fingerprint(value: result.fingerprint)
        }
    }

    /// Replaces constants with `$n` parameters, as pg_stat_statements shows queries.
    public static func normalize(_ sql: String) throws(SyntaxError) -> String {
        try withGuardedCString(sql) { (text) throws(SyntaxError) -> String in
            let result = pg_query_normalize(text)
            defer { pg_query_free_normalize_result(result) }
            try check(result.error)
            return result.normalized_query.map { String(cString: $0) } ?? ""
        }
    }

    /// Statement byte ranges found by the scanner (works on invalid SQL). Ranges include any
    /// whitespace and comments before the statement and exclude the terminating semicolon.
    public static func split(_ sql: String) throws(SyntaxError) -> [Range<Int>] {
        try withGuardedCString(sql, recursive: false) { (text) throws(SyntaxError) -> [Range<Int>] in
            let result = pg_query_split_with_scanner(text)
            defer { pg_query_free_split_result(result) }
            try check(result.error)
            var ranges: [Range<Int>] = []
            ranges.reserveCapacity(Int(result.n_stmts))
            for index in 0 ..< Int(result.n_stmts) {
                guard let stmt = result.stmts[index]?.pointee else { continue }
                let start = Int(stmt.stmt_location)
                ranges.append(start ..< start + Int(stmt.stmt_len))
            }
            return ranges
        }
    }

    /// Tokens and comments, with byte ranges.
    public static func scan(_ sql: String) throws(SyntaxError) -> [Token] {
        try withGuardedCString(sql, recursive: false) { (text) throws(SyntaxError) -> [Token] in
            try withScannedTokens(text) { tokens in
                tokens.map { Token(range: Int($0.start) ..< max(Int($0.start), Int($0.end)), code: $0.code, keywordKind: $0.keyword_kind) }
            }.get()
        }
    }

    /// Tokens tried on the stack before the scanner moves to the heap: most statements fit.
    private static let stackTokenCapacity = 512

    /// Runs libpg_query's scanner over the NUL-terminated `text` (CPgQueryScanner: pg_query_scan's
    /// tokens without its protobuf) and gives `body` the tokens, valid during the call only.
    static func withScannedTokens<T>(
        _ text: UnsafePointer<CChar>, _ body: (UnsafeBufferPointer<SargableScanToken>) -> T
    ) -> Result<T, SyntaxError> {
        withUnsafeTemporaryAllocation(of: SargableScanToken.self, capacity: stackTokenCapacity) { buffer in
            var result = sargable_scan(text, buffer.baseAddress, buffer.count)
            defer { sargable_scan_result_free(&result, buffer.baseAddress) }
            if let message = result.error_message {
                return .failure(SyntaxError(message: String(cString: message), cursorPosition: Int(result.error_cursor_position)))
            }
            return .success(body(UnsafeBufferPointer(start: result.tokens, count: result.count)))
        }
    }

    /// `scan` through pg_query_scan and its protobuf: the reference the scanner tests compare with.
    static func scanWithProtobuf(_ sql: String) throws(SyntaxError) -> [Token] {
        try withGuardedCString(sql, recursive: false) { (text) throws(SyntaxError) -> [Token] in
            let result = pg_query_scan(text)
            defer { pg_query_free_scan_result(result) }
            try check(result.error)
            guard let data = result.pbuf.data else { return [] }
            return data.withMemoryRebound(to: UInt8.self, capacity: result.pbuf.len) { bytes in
                Token.decodeScanResult(UnsafeBufferPointer(start: bytes, count: result.pbuf.len))
            }
        }
    }

    private static func check(_ error: UnsafeMutablePointer<PgQueryError>?) throws(SyntaxError) {
        guard let error = error?.pointee else { return }
        throw SyntaxError(message: error.message.map { String(cString: $0) } ?? "unknown parse error",
                          cursorPosition: Int(error.cursorpos))
    }

    /// Runs `body` with a NUL-terminated copy of `sql`, refusing what cannot be handled safely. The
    /// parser is `recursive` (stack grows with expression depth): it gets a size limit and moves to a
    /// thread with a larger stack when this one has too little; the scanner and splitter do not recurse.
    private static func withGuardedCString<T: Sendable>(
        _ sql: String, recursive: Bool = true, _ body: (UnsafePointer<CChar>) throws(SyntaxError) -> T
    ) throws(SyntaxError) -> T {
        // Result keeps the error typed across `withCString`, which only rethrows untyped errors.
        func call(_ sql: String) -> Result<T, SyntaxError> {
            sargable_pg_query_thread_init()
            return sql.withCString { pointer in
                // A NUL byte would silently end the C string early.
                guard strlen(pointer) == length else {
                    return .failure(SyntaxError(message: "statement contains a NUL byte; not parsed", cursorPosition: 1))
                }
                return Result { () throws(SyntaxError) -> T in try body(pointer) }
            }
        }
        let length = sql.utf8.count
        guard recursive else { return try call(sql).get() }
        guard length <= SyntaxLimits.maxStatementBytes else {
            throw SyntaxError(message: "statement of \(length) bytes exceeds the \(SyntaxLimits.maxStatementBytes)-byte limit; not parsed",
                              cursorPosition: 1)
        }
        let needed = length * SyntaxLimits.stackBytesPerInputByte + (256 << 10)
        if needed > LargeStack.availableStackBytes() {
            return try LargeStack.run(stackBytes: needed * 2) { call(sql) }.get()
        }
        return try call(sql).get()
    }
}
