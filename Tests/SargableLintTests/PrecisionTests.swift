import SargableCore
import SargableLint
import SargableRules
import SargableSyntax
import Testing

/// Shapes from real migration histories that rules used to get wrong.
private func findings(_ files: [(String, String)], rule: String, postgresVersion: Int? = nil) -> [Finding] {
    var configuration = Configuration()
    configuration.postgresVersion = postgresVersion
    return Linter(rules: RuleRegistry.sqlRules, configuration: configuration)
        .lint(files.map { SQLDocument(path: $0.0, text: $0.1) }).findings.filter { $0.rule == rule }
}

private let createTranslations = ("m/001.sql", "CREATE TABLE translations (id bigint PRIMARY KEY, objecttype varchar(64));")

@Test func setNotNullAfterItsOwnRecipeIsSilentFromPostgres12() {
    let recipe = ("m/002.sql", """
    ALTER TABLE translations ADD CONSTRAINT translations_objecttype_nn CHECK (objecttype IS NOT NULL) NOT VALID;
    ALTER TABLE translations VALIDATE CONSTRAINT translations_objecttype_nn;
    ALTER TABLE translations ALTER COLUMN objectType SET NOT NULL;
    """)
    #expect(findings([createTranslations, recipe], rule: "set-not-null").isEmpty)
    // PostgreSQL 11 scans anyway.
    #expect(findings([createTranslations, recipe], rule: "set-not-null", postgresVersion: 11).map(\.span?.start.line) == [3])
    // Validated in an earlier file counts too; a check on another column or a dropped one does not.
    let earlier = ("m/002.sql", "ALTER TABLE translations ADD CONSTRAINT nn CHECK (objecttype IS NOT NULL AND id IS NOT NULL);")
    #expect(findings([createTranslations, earlier, ("m/003.sql", "ALTER TABLE translations ALTER COLUMN id SET NOT NULL;")],
                     rule: "set-not-null").isEmpty)
    let dropped = ("m/003.sql", "ALTER TABLE translations DROP CONSTRAINT nn;\nALTER TABLE translations ALTER COLUMN objecttype SET NOT NULL;")
    #expect(findings([createTranslations, earlier, dropped], rule: "set-not-null").map(\.span?.start.line) == [2])
    let other = ("m/002.sql", "ALTER TABLE translations ADD CONSTRAINT c CHECK (id IS NOT NULL);\nALTER TABLE translations ALTER COLUMN objecttype SET NOT NULL;")
    #expect(findings([createTranslations, other], rule: "set-not-null").map(\.span?.start.line) == [2])
}

@Test func anIndexOnAnExistingPartitionedTableGetsThePerPartitionRecipe() throws {
    let create = ("m/001.sql", """
    CREATE TABLE events (id bigint, at timestamptz) PARTITION BY RANGE (at);
    CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    """)
    let plain = findings([create, ("m/002.sql", "CREATE INDEX events_at_idx ON events (at);")], rule: "index-not-concurrent")
    let finding = try #require(plain.first)
    #expect(plain.count == 1)
    #expect(finding.replacement == nil, "postgresql rejects concurrently on a partitioned table")
    #expect(finding.help == "create index … on only events, create index concurrently on each partition, then alter index … attach partition each one")
    // The recipe itself is not reported.
    let recipe = ("m/002.sql", """
    CREATE INDEX events_at_idx ON ONLY events (at);
    CREATE INDEX CONCURRENTLY events_2024_at_idx ON events_2024 (at);
    ALTER INDEX events_at_idx ATTACH PARTITION events_2024_at_idx;
    """)
    #expect(findings([create, recipe], rule: "index-not-concurrent").isEmpty)
    // A plain table still gets CONCURRENTLY.
    let ordinary = findings([("m/001.sql", "CREATE TABLE t (a int);"), ("m/002.sql", "CREATE INDEX t_a ON t (a);")], rule: "index-not-concurrent")
    #expect(ordinary.map(\.replacement) == ["CREATE INDEX CONCURRENTLY"])
}

@Test("partial indexes on opposite predicates are different indexes", arguments: [
    ("deleteat IS NULL", "deleteat IS NOT NULL", false),
    ("deleteat IS NULL", "(deleteat IS NULL)", true),
    ("deleteat = 0", "deleteat <> 0", false),
    ("deleteat = 0 AND type = 'O'", "type = 'O' AND deleteat = 0", false),
])
func partialIndexIdentity(first: String, second: String, duplicate: Bool) {
    let file = ("m/001.sql", """
    CREATE TABLE posts (id bigint PRIMARY KEY, channelid bigint, deleteat bigint, type text);
    CREATE INDEX a ON posts (channelid) WHERE \(first);
    CREATE INDEX b ON posts (channelid) WHERE \(second);
    """)
    #expect(findings([file], rule: "duplicate-index").count == (duplicate ? 1 : 0))
}

@Test func optInRulesRunOnlyWhenTurnedOn() throws {
    let text = "CREATE TABLE users (id bigint PRIMARY KEY, name varchar(200), seq serial);"
    let document = [SQLDocument(path: "m.sql", text: text)]
    let off = Linter(rules: RuleRegistry.sqlRules, catalogue: RuleRegistry.all).lint(document).findings.map(\.rule)
    #expect(!off.contains("varchar-column") && !off.contains("serial-column"))
    let configuration = try Configuration.parse("rules:\n  varchar-column: on\n  serial-column: warning\n", path: ".sargable.yml",
                                                rules: RuleRegistry.configurableRules)
    let on = Linter(rules: RuleRegistry.sqlRules, catalogue: RuleRegistry.all, configuration: configuration).lint(document).findings
    #expect(on.filter { $0.rule == "varchar-column" }.map(\.span?.start.column) == [49])
    #expect(on.first { $0.rule == "serial-column" }?.severity == .warning)
    // Suppressing an opt-in rule that is off is not an unused suppression: the configuration decides.
    let suppressed = [SQLDocument(path: "m.sql", text: "-- sargable-ignore varchar-column: legacy schema\n" + text)]
    #expect(!Linter(rules: RuleRegistry.sqlRules, catalogue: RuleRegistry.all).lint(suppressed).findings.contains { $0.rule == "unused-suppression" })
}

@Test func identifiersPostgresWouldCutAreReported() {
    let long = String(repeating: "a", count: 64)
    let found = findings([("m/001.sql", "CREATE TABLE t (id bigint PRIMARY KEY, \(long) int, \"\(String(repeating: "é", count: 32))\" int);")],
                         rule: "identifier-too-long")
    #expect(found.map(\.span?.start.column) == [40, 110])
    #expect(findings([("m/001.sql", "CREATE TABLE t (\(String(repeating: "a", count: 63)) int);")], rule: "identifier-too-long").isEmpty)
}

@Test("destructive changes name what they destroy", arguments: [
    ("DROP SCHEMA reporting, staging CASCADE", "drop-schema", "dropping schema reporting, staging with cascade deletes every object in it"),
    ("ALTER TYPE mood RENAME TO feeling", "rename-object", "renaming type mood to feeling breaks code that still uses the old name"),
    ("ALTER FUNCTION public.order_total(bigint) RENAME TO order_total_cents", "rename-object",
     "renaming function order_total to order_total_cents breaks code that still uses the old name"),
    ("ALTER TABLE orders RENAME CONSTRAINT c1 TO c2", "rename-object", "renaming constraint c1 of orders to c2 breaks code that still uses the old name"),
    ("DROP TABLE sessions, audit", "drop-table", "dropping sessions, audit deletes its data and breaks code that still uses it"),
    ("TRUNCATE users CASCADE", "truncate-cascade", "truncate users cascade also empties every table that references them"),
    ("ALTER TABLE events DETACH PARTITION events_2023", "detach-partition-not-concurrent",
     "detaching events_2023 from events takes an access exclusive lock on events"),
])
func destructiveMessages(sql: String, rule: String, message: String) {
    #expect(findings([("m/002.sql", sql + ";")], rule: rule).map(\.message) == [message])
}

@Test func enumValuesAddedInATransaction() {
    let file = ("m/002.sql", "BEGIN;\nALTER TYPE order_status ADD VALUE 'refunded';\nSELECT 'refunded';\nCOMMIT;\nSELECT 'refunded';")
    #expect(findings([file], rule: "enum-value-in-transaction").map(\.span?.start.line) == [3])
    // Before PostgreSQL 12 the ALTER TYPE itself fails inside the block.
    #expect(findings([file], rule: "enum-value-in-transaction", postgresVersion: 11).map(\.span?.start.line) == [2])
    #expect(findings([("m/002.sql", "ALTER TYPE order_status ADD VALUE 'refunded';\nSELECT 'refunded';")],
                     rule: "enum-value-in-transaction", postgresVersion: 11).isEmpty)
}
