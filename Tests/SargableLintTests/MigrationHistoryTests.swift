import SargableCore
import SargableLint
import SargableRules
import SargableSchema
import SargableSyntax
import Testing

private func lint(_ files: [(String, String)], layout: MigrationLayout = .auto) -> LintReport {
    var configuration = Configuration()
    configuration.migrationLayout = layout
    return Linter(rules: RuleRegistry.sqlRules, configuration: configuration)
        .lint(files.map { SQLDocument(path: $0.0, text: $0.1) })
}

@Test("each layout's files in the order the history runs them", arguments: [
    (["m/000002_b.down.sql", "m/000002_b.up.sql", "m/000001_a.down.sql", "m/000001_a.up.sql"],
     ["m/000001_a.up.sql", "m/000001_a.down.sql", "m/000002_b.up.sql", "m/000002_b.down.sql"]),
    // Versions compare as numbers, not as text.
    (["m/10_c.sql", "m/9_b.sql", "m/1_a.sql"], ["m/1_a.sql", "m/9_b.sql", "m/10_c.sql"]),
    (["m/2020-01-02-000000_b/up.sql", "m/2020-01-02-000000_b/down.sql", "m/2019-12-31-000000_a/down.sql", "m/2019-12-31-000000_a/up.sql"],
     ["m/2019-12-31-000000_a/up.sql", "m/2019-12-31-000000_a/down.sql", "m/2020-01-02-000000_b/up.sql", "m/2020-01-02-000000_b/down.sql"]),
    (["f/R__views.sql", "f/V10__c.sql", "f/U1_1__b.sql", "f/V1_1__b.sql", "f/V1__a.sql"],
     ["f/V1__a.sql", "f/V1_1__b.sql", "f/U1_1__b.sql", "f/V10__c.sql", "f/R__views.sql"]),
    (["s/verify/users.sql", "s/revert/users.sql", "s/deploy/users.sql"],
     ["s/deploy/users.sql", "s/revert/users.sql", "s/verify/users.sql"]),
    (["db/20240102120000_add_index.sql", "db/20231231235959_create.sql"],
     ["db/20231231235959_create.sql", "db/20240102120000_add_index.sql"]),
])
func historyOrder(paths: [String], expected: [String]) {
    let ordered = paths.sorted { MigrationStep(path: $0, layout: .auto) < MigrationStep(path: $1, layout: .auto) }
    #expect(ordered == expected)
}

@Test func downFilesAreRecognised() {
    let down = ["m/000001_a.down.sql", "m/1_a/down.sql", "f/U2__b.sql", "s/revert/users.sql", "s/verify/users.sql"]
    let up = ["m/000001_a.up.sql", "m/1_a/up.sql", "f/V2__b.sql", "s/deploy/users.sql", "m/001_plain.sql", "f/R__views.sql"]
    #expect(down.filter { MigrationStep(path: $0, layout: .auto).direction != .down } == [])
    #expect(up.filter { MigrationStep(path: $0, layout: .auto).direction != .up } == [])
    #expect(down.filter { MigrationStep(path: $0, layout: .path).direction != .up } == [], "path layout: every file applies")
}

private let upDownHistory = [
    ("m/000002_notes.down.sql", "ALTER TABLE events ALTER COLUMN note TYPE varchar(10);\nDROP TABLE events;"),
    ("m/000001_events.down.sql", "DROP TABLE events;"),
    ("m/000002_notes.up.sql", "ALTER TABLE events ADD COLUMN note text;"),
    ("m/000001_events.up.sql", "CREATE TABLE events (id bigint PRIMARY KEY, kind text);"),
]

@Test func aDownFileSeesTheSchemaItsUpFileProduced() throws {
    let report = lint(upDownHistory)
    // 000002's down file runs after its up file: `note` exists and is text, so the type change rewrites.
    let rewrites = report.findings.filter { $0.rule == "column-type-change" }
    #expect(rewrites.map(\.file) == ["m/000002_notes.down.sql"])
    #expect(rewrites.first?.message.contains("from text to character varying(10)") == true)
    // Down files undo, the history goes on without them: the table survives both DROPs.
    let events = try #require(report.schema.table(RelationName(name: "events")))
    #expect(events.columns.map(\.name) == ["id", "kind", "note"])
    // Reported in path order all the same.
    #expect(report.documents.map(\.file.path) == upDownHistory.map(\.0).sorted())
}

@Test func thePathLayoutReplaysEveryFileInPathOrder() {
    // Path order puts each down file first: 000001.down drops a table nobody created yet, the up
    // file creates it, 000002.down changes `note` before 000002.up adds it (so no known type) and
    // drops the table, leaving 000002.up's ALTER on a table the model has no columns for.
    let report = lint(upDownHistory, layout: .path)
    #expect(report.findings.filter { $0.rule == "column-type-change" }.first?.message.contains("from text") == false)
    #expect(report.schema.table(RelationName(name: "events"))?.column(named: "kind") == nil)
}

@Test func aKeyAddedLaterIsAKey() {
    let report = lint([
        ("schema/001.sql", """
        CREATE TABLE teams (id varchar(26) NOT NULL, name text);
        CREATE TABLE posts (id varchar(26) NOT NULL, teamid varchar(26));
        CREATE TABLE audit (at timestamptz, message text);
        CREATE TABLE IF NOT EXISTS drafts (userid varchar(26), message text);
        ALTER TABLE ONLY teams ADD CONSTRAINT teams_pkey PRIMARY KEY (id);
        """),
        ("schema/002.sql", "ALTER TABLE ONLY posts ADD CONSTRAINT posts_pkey PRIMARY KEY (id);"),
    ])
    let missing = report.findings.filter { $0.rule == "missing-primary-key" }
    #expect(missing.map(\.message) == [
        "table audit has no primary key",
        "table drafts has no primary key (created with if not exists: a table of that name that already exists may have one)",
    ])
}

@Test func migrationsLayoutIsConfigurable() throws {
    let rules = RuleRegistry.configurableRules
    let configuration = try Configuration.parse("migrations:\n  layout: flyway\n", path: ".sargable.yml", rules: rules)
    #expect(configuration.migrationLayout == .flyway)
    #expect(throws: ConfigurationError.self) { try Configuration.parse("migrations:\n  layout: liquibase\n", path: ".sargable.yml", rules: rules) }
    do {
        _ = try Configuration.parse("migrations:\n  order: path\n", path: ".sargable.yml", rules: rules)
        Issue.record("an unknown migrations key must be an error")
    } catch {
        #expect(error.description == ".sargable.yml:2: unknown key 'migrations.order' (expected layout or transaction)")
    }
}

@Test func ddlInsideADoBlockIsReplayedAndLinted() throws {
    let report = lint([
        ("m/000001_reactions.up.sql", """
        CREATE TABLE IF NOT EXISTS reactions (userid varchar(26) NOT NULL, postid varchar(26) NOT NULL, emojiname varchar(64) NOT NULL);
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'reactions_pkey') THEN
                ALTER TABLE reactions ADD PRIMARY KEY (postid, userid, emojiname);
            END IF;
            CREATE INDEX idx_reactions_postid ON reactions (postid);
        END $$;
        """),
        ("m/000002_posts.up.sql", """
        DO $$
        BEGIN
            ALTER TABLE reactions ALTER COLUMN emojiname TYPE varchar(32);
            IF true THEN
                CREATE INDEX idx_reactions_again ON reactions (postid);
            END IF;
        END $$;
        """),
    ])
    #expect(report.errors.isEmpty)
    // The key the DO block adds (conditionally: it may) counts; so does its index.
    #expect(report.findings.filter { $0.rule == "missing-primary-key" }.isEmpty)
    let reactions = try #require(report.schema.table(RelationName(name: "reactions")))
    #expect(reactions.primaryKey == ["postid", "userid", "emojiname"])
    #expect(reactions.indexes.map(\.name).contains("idx_reactions_postid"))
    // A rewrite inside a DO block of a later file is caught, and the finding says where it runs.
    let later = report.findings.filter { $0.file == "m/000002_posts.up.sql" }
    #expect(later.map(\.rule) == ["missing-lock-timeout", "column-type-change", "duplicate-index", "index-not-concurrent"])
    #expect(later.map(\.span?.start.line) == [3, 3, 5, 5])
    #expect(later.prefix(2).allSatisfy { $0.message.hasSuffix("(in a do block)") })
    #expect(later.dropFirst(2).allSatisfy { $0.message.hasSuffix("(in a conditional branch of a do block: it may run)") })
}

@Test func sessionStateFollowsTheFile() {
    func rules(_ text: String, perFileTransaction: Bool = false) -> [String] {
        var configuration = Configuration()
        configuration.migrationsRunInTransaction = perFileTransaction
        return Linter(rules: RuleRegistry.sqlRules, configuration: configuration)
            .lint([SQLDocument(path: "m/002.sql", text: text)]).findings
            .filter { ["missing-lock-timeout", "concurrently-in-transaction", "transaction-nesting"].contains($0.rule) }
            .map { "\($0.rule):\($0.span?.start.line ?? 0)" }
    }
    // A timeout set in one file is not set in the next: each file starts its own session.
    #expect(rules("SET lock_timeout = '2s';\nALTER TABLE t ADD COLUMN c int;") == [])
    #expect(rules("ALTER TABLE t ADD COLUMN c int;") == ["missing-lock-timeout:1"])
    #expect(rules("RESET ALL;\nALTER TABLE t ADD COLUMN c int;") == ["missing-lock-timeout:2"])
    // COMMIT AND CHAIN keeps a transaction open.
    #expect(rules("BEGIN;\nCOMMIT AND CHAIN;\nCREATE INDEX CONCURRENTLY i ON t (c);\nCOMMIT;") == ["concurrently-in-transaction:3"])
    #expect(rules("BEGIN;\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON t (c);") == [])
    // A tool that runs every file in a transaction: CONCURRENTLY fails, the file's BEGIN nests.
    #expect(rules("CREATE INDEX CONCURRENTLY i ON t (c);", perFileTransaction: true) == ["concurrently-in-transaction:1"])
    #expect(rules("BEGIN;\nSELECT 1;\nCOMMIT;", perFileTransaction: true) == ["transaction-nesting:1"])
    #expect(rules("COMMIT;\nCREATE INDEX CONCURRENTLY i ON t (c);", perFileTransaction: true) == ["transaction-nesting:1"])
}

@Test func schemaFilesAreAHistoryToo() throws {
    let schema = upDownHistory.map { SQLDocument(path: $0.0, text: $0.1) }
    let query = SQLDocument(path: "q.sql", text: "SELECT id, note FROM events WHERE id = $1;")
    let report = Linter(rules: RuleRegistry.sqlRules).lint([query], schemaDocuments: schema)
    // Down files among --schema files undo nothing: events keeps the column 000002.up adds.
    #expect(report.schema.table(RelationName(name: "events"))?.columns.map(\.name) == ["id", "kind", "note"])
    #expect(report.findings.isEmpty, "\(report.findings.map(\.message))")
}
