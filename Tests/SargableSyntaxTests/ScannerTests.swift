import Foundation
import SargableCore
import Testing
@testable import SargableSyntax

/// `PgQuery.scan` runs libpg_query's scanner directly (CPgQueryScanner); pg_query_scan, through
/// its protobuf, is the reference it must equal token for token, error for error.
struct ScannerTests {
    /// Both scanners' answer for `sql`: the tokens, or the error.
    static func bothScans(_ sql: String) -> (direct: Result<[Token], SyntaxError>, reference: Result<[Token], SyntaxError>) {
        (Result { () throws(SyntaxError) in try PgQuery.scan(sql) },
         Result { () throws(SyntaxError) in try PgQuery.scanWithProtobuf(sql) })
    }

    static let hardCases: [String] = [
        "", " ", "\n\t ", ";", ";;", "SELECT 1", "select 1;select 2;",
        // Comments, including nested, unterminated-looking and at the very end.
        "SELECT 1 -- trailing", "SELECT 1 --", "-- only a comment", "-- line\nSELECT 1", "/* block */ SELECT 1",
        "/* outer /* inner */ still outer */ SELECT 1", "SELECT /**/ 1", "SELECT 1 /* end */", "SELECT a-- x\n-b",
        "SELECT 1 /* unterminated", "SELECT 1 /* nested /* unterminated */",
        // Dollar quotes and parameters.
        "SELECT $$a$$", "SELECT $tag$b $$ c$tag$", "SELECT $a$ $b$ $a$", "SELECT $1, $2::int, $10",
        "DO $$BEGIN RAISE NOTICE 'x'; END$$", "SELECT $$unterminated", "SELECT $tag$unterminated$tagx$",
        "SELECT $1a", "SELECT $",
        // Strings of every kind, escapes, and continuation across lines.
        "SELECT 'a''b'", "SELECT 'a' 'b'", "SELECT 'a'\n'b'", "SELECT E'a\\nb\\x41\\u0041\\U00000041'", "SELECT e'\\''",
        "SELECT B'1010', b'', X'1F', x'ff'", "SELECT N'national'", "SELECT 'unterminated", "SELECT E'unterminated\\'",
        "SELECT B'101", "SELECT X'1F", "SELECT \"unterminated", "SELECT \"\"", "SELECT \"a\"\"b\"",
        "SELECT E'\\xZZ'", "SELECT E'\\u00'", "SELECT E'\\uD800'", "SELECT E'\\uD800\\u0041'",
        // Unicode escapes: the scanner reports their last piece, which the tests compare as is.
        "SELECT U&'d\\0061t\\+000061'", "SELECT U&'d!0061t' UESCAPE '!'", "SELECT U&\"d\\0061t\" FROM t",
        "SELECT u&'x' 'y'", "SELECT U&'unterminated", "SELECT U&\"unterminated", "SELECT U&'\\D800'",
        // Numbers and operators.
        "SELECT 1.5e10, .5, 5., 1e-3, 1e, 1..2, 0x1F, 123abc, 1_000", "SELECT a::int, a := 1, f(a => 1)",
        "SELECT a <> b, a != b, a <= b, a >= b, a @@@ b, |/ 2, a ->> 'k', a #- '{x}', -1, +1, a%b, a^b, a*b/c",
        "SELECT x[1:2], (a).b, t.*", "SELECT @- 1, a !~~* b, a ~<=~ b", "SELECT 1 --+ comment\n", "SELECT a/*c*/-b",
        // Keywords of each kind and identifiers that look like them.
        "SELECT abort, between, bigint, authorization, \"select\", select_ FROM t",
        "CREATE TABLE t (id int PRIMARY KEY, nulls_first text) WITH (fillfactor = 70)",
        "SELECT 1 FROM t WHERE a NOT IN (1) ORDER BY a NULLS FIRST",
        // Multibyte text.
        "SELECT 'héllo', \"naïve\", 日本 FROM t -- ß\n", "SELECT 'ü' /* ∑ */, \"😀\"", "SELECT 😀", "SELECT 'ü",
        // psql syntax the scanner meets in scripts.
        "SELECT :foo, :'foo', :\"foo\"", "\\set x 1", "SELECT 1 \\gset", "SELECT '\\'",
    ]

    @Test(arguments: hardCases) func hardCaseScansAsPgQueryScan(_ sql: String) {
        let (direct, reference) = Self.bothScans(sql)
        #expect(direct == reference, "\(sql.debugDescription)")
    }

    @Test func scannerErrorsKeepPgQueryScansMessageAndPosition() throws {
        let (direct, _) = Self.bothScans("SELECT 'unterminated")
        #expect(throws: SyntaxError(message: "unterminated quoted string at or near \"'unterminated\"", cursorPosition: 8)) {
            try direct.get()
        }
        let (comment, _) = Self.bothScans("SELECT 1 /* open")
        #expect(throws: SyntaxError(message: "unterminated /* comment at or near \"/* open\"", cursorPosition: 10)) {
            try comment.get()
        }
    }

    @Test func commentsAndEndsAreReported() throws {
        let sql = "SELECT 'a''b' /* c */ x -- d"
        let tokens = try PgQuery.scan(sql)
        #expect(tokens.map(\.kind) == [.keyword, .string, .blockComment, .identifier, .lineComment])
        #expect(tokens.map(\.range) == [0 ..< 6, 7 ..< 13, 14 ..< 21, 22 ..< 23, 24 ..< 28])
        #expect(tokens.map(\.keywordKind) == [.reserved, .none, .none, .none, .none])
    }

    @Test func nulBytesAreRefusedAsBefore() {
        let (direct, reference) = Self.bothScans("SELECT 1\u{0} 2")
        #expect(direct == reference)
        #expect(throws: SyntaxError(message: "statement contains a NUL byte; not parsed", cursorPosition: 1)) { try direct.get() }
        #expect(FingerprintKey("SELECT 1\u{0}") == nil)
    }

    /// More tokens than fit on the stack, around the boundary and far past it.
    @Test(arguments: [255, 256, 257, 511, 512, 513, 5_000, 100_000]) func longTokenListsMoveToTheHeap(_ count: Int) throws {
        // `SELECT` then `1,` pairs: 1 + 2 * (count - 1) + 1 tokens.
        let sql = "SELECT " + Array(repeating: "1", count: count).joined(separator: ",")
        let (direct, reference) = Self.bothScans(sql)
        #expect(direct == reference)
        #expect(try direct.get().count == 2 * count)
    }

    /// Scans run on several threads at once in `sargable analyze`; libpg_query's state is per thread.
    @Test func concurrentScansAgree() {
        let texts = Array(repeating: Self.hardCases, count: 8).flatMap { $0 }
        let mismatches = LargeStack.parallelMap(texts, threads: 4) { sql -> String? in
            let (direct, reference) = Self.bothScans(sql)
            return direct == reference ? nil : sql
        }
        #expect(mismatches.compactMap { $0 }.isEmpty)
    }

    /// Every statement of PostgreSQL's regression scripts, and every whole script, scans alike.
    @Test(.enabled(if: SharedCorpus.isPresent, "../shared/corpus/postgres-regress is absent; differential corpus scan skipped"))
    func regressionCorpusScansAsPgQueryScan() throws {
        let (paths, errors) = InputFiles.expand([SharedCorpus.directory], extensions: [".sql"])
        #expect(errors.isEmpty)
        #expect(paths.count == 213)
        let results = LargeStack.parallelMap(paths) { path -> (statements: Int, tokens: Int, mismatches: [String]) in
            guard let bytes = try? InputFiles.read(path) else { return (0, 0, ["unreadable \(path)"]) }
            let text = String(decoding: bytes, as: UTF8.self)
            var mismatches: [String] = []
            var statements = 0, tokens = 0
            let (whole, wholeReference) = Self.bothScans(text)
            if whole != wholeReference { mismatches.append("\(path): whole file") }
            let utf8 = Array(text.utf8)
            for range in (try? PgQuery.split(text)) ?? [] {
                let statement = String(decoding: utf8[range], as: UTF8.self)
                let (direct, reference) = Self.bothScans(statement)
                statements += 1
                tokens += (try? direct.get().count) ?? 0
                if direct != reference { mismatches.append("\(path) at \(range): \(statement.prefix(80).debugDescription)") }
            }
            return (statements, tokens, mismatches)
        }
        let mismatches = results.flatMap(\.mismatches)
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches: \(mismatches.prefix(10))")
        #expect(results.reduce(0) { $0 + $1.statements } > 39_000)
        #expect(results.reduce(0) { $0 + $1.tokens } > 500_000)
    }
}
