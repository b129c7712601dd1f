import Foundation
import SargableCore
import Testing
@testable import SargableSyntax

/// `FingerprintKey` stands in for a parse: statements with one key must have one fingerprint (or
/// all fail to parse). Each test asks libpg_query itself for the fingerprints.
struct FingerprintKeyTests {
    /// What libpg_query makes of a text: its fingerprint, or nil when it does not parse.
    static func fingerprint(_ sql: String) -> UInt64? { try? PgQuery.fingerprint(sql).value }

    /// Texts that differ in the places where a constant's value can change the fingerprint or
    /// the parse's success, beside ones that differ only in ordinary constants.
    static let trickyTexts = [
        "SELECT * FROM t WHERE id = 1", "SELECT * FROM t WHERE id = 42", "select *\n\tfrom t  where id=7",
        "SELECT /* a */ 1", "SELECT /* something else */ 2", "SELECT -- note\n 3",
        "SELECT 1 FROM t WHERE a NOT IN (1)", "SELECT 1 FROM t WHERE a NOT /* c */ IN (1)", "SELECT 1 FROM t WHERE a NOT /* d */ IN (2)",
        "SELECT $1", "SELECT $2", "SELECT $1 FROM t WHERE a = $2",
        "UPDATE t SET a = a + -1", "UPDATE t SET a = a + 1", "UPDATE t SET a = a - 5", "UPDATE t SET a = a - -5",
        "SELECT 1 FROM t WHERE a IN (1, 2, 3)", "SELECT 1 FROM t WHERE a IN (4, 5, 6)", "SELECT 1 FROM t WHERE a IN (1, 2)",
        "SELECT x::float(10) FROM t", "SELECT x::float(30) FROM t", "SELECT x::float(0) FROM t", "SELECT x::float(60) FROM t",
        "SELECT CAST(x AS FLOAT /* p */ (10)) FROM t", "SELECT CAST(x AS FLOAT /* p */ (40)) FROM t",
        "SELECT x::int[3] FROM t", "SELECT x::int[4] FROM t", "SELECT x::int ARRAY[3] FROM t", "SELECT x::int ARRAY[5] FROM t",
        "SELECT x[1] FROM t", "SELECT x[2] FROM t", "SELECT ARRAY[1, 2]", "SELECT ARRAY[1, 3]", "SELECT ARRAY[2, 3]",
        "SELECT CURRENT_TIMESTAMP(3)", "SELECT CURRENT_TIMESTAMP(6)", "SELECT LOCALTIME(0)", "SELECT LOCALTIME(2)",
        "SELECT CURRENT_TIME(1)", "SELECT LOCALTIMESTAMP(4)", "SELECT x::timestamp(3) FROM t", "SELECT x::timestamp(6) FROM t",
        "SELECT x::varchar(10) FROM t", "SELECT x::varchar(20) FROM t", "SELECT x::numeric(10, 2) FROM t", "SELECT x::numeric(12, 4) FROM t",
        "SELECT INTERVAL(3) '1 day'", "SELECT INTERVAL(5) '2 days'", "SELECT x::interval second(2) FROM t", "SELECT x::interval second(5) FROM t",
        "INSERT INTO t VALUES (1) ON CONFLICT (a text_pattern_ops (x = 1)) DO NOTHING",
        "INSERT INTO t VALUES (2) ON CONFLICT (a text_pattern_ops (x = 2)) DO NOTHING",
        "INSERT INTO t VALUES (1) ON CONFLICT (a) DO UPDATE SET b = 1", "INSERT INTO t VALUES (9) ON CONFLICT (a) DO UPDATE SET b = 2",
        "FETCH 5 FROM c", "FETCH 6 FROM c", "COMMENT ON TABLE t IS 'a'", "COMMENT ON TABLE t IS 'b'",
        "DO $$BEGIN PERFORM 1; END$$", "DO $$BEGIN PERFORM 2; END$$", "EXPLAIN (FORMAT 'json') SELECT 1", "EXPLAIN (FORMAT 'text') SELECT 1",
        "CREATE SEQUENCE s START 5", "CREATE SEQUENCE s START 6", "SET search_path = 'a'", "SET search_path = 'b'",
        "SELECT U&'d\\0061t'", "SELECT U&'d!0061t' UESCAPE '!'", "SELECT U&'d!0061t' UESCAPE '?'", "SELECT U&\"d\\0061t\" FROM t",
        "SELECT $$a$$", "SELECT $$b$$", "SELECT $tag$x$tag$", "SELECT 'a'\n'b'", "SELECT 'c'", "SELECT E'\\n'", "SELECT E'x'",
        "SELECT '1'::int", "SELECT '2'::int", "SELECT date '2020-01-01'", "SELECT date '2021-01-01'", "SELECT B'101'", "SELECT B'1'",
        "SELECT X'1F'", "SELECT X'FF'", "SELECT 1.5", "SELECT 2.5e3", "SELECT 2147483647", "SELECT 2147483648",
        "SELECT 1; SELECT 2", "SELECT 3; SELECT 4", "SELECT 1; FETCH 5 FROM c", "SELECT 1; FETCH 6 FROM c",
        "SELECT FROM WHERE 1", "SELECT FROM WHERE 2", "SELECT 'unterminated", "SELECT 1 /* unterminated",
        "WITH a AS (SELECT 1) SELECT * FROM a WHERE x = 2", "WITH a AS (SELECT 3) SELECT * FROM a WHERE x = 4",
        "WITH RECURSIVE a(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM a) CYCLE n SET c TO 'y' DEFAULT 'n' USING p SELECT * FROM a",
        "WITH RECURSIVE a(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM a) CYCLE n SET c TO 'z' DEFAULT 'm' USING p SELECT * FROM a",
        "MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN UPDATE SET b = 1", "MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN UPDATE SET b = 2",
        "VALUES (1, 'a')", "VALUES (2, 'b')", "TABLE t", "(SELECT 1) UNION (SELECT 2)", "(SELECT 3) UNION (SELECT 4)",
        "DELETE FROM t WHERE a = 1 RETURNING *", "DELETE FROM t WHERE a = 2 RETURNING *",
        "SELECT * FROM t LIMIT 5 OFFSET 10", "SELECT * FROM t LIMIT 50 OFFSET 0", "SELECT * FROM t FETCH FIRST 3 ROWS ONLY",
        "SELECT * FROM t FETCH FIRST 4 ROWS ONLY", "SELECT * FROM t TABLESAMPLE SYSTEM (10) REPEATABLE (1)",
        "SELECT * FROM t TABLESAMPLE SYSTEM (20) REPEATABLE (2)", "SELECT EXTRACT('year' FROM x) FROM t", "SELECT EXTRACT('month' FROM x) FROM t",
        "SELECT 1 FROM t WHERE a IS DISTINCT FROM 2", "SELECT 1 FROM t WHERE a IS DISTINCT FROM 'x'",
        "SELECT 1 FROM t WHERE a = 1 AND b = 'x'", "SELECT 1 FROM t WHERE a = 'y' AND b = 2",
        "SELECT 'x' AS a", "SELECT 'y' AS a", "SELECT 'x' AS b", "SELECT a \"B\" FROM t", "SELECT a \"C\" FROM t",
        "SELECT 1 FROM t WHERE a = 1\u{0}", "SELECT 1 FROM t WHERE a = 2\u{0}",
    ]

    @Test func equalKeysMeanEqualFingerprints() {
        var byKey: [FingerprintKey: [String]] = [:]
        for text in Self.trickyTexts {
            if let key = FingerprintKey(text) { byKey[key, default: []].append(text) }
        }
        for texts in byKey.values {
            let fingerprints = texts.map { Self.fingerprint($0).map { String($0, radix: 16) } ?? "unparsed" }
            #expect(Set(fingerprints).count == 1, "\(zip(texts, fingerprints).map { "\($0) → \($1)" })")
        }
    }

    /// The key groups what it should (else it would save nothing), and only that.
    @Test(arguments: [
        ("SELECT * FROM t WHERE id = 1", "select *\n\tfrom t  where id=7"),
        ("SELECT /* a */ 1", "SELECT /* something else */ 2"),
        ("SELECT 1 FROM t WHERE a IN (1, 2, 3)", "SELECT 1 FROM t WHERE a IN (4, 5, 6)"),
        ("UPDATE t SET a = a - 1", "UPDATE t SET a = a - 5"),
        ("SELECT x::varchar(10) FROM t", "SELECT x::varchar(20) FROM t"),
        ("SELECT ARRAY[1, 2]", "SELECT ARRAY[1, 3]"),
        ("SELECT 'a'\n'b'", "SELECT 'c'"),
        ("SELECT $$a$$", "SELECT E'x'"),
        ("INSERT INTO t VALUES (1) ON CONFLICT (a) DO UPDATE SET b = 1", "INSERT INTO t VALUES (9) ON CONFLICT (a) DO UPDATE SET b = 2"),
        ("SELECT 1; SELECT 2", "SELECT 3; SELECT 4"),
        ("SELECT FROM WHERE 1", "SELECT FROM WHERE 2"),
        ("WITH a AS (SELECT 1) SELECT * FROM a WHERE x = 2", "WITH a AS (SELECT 3) SELECT * FROM a WHERE x = 4"),
        ("MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN UPDATE SET b = 1", "MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN UPDATE SET b = 2"),
    ])
    func sharesAKey(_ first: String, _ second: String) throws {
        let key = try #require(FingerprintKey(first))
        #expect(FingerprintKey(second) == key)
    }

    @Test(arguments: [
        // Fingerprinted values or the parse's success depend on these constants.
        ("SELECT x::float(10) FROM t", "SELECT x::float(30) FROM t"),
        ("SELECT x::float(10) FROM t", "SELECT x::float(0) FROM t"),
        ("SELECT CAST(x AS FLOAT /* p */ (10)) FROM t", "SELECT CAST(x AS FLOAT /* p */ (40)) FROM t"),
        ("SELECT x::int[3] FROM t", "SELECT x::int[4] FROM t"),
        ("SELECT x::int ARRAY[3] FROM t", "SELECT x::int ARRAY[5] FROM t"),
        ("SELECT CURRENT_TIMESTAMP(3)", "SELECT CURRENT_TIMESTAMP(6)"),
        ("INSERT INTO t VALUES (1) ON CONFLICT (a text_pattern_ops (x = 1)) DO NOTHING",
         "INSERT INTO t VALUES (2) ON CONFLICT (a text_pattern_ops (x = 2)) DO NOTHING"),
        // A comment changes the parser's lookahead after NOT.
        ("SELECT 1 FROM t WHERE a NOT IN (1)", "SELECT 1 FROM t WHERE a NOT /* c */ IN (1)"),
        ("SELECT a \"B\" FROM t", "SELECT a \"C\" FROM t"),
    ])
    func keepsApart(_ first: String, _ second: String) {
        #expect(FingerprintKey(first) != FingerprintKey(second) || FingerprintKey(first) == nil)
    }

    /// Statements whose constants can be fingerprinted values, and texts the key cannot describe.
    @Test(arguments: [
        "FETCH 5 FROM c", "COMMENT ON TABLE t IS 'a'", "DO $$BEGIN PERFORM 1; END$$", "EXPLAIN (FORMAT 'json') SELECT 1",
        "CREATE SEQUENCE s START 5", "SET search_path = 'a'", "SELECT 1; FETCH 5 FROM c",
        "SELECT U&'d\\0061t'", "SELECT U&'d!0061t' UESCAPE '!'", "SELECT U&\"d\\0061t\" FROM t",
        "SELECT 'unterminated", "SELECT 1 /* unterminated", "SELECT 1 FROM t WHERE a = 1\u{0}",
    ])
    func hasNoKey(_ text: String) {
        #expect(FingerprintKey(text) == nil)
    }

    /// Every statement of PostgreSQL's regression scripts, with its constants replaced through
    /// the scanner by other values of the same kind: where the key stays the same, so must the
    /// fingerprint.
    @Test(.enabled(if: SharedCorpus.isPresent, "../shared/corpus/postgres-regress is absent"))
    func regressionCorpusWithOtherConstants() throws {
        let (paths, _) = InputFiles.expand([SharedCorpus.directory], extensions: [".sql"])
        let results = LargeStack.parallelMap(paths) { path -> (keyed: Int, checked: Int, problems: [String]) in
            guard let bytes = try? InputFiles.read(path) else { return (0, 0, ["unreadable \(path)"]) }
            var keyed = 0, checked = 0
            var problems: [String] = []
            for statement in SQLDocument(file: SourceFile(path: path, contents: bytes), parsing: false).statements {
                let text = statement.text
                guard let key = FingerprintKey(text) else { continue }
                keyed += 1
                let original = Self.fingerprint(text)
                for variant in Self.otherConstants(in: text) where FingerprintKey(variant) == key {
                    checked += 1
                    if Self.fingerprint(variant) != original { problems.append("\(path): \(text) ≠ \(variant)") }
                }
            }
            return (keyed, checked, problems)
        }
        let problems = results.flatMap(\.problems)
        #expect(problems.isEmpty, "\(problems.prefix(10))")
        #expect(results.reduce(0) { $0 + $1.keyed } > 10_000)
        #expect(results.reduce(0) { $0 + $1.checked } > 10_000)
    }

    /// `text` with every constant replaced, once by small and once by large values of its kind
    /// (0 is special: the fingerprint leaves out integers equal to 0).
    static func otherConstants(in text: String) -> [String] {
        guard let tokens = try? PgQuery.scan(text) else { return [] }
        let bytes = Array(text.utf8)
        return [(["0", "0.0", "''", "B''", "X''"]), (["60", "2.5", "'x'", "B'1'", "X'F'"])].map { values in
            var result: [UInt8] = []
            var position = 0
            for token in tokens {
                let replacement: String? = switch token.tokenCode {
                case .iconst: values[0]
                case .fconst: values[1]
                case .sconst: values[2]
                case .bconst: values[3]
                case .xconst: values[4]
                default: nil
                }
                guard let replacement, token.range.lowerBound >= position, token.range.upperBound <= bytes.count else { continue }
                result += bytes[position ..< token.range.lowerBound]
                result += Array(replacement.utf8)
                position = token.range.upperBound
            }
            result += bytes[position...]
            return String(decoding: result, as: UTF8.self)
        }
    }
}
