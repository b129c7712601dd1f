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
