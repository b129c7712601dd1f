import CPgQueryFormat
import Testing
@testable import SargableSyntax

/// CPgQueryFormat's pvsnprintf stands in for PostgreSQL's inside libpg_query: for every format
/// it must print exactly what PostgreSQL's own formatter (pg_vsnprintf) prints and return what
/// PostgreSQL's pvsnprintf returned, including when the buffer is too small.
struct JSONFormatTests {
    /// (pvsnprintf's text, its return value) and PostgreSQL's, for one buffer size.
    static func both(_ format: String, _ arguments: [CVarArg], size: Int) -> (fast: (String, Int), reference: (String, Int)) {
        func run(_ body: (UnsafeMutablePointer<CChar>, Int, UnsafePointer<CChar>, CVaListPointer) -> Int) -> (String, Int) {
            // Filled with a marker so that writing past the size or a missing NUL shows.
            var buffer = [CChar](repeating: 0x5A, count: size + 8)
            let result = format.withCString { format in
                withVaList(arguments) { list in body(&buffer, size, format, list) }
            }
            #expect(buffer[size...].allSatisfy { $0 == 0x5A }, "wrote past \(size) bytes for \(format)")
            let text = size == 0 ? "" : String(cString: buffer)
            return (text, result)
        }
        let fast = run { buffer, size, format, list in Int(pvsnprintf(buffer, size, format, list)) }
        let reference = run { buffer, size, format, list in
            // PostgreSQL's pvsnprintf over pg_vsnprintf: the length, or the size needed.
            let printed = Int(pg_vsnprintf(buffer, size, format, list))
            return printed < size ? printed : printed + 1
        }
        return (fast, reference)
    }

    static var cases: [(String, [CVarArg])] { [
        ("", []), ("{\"SelectStmt\":{", []), ("100%% literal", []),
        ("\"location\":%d,", [Int32(0)]), ("\"location\":%d,", [Int32(-1)]), ("%d", [Int32.min]), ("%i|%d", [Int32.max, Int32(7)]),
        ("\"ival\":%u,", [UInt32.max]), ("%u", [UInt32(0)]),
        ("%ld %li", [Int.min, Int.max]), ("%lu", [UInt.max]), ("%zu", [Int(123_456_789)]),
        ("\"relname\":\"%s\",", ["orders"]), ("%s%s", ["", "é✓ multibyte"]), ("%s", [String(repeating: "x", count: 300)]),
        ("[%c]", [Int32(UInt8(ascii: "q"))]), ("%s=%d%%", ["fill", Int32(90)]),
        // Left to PostgreSQL's formatter: flags, widths, precisions, other conversions.
        ("%5d|%-4s|", [Int32(42), "ab"]), ("%x %X %o", [UInt32(255), UInt32(255), UInt32(8)]), ("%.3f", [Double(2.5)]),
        ("%g", [Double(1e-5)]), ("%.*s", [Int32(2), "abcdef"]), ("%lld", [Int64.min]), ("%zd", [Int(-5)]), ("%08.2f", [Double(-3.14159)]),
    ] }

    @Test("prints and returns what PostgreSQL's formatter does, at every buffer size")
    func matchesPostgreSQL() {
        for (format, arguments) in Self.cases {
            for size in [0, 1, 2, 5, 16, 17, 64, 512] {
                let (fast, reference) = Self.both(format, arguments.map { $0 }, size: size)
                #expect(fast == reference, "format \(format) at size \(size)")
            }
        }
    }

    @Test("libpg_query's JSON goes through it: a tree with every kind of field parses")
    func parseTreeJSON() throws {
        let tree = try PgQuery.parse("SELECT a, 'x''y', -3, $1 FROM ONLY s.t AS u WHERE b IS NOT NULL AND c @> ARRAY[1.5] LIMIT 10")
        let json = tree.jsonText
        #expect(json.contains("\"relname\":\"t\""))
        #expect(json.contains("\"ival\":{\"ival\":10}"))
        #expect(json.contains("\"relpersistence\":\"p\""))
        #expect(json.contains("\"inh\"") == false, "ONLY makes inh false, which is left out")
        #expect(json.contains("\"number\":1"))
    }
}
