import Foundation
import SargableCore
import Testing
@testable import SargableSyntax

@Suite("libpg_query front end")
struct FrontEndTests {
    @Test("parse gives the statement's node kind", arguments: [
        ("SELECT id FROM users WHERE id = 1", NodeKind.selectStmt),
        ("INSERT INTO users (email) VALUES ('a@b.c')", .insertStmt),
        ("UPDATE orders SET status = 'paid' WHERE id = $1", .updateStmt),
        ("DELETE FROM orders WHERE id = 3", .deleteStmt),
        ("CREATE TABLE t (id bigint PRIMARY KEY)", .createStmt),
        ("CREATE INDEX CONCURRENTLY i ON t (a)", .indexStmt),
        ("ALTER TABLE t ADD COLUMN b int", .alterTableStmt),
        ("ALTER TABLE t RENAME COLUMN a TO b", .renameStmt),
        ("DROP TABLE t", .dropStmt),
    ])
    func parseKinds(sql: String, kind: NodeKind) throws {
        let tree = try PgQuery.parse(sql)
        #expect(tree.statements.count == 1)
        #expect(tree.statements.first?.kind == kind)
        #expect(tree.firstStatement?.kind == kind)
    }

    @Test func typedAccessToSelectParts() throws {
        let sql = "SELECT u.email, count(*) FROM users u JOIN orders o ON o.user_id = u.id WHERE lower(u.email) = $1 GROUP BY 1 ORDER BY 2 LIMIT 10 OFFSET 20"
        let select = try #require(try PgQuery.parse(sql).firstStatement)
        let targets = try #require(select[.targetList]).elements
        #expect(targets.count == 2)
        let email = try #require(targets[0][.val])
        #expect(email.kind == .columnRef)
        #expect(email[.fields]?.elements.compactMap { $0[.sval]?.string } == ["u", "email"])
        #expect(targets[1][.val]?.kind == .funcCall)
        #expect(targets[1][.val, .aggStar]?.bool == true)
        let join = try #require(select[.fromClause]?.elements.first)
        #expect(join.kind == .joinExpr)
        #expect(join[.larg, .relname]?.string == "users")
        #expect(join[.rarg, .alias, .aliasname]?.string == "o")
        let predicate = try #require(select[.whereClause])
        #expect(predicate.kind == .aExpr)
        #expect(predicate[.lexpr]?.kind == .funcCall)
        #expect(predicate[.rexpr]?.kind == .paramRef)
        #expect(predicate[.rexpr, .number]?.int == 1)
        #expect(select[.limitCount, .ival, .ival]?.int == 10)
        #expect(select[.limitOffset, .ival, .ival]?.int == 20)
        // Locations are byte offsets into the statement.
        #expect(predicate[.lexpr]?.location == sql.utf8.firstRange(of: "lower".utf8)?.lowerBound.utf16Offset(in: sql))
        #expect(select.descendants(ofKind: .columnRef).count == 4)
    }

    @Test func escapedStringsAreDecoded() throws {
        let select = try #require(try PgQuery.parse(#"SELECT 'a"b\c', E'tab\there', 'é😀'"#).firstStatement)
        let values = select[.targetList]?.elements.compactMap { $0[.val, .sval, .sval]?.string }
        #expect(values == [#"a"b\c"#, "tab\there", "é😀"])
    }

    @Test func absentFieldsReadAsEmpty() throws {
        let select = try #require(try PgQuery.parse("SELECT 1").firstStatement)
        #expect(select[.whereClause] == nil)
        #expect(select[.distinctClause] == nil)
        // Zero is omitted by libpg_query's JSON: `ival: {}`.
        let zero = try #require(try PgQuery.parse("SELECT 0").firstStatement)
        #expect(zero[.targetList]?.elements.first?[.val, .ival]?.fields.isEmpty == true)
    }

    @Test func walkCanSkipAndStop() throws {
        let select = try #require(try PgQuery.parse("SELECT a FROM t WHERE b = 1 AND EXISTS (SELECT c FROM u WHERE d = 1)").firstStatement)
        var outer: [String] = []
        select.walk { node in
            if node.kind == .subLink { return .skipChildren }
            if node.kind == .columnRef, let name = node[.fields]?.elements.last?[.sval]?.string { outer.append(name) }
            return .visitChildren
        }
        #expect(outer == ["a", "b"])
        var visited = 0
        select.walk { _ in
            visited += 1
            return visited == 3 ? .stop : .visitChildren
        }
        #expect(visited == 3)
    }

    /// The tape loop sees the nodes and plain objects `walk` visits, in the same order, and makes
    /// the same node when asked.
    @Test func forEachNodeOrObjectVisitsWhatWalkVisits() throws {
        let sql = "INSERT INTO s.t (a) SELECT x::int, 1 FROM u JOIN v USING (id) WHERE y IN (SELECT z FROM w) ON CONFLICT DO NOTHING"
        let root = try #require(try PgQuery.parse(sql).firstStatement)
        var walked: [(kind: NodeKind?, description: String)] = []
        root.walk { node in
            if !node.isList { walked.append((node.kind, node.description)) }
            return .visitChildren
        }
        var looped: [(kind: NodeKind?, description: String)] = []
        var declared: [NodeKind?] = []
        root.forEachNodeOrObject { kind, declaredKind, node in
            looped.append((kind, node().description))
            if kind == nil { declared.append(declaredKind) }
        }
        #expect(looped.map(\.kind) == walked.map(\.kind))
        #expect(looped.map(\.description) == walked.map(\.description))
        #expect(looped.contains { $0.kind == nil } && looped.contains { $0.kind == .rangeVar })
        // The walk knows what each plain object is: the target table, the A_Const's value, the types.
        #expect(declared.first == .rangeVar)
        #expect(declared.allSatisfy { $0 != nil })
        #expect(try PgQuery.parseJSON(sql).firstStatement?[.relation]?.declaredKind == nil)
        #expect(root.descendants(ofKind: .columnRef).count == 3)  // x, y, z: USING names columns as strings
    }

    @Test func fingerprintIgnoresConstants() throws {
        let a = try PgQuery.fingerprint("SELECT * FROM users WHERE id = 42")
        let b = try PgQuery.fingerprint("select *   from users where id = $1")
        let c = try PgQuery.fingerprint("SELECT * FROM users WHERE email = 'x'")
        #expect(a == b)
        #expect(a != c)
        #expect(a.hex.count == 16)
        #expect(a.hex.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        // IN lists of any length and = ANY share a fingerprint: detectors must count executions.
        #expect(try PgQuery.fingerprint("SELECT 1 FROM t WHERE id IN (1, 2, 3)") == PgQuery.fingerprint("SELECT 1 FROM t WHERE id IN (4)"))
    }

    @Test func normalizeReplacesConstants() throws {
        #expect(try PgQuery.normalize("SELECT * FROM t WHERE id = 5 AND name = 'x'") == "SELECT * FROM t WHERE id = $1 AND name = $2")
    }

    @Test func splitFindsByteRanges() throws {
        let sql = "SELECT 1; SELECT ';' ; CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; SELECT 2)"
        let ranges = try PgQuery.split(sql)
        #expect(ranges.count == 3)
        let bytes = Array(sql.utf8)
        let texts = ranges.map { String(decoding: bytes[$0], as: UTF8.self).trimmingCharacters(in: .whitespaces) }
        #expect(texts == ["SELECT 1", "SELECT ';'", "CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; SELECT 2)"])
    }

    @Test func scanReportsCommentsAndTokens() throws {
        let sql = "SELECT /* block */ a -- line\nFROM t"
        let tokens = try PgQuery.scan(sql)
        let bytes = Array(sql.utf8)
        let comments = tokens.filter(\.isComment).map { String(decoding: bytes[$0.range], as: UTF8.self) }
        #expect(comments == ["/* block */", "-- line"])
        #expect(tokens.first?.kind == .keyword)
        #expect(tokens.contains { $0.kind == .identifier && String(decoding: bytes[$0.range], as: UTF8.self) == "a" })
    }

    @Test func syntaxErrorsCarryMessageAndPosition() {
        #expect(throws: SyntaxError(message: #"syntax error at or near "WHERE""#, cursorPosition: 15)) {
            try PgQuery.parse("SELECT 1 FROM WHERE")
        }
    }
}

@Suite("Source locations")
struct LocationTests {
    @Test func columnsCountCharactersNotBytes() throws {
        let text = "SELECT 'é😀', x\n  FROM t WHERE lower(email) = 'ü'"
        let document = SQLDocument(path: "q.sql", text: text)
        let root = try #require(document.parse().first?.root)
        let x = try #require(root[.targetList]?.elements.last?[.val])
        #expect(document.span(of: x)?.start == SourcePosition(line: 1, column: 14))
        let lower = try #require(root[.whereClause, .lexpr])
        #expect(document.span(of: lower)?.start == SourcePosition(line: 2, column: 16))
        #expect(document.span(of: lower)?.end == SourcePosition(line: 2, column: 21))
    }

    @Test func positionsLaterInTheFileIncludeTheStatementOffset() throws {
        let document = SQLDocument(path: "q.sql", text: "-- ✓ é\nSELECT 1;\n\nSELECT a,\n       b FROM t;")
        let parsed = document.parse()
        #expect(parsed.count == 2)
        let b = try #require(parsed[1].root?[.targetList]?.elements.last?[.val])
        #expect(document.span(of: b)?.start == SourcePosition(line: 5, column: 8))
        #expect(document.file.position(ofByte: parsed[0].source.range.lowerBound) == SourcePosition(line: 2, column: 1))
    }

    @Test func syntaxErrorPositionsCountCharacters() throws {
        let document = SQLDocument(path: "q.sql", text: "SELECT 1;\nSELECT 'é😀', x FROM WHERE;")
        let failure = try #require(document.parse().first { $0.error != nil })
        let located = document.locate(try #require(failure.error), in: failure.source)
        #expect(located.position == SourcePosition(line: 2, column: 21))
        #expect(located.description == #"q.sql:2:21: syntax error at or near "WHERE""#)
    }
}

@Suite("Splitting with recovery")
struct SplitRecoveryTests {
    @Test func aBrokenStatementDoesNotHideTheOthers() throws {
        let text = "SELECT 1;\nSELECT 2;\nSELEC 3 FROM;\nSELECT 4;\nINSERT INTO t VALUES (5);"
        let document = SQLDocument(path: "q.sql", text: text)
        let parsed = document.parse()
        #expect(parsed.map(\.source.text) == ["SELECT 1", "SELECT 2", "SELEC 3 FROM", "SELECT 4", "INSERT INTO t VALUES (5)"])
        #expect(parsed.map { $0.error == nil } == [true, true, false, true, true])
        let error = document.locate(try #require(parsed[2].error), in: parsed[2].source)
        #expect(error.position == SourcePosition(line: 3, column: 1))
    }

    @Test("statements that do not start with a keyword are kept", arguments: [true, false])
    func nonKeywordStatementsAreKept(parsing: Bool) {
        let document = SQLDocument(path: "q.sql", text: "selec 1; select 2; 42; select 3", parsing: parsing)
        #expect(document.statements.map(\.text) == ["selec 1", "select 2", "42", "select 3"])
    }

    @Test("psql meta-commands and COPY data are skipped with notes", arguments: [true, false])
    func metaCommandsAndCopyData(parsing: Bool) {
        let text = """
        \\set ECHO all
        SELECT 1;
        SELECT :'x' AS v \\gset
        \\echo it's here
        COPY t (a, b) FROM stdin;
        1\t'unbalanced
        2\t;select
        \\.
        SELECT 2;
        \\d t
        SELECT 3
        """
        let document = SQLDocument(path: "q.sql", text: text, parsing: parsing)
        #expect(document.statements.map(\.text) == ["SELECT 1", "SELECT :'x' AS v", "COPY t (a, b) FROM stdin", "SELECT 2", "SELECT 3"])
        #expect(document.notes.map(\.kind) == [.psqlMetaCommand, .psqlMetaCommand, .psqlMetaCommand, .copyData, .psqlMetaCommand])
        #expect(document.notes[3].message == "COPY data skipped")
        #expect(document.diagnostics.isEmpty)
    }

    @Test func backslashesInsideLiteralsAreNotMetaCommands() {
        let text = "SELECT E'a\\nb';\nCREATE FUNCTION f() RETURNS text AS $$\n\\not a command\n$$ LANGUAGE sql;\nSELECT 2;"
        let document = SQLDocument(path: "q.sql", text: text)
        #expect(document.statements.count == 3)
        #expect(document.notes.isEmpty)
    }

    @Test func unterminatedQuoteIsReportedAndEarlierStatementsKept() throws {
        let document = SQLDocument(path: "q.sql", text: "SELECT 1;\nSELECT 'oops;\nSELECT 3;\n")
        #expect(document.statements.first?.text == "SELECT 1")
        let diagnostic = try #require(document.diagnostics.first)
        #expect(document.locate(diagnostic).position == SourcePosition(line: 2, column: 8))
        #expect(diagnostic.message.contains("unterminated quoted string"))
    }

    /// Scanner errors (not parser errors): libpg_query's splitter stops at them.
    static let lexerErrors = [
        ("SELECT 2H", "trailing junk after numeric literal"),
        ("SELECT $1abc", "trailing junk after parameter"),
        ("SELECT 0x", "trailing junk after numeric literal"),
        ("SELECT 1e", "trailing junk after numeric literal"),
        (#"SELECT """#, "zero-length delimited identifier"),
    ]

    @Test("a scanner error is local: later statements are still split and parsed",
          arguments: lexerErrors, [true, false])
    func scannerErrorsAreLocal(error: (statement: String, message: String), parsing: Bool) throws {
        // The bad statement hides `;` in every kind of literal and comment the boundary search skips.
        let bad = error.statement + #", 'it''s;', E'\';', e'a'"# + "\n" + #"  '\';', $q$;$q$, $$;$$, "a;""b" /* ; /* ; */ ; */ -- ;"#
            + "\n  FROM t"
        let text = "SELECT 1;\n\(bad);\nSELECT 3;\nALTER TABLE t ADD COLUMN c int NOT NULL;\nSELECT 4"
        let document = SQLDocument(path: "q.sql", text: text, parsing: parsing)
        let parsed = document.parse()
        #expect(parsed.map(\.source.text) == ["SELECT 1", bad, "SELECT 3", "ALTER TABLE t ADD COLUMN c int NOT NULL", "SELECT 4"])
        #expect(parsed.map { $0.error == nil } == [true, false, true, true, true])
        #expect(document.diagnostics.isEmpty)
        let located = document.locate(try #require(parsed[1].error), in: parsed[1].source)
        #expect(located.position == SourcePosition(line: 2, column: 8))
        #expect(located.message.hasPrefix(error.message))
    }

    @Test("statements around several scanner errors are all kept", arguments: [true, false])
    func consecutiveScannerErrors(parsing: Bool) {
        let document = SQLDocument(path: "q.sql", text: "select 0x; select 1;select 2H;;select \"\" -- no semicolon", parsing: parsing)
        #expect(document.statements.map(\.text) == ["select 0x", "select 1", "select 2H", #"select "" -- no semicolon"#])
        #expect(document.parse().map { $0.error == nil } == [false, true, false, false])
    }

    @Test func unterminatedQuoteAfterAScannerErrorIsStillReported() throws {
        let document = SQLDocument(path: "q.sql", text: "SELECT 1;\nSELECT 2H;\nSELECT 3;\nSELECT 4, 'oops;\nSELECT 5;\n")
        #expect(document.statements.map(\.text) == ["SELECT 1", "SELECT 2H", "SELECT 3"])
        let diagnostic = try #require(document.diagnostics.first)
        #expect(document.diagnostics.count == 1)
        #expect(document.locate(diagnostic).position == SourcePosition(line: 4, column: 11))
        #expect(diagnostic.message.contains("unterminated quoted string"))
    }

    @Test func dollarSignsInsideWordsOpenNoQuote() {
        // `a$b$` is one identifier (PostgreSQL's ident_cont includes `$`); `$1` is a parameter.
        let document = SQLDocument(path: "q.sql", text: "SELECT a$b$, $1, 0x; SELECT 2;", parsing: false)
        #expect(document.statements.map(\.text) == ["SELECT a$b$, $1, 0x", "SELECT 2"])
    }

    @Test func leadingCommentsAreNotPartOfTheStatement() {
        let document = SQLDocument(path: "q.sql", text: "-- one\n  -- two\n/* three /* nested */ */ SELECT 1; -- trailing\n")
        #expect(document.statements.map(\.text) == ["SELECT 1"])
        #expect(document.comments().count == 4)
    }

    @Test func invalidUTF8AndNULBytesAreDiagnosedAndTheRestProcessed() throws {
        var bytes = Array("SELECT 'a';\nSELECT 'b".utf8)
        bytes.append(0xFF)
        bytes.append(contentsOf: Array("';\nSELECT\u{0}1;\nSELECT 4;".utf8))
        let document = SQLDocument(file: SourceFile(path: "bad.sql", contents: bytes))
        #expect(document.diagnostics.map(\.message) == ["invalid UTF-8; bytes replaced with U+FFFD", "NUL byte in input; read as a space"])
        #expect(document.locate(document.diagnostics[0]).position == SourcePosition(line: 2, column: 10))
        #expect(document.statements.map(\.text).last == "SELECT 4")
        #expect(document.parse().allSatisfy { $0.error == nil })
    }
}

@Suite("Untrusted input never crashes")
struct DeepInputTests {
    @Test("long expression chains parse on a large stack", arguments: [5_000, 100_000])
    func deepChains(terms: Int) throws {
        let sql = "SELECT " + String(repeating: "1+", count: terms) + "1"
        // On this (small-stack) test thread the front end moves the parse to a large-stack thread.
        let tree = try PgQuery.parse(sql)
        #expect(tree.depth > terms)
        var count = 0
        tree.firstStatement?.walk { node in
            if node.kind == .aExpr { count += 1 }
            return .visitChildren
        }
        #expect(count == terms)
        #expect(try PgQuery.fingerprint(sql).hex.count == 16)
    }

    @Test func oversizedStatementsAreRefusedWithAnError() {
        let sql = "SELECT " + String(repeating: "1+", count: SyntaxLimits.maxStatementBytes / 2) + "1"
        #expect(throws: SyntaxError.self) { try PgQuery.parse(sql) }
        let document = SQLDocument(path: "big.sql", text: sql + ";\nSELECT 2;")
        let parsed = document.parse()
        #expect(parsed.count == 2)
        #expect(parsed[0].error?.message.contains("exceeds") == true)
        #expect(parsed[1].root?.kind == .selectStmt)
    }

    @Test func deepParenthesesGiveAnErrorNotACrash() {
        let sql = "SELECT " + String(repeating: "(", count: 20_000) + "1" + String(repeating: ")", count: 20_000)
        #expect(throws: SyntaxError.self) { try PgQuery.parse(sql) }
    }
}

@Suite("psql variables")
struct PsqlVariableTests {
    @Test func referencesAreNeutralisedWithTheSameLength() throws {
        let text = #"SELECT * FROM :"schema".users WHERE id = :id AND name = :'name' AND x::int = 1"#
        let substituted = try #require(PsqlVariables.substituted(text))
        #expect(substituted == #"SELECT * FROM  "schema".users WHERE id =  id AND name =  'name' AND x::int = 1"#)
        #expect(substituted.utf8.count == text.utf8.count)
        #expect(PsqlVariables.substituted("SELECT x::int, '10:30' FROM t") == nil)
    }

    @Test func statementsWithVariablesParseAndKeepTheirLocations() throws {
        let document = SQLDocument(path: "m.sql", text: "\\set id 42\nSELECT email FROM users WHERE id = :id;\nSELECT a[1:2] FROM t;\nSELEC :x;")
        let parsed = document.parse()
        #expect(parsed.count == 3)
        let predicate = try #require(parsed[0].root?[.whereClause])
        #expect(predicate[.rexpr]?.kind == .columnRef)
        #expect(document.span(of: try #require(predicate[.lexpr]))?.start == SourcePosition(line: 2, column: 31))
        // A valid slice is parsed as written, not rewritten.
        #expect(parsed[1].root?.descendants(ofKind: .aIndices).first?[.isSlice]?.bool == true)
        // A real syntax error is reported as written.
        #expect(parsed[2].error?.message == #"syntax error at or near "SELEC""#)
    }
}

@Test func nodeKindsAreFoundByTheirNames() {
    for kind in NodeKind.allCases {
        let name = Array(kind.rawValue.utf8)
        #expect(name.withUnsafeBufferPointer { NodeKind.named($0) } == kind)
    }
    #expect(Array("NoSuchNode".utf8).withUnsafeBufferPointer { NodeKind.named($0) } == nil)
}

@Test func caretsCoverWholeTokens() throws {
    let document = SQLDocument(path: "q.sql", text: "SELECT lower_1$x, E'a\\'b', \"Quoted id\" FROM t")
    let targets = try #require(document.parse().first?.root?[.targetList]).elements.compactMap { $0[.val] }
    #expect(targets.compactMap { document.span(of: $0).map { document.file.text(of: $0.byteRange) } }
        == ["lower_1$x", "E'a\\'b'", "\"Quoted id\""])
}

@Suite("Streaming parse")
struct StreamingParseTests {
    /// Several parse windows, a syntax error, a scanner error, psql meta-commands and COPY data.
    static let text: String = {
        var text = "\\set ON_ERROR_STOP 1\n"
        for number in 0 ..< 300 { text += "SELECT \(number) FROM t WHERE a = 'x;y';\n" }
        text += "SELEC broken;\nSELECT 2H;\nCOPY t (a) FROM stdin;\n1\n\\.\n"
        for number in 0 ..< 100 { text += "CREATE INDEX i\(number) ON t (a);\n" }
        return text
    }()

    static func summary(_ statements: [ParsedStatement]) -> [String] {
        statements.map { "\($0.source.ordinal) \($0.source.text) \($0.root?.kindName ?? "error: \($0.error?.message ?? "")")" }
    }

    @Test func streamingGivesWhatParseGives() {
        let file = SourceFile(path: "q.sql", text: Self.text)
        let kept = SQLDocument(file: file)
        var visited: [ParsedStatement] = []
        let streamed = SQLDocument(file: file, streaming: { visited.append($0) })
        let expected = Self.summary(kept.parse())
        #expect(expected.count == 403)
        #expect(Self.summary(visited) == expected)
        #expect(Self.summary(streamed.parse()) == expected)
        #expect(streamed.notes.map(\.kind) == kept.notes.map(\.kind))
    }
}
