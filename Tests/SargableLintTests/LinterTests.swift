import Foundation
import SargableCore
import SargableLint
import SargableRules
import SargableSchema
import SargableSyntax
import Testing

private func linter(base: SchemaModel = SchemaModel()) -> Linter {
    Linter(rules: RuleRegistry.sqlRules, baseSchema: base)
}

@Test func replayBuildsTheSchemaModelFromDDL() throws {
    let report = linter().lint([SQLDocument(path: "m.sql", text: """
    CREATE TABLE users (id bigserial PRIMARY KEY, email varchar(200) NOT NULL UNIQUE, tags text[]);
    CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id bigint REFERENCES users (id) ON DELETE CASCADE);
    CREATE INDEX users_lower_email ON users USING btree (lower(email)) WHERE email IS NOT NULL;
    ALTER TABLE users ADD COLUMN name text NOT NULL DEFAULT '';
    ALTER TABLE users RENAME COLUMN name TO full_name;
    ALTER TABLE orders RENAME TO purchases;
    CREATE TABLE scratch (v int);
    DROP TABLE scratch;
    """)])
    let users = try #require(report.schema.table(RelationName(name: "users")))
    #expect(users.columns.map(\.name) == ["id", "email", "tags", "full_name"])
    #expect(users.column(named: "id")?.type == "bigint")
    #expect(users.column(named: "email")?.type == "character varying(200)")
    #expect(users.column(named: "tags")?.isArray == true)
    #expect(users.column(named: "full_name")?.notNull == true && users.column(named: "full_name")?.hasDefault == true)
    #expect(users.primaryKey == ["id"])
    #expect(users.isUniqueKey(["email"]))
    let expressionIndex = try #require(users.indexes.first { $0.name == "users_lower_email" })
    #expect(expressionIndex.keys.map(\.description) == ["(lower(email))"])
    #expect(expressionIndex.predicate != nil)
    let purchases = try #require(report.schema.table(RelationName(name: "purchases")))
    #expect(report.schema.table(RelationName(name: "orders")) == nil)
    #expect(purchases.foreignKeys.map(\.columns) == [["user_id"]])
    #expect(purchases.foreignKeys.first?.onDelete == "cascade")
    #expect(report.schema.table(RelationName(name: "scratch")) == nil)
}

@Test func tablesFromEarlierFilesCountAsExisting() {
    let documents = [
        SQLDocument(path: "m/001.sql", text: "CREATE TABLE events (id bigint PRIMARY KEY, kind text);\nCREATE INDEX events_kind ON events (kind);"),
        SQLDocument(path: "m/002.sql", text: "CREATE INDEX events_id_kind ON events (id, kind);"),
    ]
    let findings = linter().lint(documents).findings.filter { $0.rule == "index-not-concurrent" }
    #expect(findings.compactMap(\.file) == ["m/002.sql"])
}

@Test(arguments: [1, 2, 8])
func everyFileSeesTheSchemaSoFarOnAnyNumberOfThreads(threads: Int) {
    // More files than workers: each lint job waits for its file's schema, whatever runs first.
    let documents = (1 ... 12).map { number in
        SQLDocument(path: String(format: "m/%03d.sql", number), text: number == 1
            ? "CREATE TABLE events (id bigint PRIMARY KEY, kind text);"
            : "CREATE INDEX events_\(number) ON events (kind);")
    }
    var parallel = linter()
    parallel.threads = threads
    let report = parallel.lint(documents)
    #expect(report.findings.filter { $0.rule == "index-not-concurrent" }.compactMap(\.file)
        == (2 ... 12).map { String(format: "m/%03d.sql", $0) })
    // The primary key's index and one from each later file.
    #expect(report.schema.table(RelationName(name: "events"))?.indexes.count == 12)
}

@Test func filesAreReplayedInPathOrder() {
    // Given out of order: 002 must still see the table 001 creates as existing.
    let documents = [
        SQLDocument(path: "m/002.sql", text: "ALTER TABLE events RENAME COLUMN kind TO type;"),
        SQLDocument(path: "m/001.sql", text: "CREATE TABLE events (id bigint PRIMARY KEY, kind text);"),
    ]
    let report = linter().lint(documents)
    #expect(report.findings.filter { $0.rule == "rename-column" }.compactMap(\.file) == ["m/002.sql"])
    #expect(report.schema.table(RelationName(name: "events"))?.column(named: "type") != nil)
}

@Test func foreignKeyIndexFromALaterFileCounts() {
    let first = SQLDocument(path: "m/001.sql", text: """
    CREATE TABLE users (id bigint PRIMARY KEY);
    CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id) ON DELETE CASCADE);
    CREATE TABLE notes (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id) ON DELETE CASCADE);
    """)
    let second = SQLDocument(path: "m/002.sql", text: "CREATE INDEX CONCURRENTLY orders_user_id ON orders (user_id);")
    let findings = linter().lint([first, second]).findings.filter { $0.rule == "unindexed-foreign-key" }
    #expect(findings.map(\.message) == ["foreign key notes.user_id has no index"])
    #expect(findings.first?.span?.start == SourcePosition(line: 3, column: 59))
}

/// Row-level security enabled, forced and given a policy in later migrations counts; a policy
/// dropped afterwards leaves the table without one.
@Test func rowSecurityFromLaterMigrationsCounts() {
    let create = SQLDocument(path: "m/001.sql", text: """
    CREATE TABLE invoices (id bigint PRIMARY KEY, tenant_id bigint NOT NULL);
    CREATE TABLE app.notes (id bigint PRIMARY KEY, tenant_id uuid NOT NULL);
    """)
    let secure = SQLDocument(path: "m/002.sql", text: """
    ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
    ALTER TABLE invoices FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON invoices USING (tenant_id = current_setting('app.tenant_id')::bigint);
    ALTER TABLE app.notes ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
    CREATE POLICY notes_tenant ON app.notes USING (tenant_id = current_setting('app.tenant_id')::uuid);
    """)
    let rule = "tenant-table-without-row-security"
    #expect(linter().lint([create, secure]).findings.filter { $0.rule == rule }.isEmpty)

    let drop = SQLDocument(path: "m/003.sql", text: "DROP POLICY notes_tenant ON app.notes;\nALTER TABLE invoices NO FORCE ROW LEVEL SECURITY;")
    let findings = linter().lint([create, secure, drop]).findings.filter { $0.rule == rule }
    #expect(findings.map(\.message) == [
        "the owner of invoices bypasses its row-level security policies (tenant_isolation): FORCE ROW LEVEL SECURITY is not set",
        "row-level security is enabled on app.notes but it has no policy: only its owner, which bypasses RLS, sees rows",
    ])
    #expect(findings.last?.help == "CREATE POLICY tenant_isolation ON app.notes USING (tenant_id = current_setting('app.tenant_id')::uuid);")
}

@Test func schemaFilesFeedTheModelWithoutBeingReported() {
    let schema = SQLDocument(path: "schema.sql", text: """
    CREATE TABLE users (id bigint, email text);
    CREATE UNIQUE INDEX users_email ON users (email);
    """)
    let query = SQLDocument(path: "q.sql", text: "SELECT id FROM users WHERE email = $1;")
    let report = linter().lint([query], schemaDocuments: [schema])
    #expect(report.files == 1)
    #expect(report.findings.isEmpty, "the unique index makes this a key lookup; schema.sql itself is not reported")
    let withoutSchema = linter().lint([query])
    #expect(withoutSchema.findings.map(\.rule) == ["unbounded-select"])
}

@Test func anInjectedBaseSchemaActsLikeALiveCatalog() {
    var base = SchemaModel()
    base.setTable(Table(name: RelationName(name: "users"), columns: [Column(name: "email", type: "text")],
                        indexes: [Index(name: "users_email_lower", table: RelationName(name: "users"),
                                        keys: [.expression("lower((email)::text)")])]))
    let query = SQLDocument(path: "q.sql", text: "SELECT id FROM users WHERE lower(email::text) = $1 ORDER BY id LIMIT 5;")
    #expect(linter(base: base).lint([query]).findings.isEmpty)
    #expect(linter().lint([query]).findings.map(\.rule) == ["non-sargable-predicate"])
}

@Test func syntaxErrorsAreLocatedAndOtherStatementsStillLinted() throws {
    let report = linter().lint([SQLDocument(path: "x.sql", text: "SELECT 1;\n-- é\nSELEC id FROM t;\nDELETE FROM orders;\n")])
    #expect(report.errors == [LintError(file: "x.sql", line: 3, column: 1, message: "syntax error at or near \"SELEC\"")])
    #expect(report.findings.map(\.rule) == ["unfiltered-write"])
    #expect(report.statements == 3)
}

@Test func samplesExerciseMostRules() throws {
    let root = repositoryRoot + "/samples"
    let paths = try ["migrations", "queries"].flatMap { folder in
        try FileManager.default.contentsOfDirectory(atPath: "\(root)/\(folder)").filter { $0.hasSuffix(".sql") }
            .map { "\(root)/\(folder)/\($0)" }
    }
    let documents = try paths.map { path in
        SQLDocument(file: SourceFile(path: path, contents: Array(try Data(contentsOf: URL(fileURLWithPath: path)))))
    }
    let report = linter().lint(documents)
    #expect(report.errors.isEmpty)
    let fired = Set(report.findings.map(\.rule))
    let expected: Set<String> = [
        "select-star", "non-sargable-predicate", "unbounded-select", "offset-pagination", "leading-wildcard-like",
        "unfiltered-write", "not-in-subquery", "order-by-random", "implicit-cross-join", "missing-primary-key",
        "unindexed-foreign-key", "foreign-key-without-on-delete", "array-column", "index-not-concurrent",
        "add-foreign-key-validating", "adding-required-column", "adding-volatile-default", "column-type-change",
        "set-not-null", "rename-column", "rename-table",
    ]
    #expect(expected.subtracting(fired).isEmpty, "not exercised: \(expected.subtracting(fired).sorted())")
    // The first migration creates exactly the shared sample domain.
    let domain: [String: [String]] = [
        "users": ["id", "email", "name", "status", "created_at"],
        "products": ["id", "name", "price_cents", "tags"],
        "orders": ["id", "user_id", "status", "total_cents", "created_at"],
        "order_items": ["id", "order_id", "product_id", "quantity"],
    ]
    let first = linter().lint([documents.first { $0.file.path.hasSuffix("001_create_domain.sql") }].compactMap { $0 })
    #expect(Dictionary(uniqueKeysWithValues: first.schema.sortedTables.map { ($0.name.name, $0.columns.map(\.name)) }) == domain)
    #expect(first.schema.table(RelationName(name: "orders"))?.hasIndex(leadingWith: ["user_id"]) == false)
}

@Test func safeReplacementsCoverTheTextTheyReplace() throws {
    let schema = SQLDocument(path: "schema.sql", text: "CREATE TABLE users (id bigint PRIMARY KEY, email text);")
    let query = SQLDocument(path: "q.sql", text: """
    SELECT * FROM users WHERE id = $1;
    SELECT u.* FROM users u WHERE u.id = $1;
    create unique index users_email on users (email);
    """)
    let findings = linter().lint([query], schemaDocuments: [schema]).findings
    let replaced = findings.compactMap { finding in
        finding.replacement.map { (query.file.text(of: finding.span?.byteRange ?? 0 ..< 0), $0) }
    }
    #expect(replaced.map(\.0) == ["*", "u.*", "create unique index"])
    #expect(replaced.map(\.1) == ["id, email", "u.id, u.email", "create unique index concurrently"])
    // Without a schema the columns are unknown: no replacement is offered.
    #expect(linter().lint([query]).findings.filter { $0.rule == "select-star" }.allSatisfy { $0.replacement == nil })
}

@Test("a scanner error hides no later statement from the rules", arguments: [
    "SELECT 2H", "SELECT $1abc", "SELECT 0x", "SELECT 1e", #"SELECT """#,
])
func scannerErrorsHideNoLaterFinding(bad: String) throws {
    let text = "SELECT 1;\n\(bad);\nALTER TABLE t ADD COLUMN c int NOT NULL;\n"
    let report = linter().lint([SQLDocument(path: "m.sql", text: text)])
    #expect(report.statements == 3)
    #expect(report.errors.map { "\($0.file):\($0.line):\($0.column)" } == ["m.sql:2:8"])
    let finding = try #require(report.findings.first { $0.rule == "adding-required-column" })
    #expect(finding.span?.start.line == 3)
}

@Test func duplicateIndexLookupFollowsDroppedIndexes() {
    let report = linter().lint([SQLDocument(path: "m.sql", text: """
    CREATE TABLE t (a int, b int);
    CREATE INDEX i1 ON t (a);
    CREATE INDEX i2 ON t (b);
    CREATE INDEX i3 ON t (a);
    DROP INDEX i1;
    DROP INDEX i3;
    CREATE INDEX i4 ON t (a);
    CREATE INDEX i5 ON t (b);
    CREATE INDEX i6 ON t (a);
    """)])
    let duplicates = report.findings.filter { $0.rule == "duplicate-index" }
    #expect(duplicates.map(\.message) == ["index on t (a) repeats i1", "index on t (b) repeats i2", "index on t (a) repeats i4"])
    #expect(duplicates.compactMap(\.span?.start.line) == [4, 8, 9])
}
