import CPgQueryScanner
import Foundation
import SargableCore
import Testing
@testable import SargableSyntax

/// `PgQuery.parse` walks libpg_query's raw tree straight into the tape (CPgQueryScanner's tree.c);
/// the tape read from pg_query_parse's JSON is the reference it must equal entry for entry.
struct TreeWalkTests {
    enum Outcome {
        case same
        /// The walk left the text to the JSON reader (`parse` then returns the JSON's tree).
        case fellBack
        case different(String)
    }

    /// Compares the walk's tape for `sql` with the JSON's, or their errors.
    static func compare(_ sql: String) -> Outcome {
        let walked: Result<ParseTree, SyntaxError> = Result { () throws(SyntaxError) in try PgQuery.parse(sql) }
        let reference: Result<ParseTree, SyntaxError> = Result { () throws(SyntaxError) in try PgQuery.parseJSON(sql) }
        switch (walked, reference) {
        case (.failure(let a), .failure(let b)):
            return a.message == b.message && a.cursorPosition == b.cursorPosition
                ? .same : .different("errors: \(a) vs \(b)")
        case (.success(let a), .success(let b)):
            guard a.isWalked else { return .fellBack }
            return difference(a, b).map(Outcome.different) ?? .same
        default:
            return .different("one parsed, the other did not: \(walked) vs \(reference)")
        }
    }

    /// The first entry at which two tapes differ, described; nil when they read alike.
    static func difference(_ walked: ParseTree, _ reference: ParseTree) -> String? {
        guard walked.depth == reference.depth else { return "depth \(walked.depth) vs \(reference.depth)" }
        func key(_ tree: ParseTree, _ entry: TapeEntry) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: tree.json[Int(entry.keyStart) ..< Int(entry.keyStart) + Int(entry.keyLength)]), as: UTF8.self)
        }
        for index in 0 ..< min(walked.tape.count, reference.tape.count) {
            let a = walked.tape[index], b = reference.tape[index]
            let path = "entry \(index) (\(key(reference, b)))"
            guard key(walked, a) == key(reference, b) else { return "\(path): key \(key(walked, a))" }
            // Plain objects: the walk records their declared type, which the JSON does not say.
            guard a.rawNodeKind == b.rawNodeKind || (b.kind == .object && b.rawNodeKind == UInt8(SARGABLE_NO_NODE_KIND))
            else { return "\(path): node kind \(a.rawNodeKind) vs \(b.rawNodeKind)" }
            // The walk stores strings unescaped: the JSON's escaped strings compare by their value.
            let sameKind = a.kind == b.kind || (a.kind == .string && b.kind == .escapedString)
            guard sameKind else { return "\(path): kind \(a.kind) vs \(b.kind)" }
            let nodeA = Node(tree: walked, index: index), nodeB = Node(tree: reference, index: index)
            guard nodeA.description == nodeB.description else { return "\(path): value \(nodeA) vs \(nodeB)" }
        }
        guard walked.tape.count == reference.tape.count else {
            let (longer, shorter) = walked.tape.count > reference.tape.count ? (walked, reference) : (reference, walked)
            let extra = longer.tape[shorter.tape.count]
            return "\(walked.tape.count) entries vs \(reference.tape.count), the first extra one \(key(longer, extra)) "
                + "\(Node(tree: longer, index: shorter.tape.count)) in \(longer.isWalked ? "the walk" : "the JSON")"
        }
        for index in walked.tape.indices where walked.tape[index].next != reference.tape[index].next {
            return "entry \(index) (\(key(reference, reference.tape[index]))): subtree ends at \(walked.tape[index].next) vs \(reference.tape[index].next)"
        }
        return nil
    }

    static let hardCases: [String] = [
        "SELECT 1", "SELECT 1; SELECT 2;  SELECT 3", "SELECT '', $$$$, E'a\\nb\\t\"q\"\\\\', U&'\\0041', 'é', x FROM t",
        "SELECT -2147483648, 2147483647, 9223372036854775807, 1.5e300, -0.0, 0, B'101', X'1F', true, false, NULL",
        "SELECT a FROM t UNION ALL SELECT b FROM u INTERSECT SELECT c FROM v ORDER BY 1 LIMIT 2 OFFSET 3",
        "INSERT INTO t (a, b) VALUES (1, DEFAULT), (0, 2) ON CONFLICT (a) DO UPDATE SET b = excluded.b RETURNING *",
        "WITH RECURSIVE r(n) AS MATERIALIZED (SELECT 1 UNION SELECT n + 1 FROM r) SELECT * FROM r FOR UPDATE SKIP LOCKED",
        "SELECT x::int[], ARRAY[1,2][1:2], (a).b, a[1:], row(1, 2) IS DISTINCT FROM row(1, 3), a IS NOT TRUE FROM t",
        "SELECT count(*) FILTER (WHERE a > 0) OVER (PARTITION BY b ORDER BY c ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)",
        "SELECT CASE WHEN a THEN 1 ELSE 2 END, COALESCE(a, b), GREATEST(1, 2), NULLIF(a, b), CURRENT_DATE, a IN (1, 2)",
        "SELECT * FROM t GROUP BY GROUPING SETS ((a, b), (), ROLLUP (a), CUBE (b))",
        "SELECT * FROM a JOIN b USING (id) AS j LEFT JOIN LATERAL (SELECT 1) c ON true, ROWS FROM (f(1), g(2)) WITH ORDINALITY",
        "SELECT xmlelement(name foo, xmlattributes(1 AS a)), a COLLATE \"C\", a LIKE 'x%' ESCAPE '!', a SIMILAR TO 'b'",
        "CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, a text NOT NULL DEFAULT 'x' CHECK (a <> ''), "
            + "b int REFERENCES u (id) ON DELETE CASCADE, EXCLUDE USING gist (c WITH &&)) PARTITION BY RANGE (a)",
        "CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (MINVALUE) TO (10); CREATE TABLE p2 PARTITION OF p DEFAULT",
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t USING btree (lower(a) DESC NULLS LAST, b) INCLUDE (c) WHERE d IS NULL",
        "ALTER TABLE t ADD COLUMN c int, ALTER COLUMN a SET NOT NULL, DROP CONSTRAINT k CASCADE, ALTER a TYPE bigint USING a::bigint",
        "CREATE FUNCTION f(a int, OUT b int, VARIADIC c int[]) RETURNS SETOF int LANGUAGE sql AS $$ SELECT 1 $$",
        "CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END",
        "DO $$ BEGIN PERFORM 1; END $$", "CREATE TYPE mood AS ENUM ('sad', 'ok'); ALTER TYPE mood ADD VALUE 'happy' BEFORE 'ok'",
        "GRANT SELECT, UPDATE (a) ON t TO PUBLIC WITH GRANT OPTION", "COMMENT ON TABLE t IS 'x'", "VACUUM (ANALYZE, VERBOSE) t (a)",
        "COPY t (a) FROM STDIN WITH (FORMAT csv)", "EXPLAIN (ANALYZE, BUFFERS) SELECT 1", "PREPARE p(int) AS SELECT $1",
        "MERGE INTO t USING u ON t.id = u.id WHEN MATCHED THEN UPDATE SET a = u.a WHEN NOT MATCHED THEN INSERT VALUES (u.id)",
        "CREATE POLICY p ON t USING (tenant_id = current_setting('app.tenant')::int)", "SET LOCAL lock_timeout = '1s'",
        "BEGIN; COMMIT AND CHAIN; ROLLBACK", "LISTEN c; NOTIFY c, 'x'", "CHECKPOINT", "SELECT", "", "-- only a comment", " ; ;",
        // Errors must stay libpg_query's, message and position.
        "SELECT FROM WHERE", "SELECT 'unterminated", "CREATE TABLE (", "SELECT 1 +",
    ]

    @Test(arguments: hardCases) func walkReadsAsTheJSON(_ sql: String) {
        let outcome = Self.compare(sql)
        if case .different(let what) = outcome { Issue.record("\(sql): \(what)") }
        if case .fellBack = outcome { Issue.record("\(sql): the walk fell back to the JSON") }
    }

    @Test func nodeKindOrdinalsAreTheWalksAndTapeKindsTheHeaders() {
        for (ordinal, kind) in NodeKind.allCases.enumerated() {
            #expect(unsafeBitCast(kind, to: UInt8.self) == UInt8(ordinal))
        }
        #expect(NodeKind.allCases.count < Int(SARGABLE_NO_NODE_KIND))
        let kinds: [(TapeKind, UInt32)] = [
            (.object, SARGABLE_TAPE_OBJECT.rawValue), (.array, SARGABLE_TAPE_ARRAY.rawValue),
            (.string, SARGABLE_TAPE_STRING.rawValue), (.escapedString, SARGABLE_TAPE_ESCAPED_STRING.rawValue),
            (.number, SARGABLE_TAPE_NUMBER.rawValue), (.true, SARGABLE_TAPE_TRUE.rawValue),
            (.false, SARGABLE_TAPE_FALSE.rawValue), (.null, SARGABLE_TAPE_NULL.rawValue), (.node, SARGABLE_TAPE_NODE.rawValue),
        ]
        for (kind, value) in kinds {
            #expect(UInt32(kind.rawValue) == value)
            #expect(unsafeBitCast(kind, to: UInt8.self) == kind.rawValue)
        }
    }

    @Test func treesTooDeepForTheStackStillParse() throws {
        // The walk recurses as the JSON writer does: it runs on the large stack the parse gets.
        let sql = "SELECT " + String(repeating: "(", count: 5_000) + "1" + String(repeating: ")", count: 5_000)
        let tree = try PgQuery.parse(sql)
        #expect(tree.isWalked)
        #expect(Self.difference(tree, try PgQuery.parseJSON(sql)) == nil)
    }

    /// A tree deeper than the walk's share of the stack falls back to the JSON (whose writer runs
    /// within the parse's stack) rather than overflowing; either way it reads the same.
    @Test(arguments: [5_000, 100_000]) func deepChainsWalkOrFallBackAlike(terms: Int) {
        let sql = "SELECT " + String(repeating: "1+", count: terms) + "1"
        if case .different(let what) = Self.compare(sql) { Issue.record("\(terms) terms: \(what)") }
    }

    /// Every statement of PostgreSQL's regression scripts and of a real migration history, alone
    /// and as whole files (many statements to a tree), reads the same both ways; the walk falls
    /// back for none.
    @Test(.enabled(if: SharedCorpus.isPresent, "../shared/corpus is absent; differential tree walk skipped"),
          arguments: ["postgres-regress", "mattermost-migrations"])
    func corpusWalksAsTheJSON(corpus: String) throws {
        let directory = URL(fileURLWithPath: SharedCorpus.directory).deletingLastPathComponent().appendingPathComponent(corpus).path
        let (paths, _) = InputFiles.expand([directory], extensions: [".sql"])
        #expect(!paths.isEmpty)
        let results = LargeStack.parallelMap(paths) { path -> (compared: Int, fellBack: [String], differences: [String]) in
            guard let bytes = try? InputFiles.read(path) else { return (0, [], ["unreadable \(path)"]) }
            let document = SQLDocument(file: SourceFile(path: path, contents: bytes), parsing: false)
            var fellBack: [String] = [], differences: [String] = []
            let texts = document.statements.map(\.text) + [String(decoding: bytes, as: UTF8.self)]
            for text in texts {
                switch Self.compare(text) {
                case .same: break
                case .fellBack: fellBack.append("\(path): \(text.prefix(80))")
                case .different(let what): differences.append("\(path): \(text.prefix(80)): \(what)")
                }
            }
            return (texts.count, fellBack, differences)
        }
        let differences = results.flatMap(\.differences), fellBack = results.flatMap(\.fellBack)
        #expect(results.reduce(0) { $0 + $1.compared } > (corpus == "postgres-regress" ? 39_000 : 1_000))
        #expect(differences.isEmpty, "\(differences.count): \(differences.prefix(5))")
        #expect(fellBack.isEmpty, "\(fellBack.count): \(fellBack.prefix(5))")
    }
}
