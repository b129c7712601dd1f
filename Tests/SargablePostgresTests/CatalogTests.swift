import Foundation
import SargableCore
import SargableLint
import SargablePostgres
import SargableRules
import SargableSchema
import SargableSyntax
import Testing

@Suite(.enabled(if: TemporaryPostgres.isAvailable, "needs PostgreSQL server programs (Debian: postgresql-15)"))
struct CatalogTests {
    /// One database for the suite: every check needs the same mix of good and bad objects.
    static let fixture: Result<(conninfo: String, schema: SchemaModel), Error> = Result {
        let (conninfo, connection) = try TestServer.freshDatabase("catalog")
        try connection.execute("""
            CREATE SCHEMA billing;
            CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, region text, tags text[],
                                    CONSTRAINT customers_email_key UNIQUE (email));
            CREATE TABLE billing.invoices (
                customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
                number int NOT NULL,
                issued_on date NOT NULL DEFAULT current_date,
                total numeric(12, 2),
                PRIMARY KEY (customer_id, number));
            CREATE TABLE payments (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                customer_id bigint NOT NULL,
                invoice_number int NOT NULL,
                paid_at timestamptz NOT NULL,
                FOREIGN KEY (customer_id, invoice_number) REFERENCES billing.invoices (customer_id, number));
            CREATE TABLE events (occurred_at timestamptz NOT NULL, payload text);
            CREATE INDEX customers_lower_email_idx ON customers (lower(email));
            CREATE INDEX customers_region_open_idx ON customers (region) WHERE region IS NOT NULL;
            CREATE INDEX customers_tags_idx ON customers USING gin (tags);
            CREATE INDEX customers_email_pattern_idx ON customers (email text_pattern_ops);
            CREATE INDEX payments_paid_at_idx ON payments (paid_at);
            CREATE INDEX payments_paid_at_id_idx ON payments (paid_at, id);
            CREATE INDEX payments_customer_paid_idx ON payments (customer_id, paid_at);
            INSERT INTO customers SELECT g, 'c' || g || '@example.com', CASE WHEN g % 2 = 0 THEN 'eu' END FROM generate_series(1, 100) g;
            INSERT INTO billing.invoices (customer_id, number) SELECT g, 1 FROM generate_series(1, 100) g;
            INSERT INTO payments (customer_id, invoice_number, paid_at) SELECT 1 + g % 100, 1, now() FROM generate_series(1, 200) g;
            INSERT INTO events SELECT timestamptz '2024-01-01' + g * interval '1 second', 'payload ' || g % 50000 FROM generate_series(1, 100000) g;
            CREATE INDEX events_occurred_at_idx ON events (occurred_at);
            CREATE INDEX events_payload_idx ON events (payload);
            ANALYZE;
            """)
        // A unique index built concurrently over duplicates fails and stays behind, invalid
        // (invalidIndex() checks that it did).
        _ = try? connection.execute("CREATE UNIQUE INDEX CONCURRENTLY events_payload_key ON events (payload)")
        // Scan one index, and flush the counters so another session sees them.
        try connection.execute("SET enable_seqscan = off")
        try connection.query("SELECT count(*) FROM events WHERE occurred_at < '2024-01-01 00:10'")
        try connection.query("SELECT pg_stat_force_next_flush()")
        try connection.execute("RESET enable_seqscan")
        let reader = try Connection(conninfo)
        return (conninfo, try Catalog.read(reader))
    }

    var schema: SchemaModel { get throws { try Self.fixture.get().schema } }

    @Test func readsTablesColumnsAndKeys() throws {
        let schema = try schema
        #expect(schema.sortedTables.map(\.name.description) == ["billing.invoices", "customers", "events", "payments"])
        // The server programs' version, so another PostgreSQL passes too.
        let programsVersion = try #require(TestServer.server().binaries.majorVersion)
        #expect(schema.serverVersion == programsVersion)
        let customers = try #require(schema.table(RelationName(name: "customers")))
        #expect(customers.columns.map(\.name) == ["id", "email", "region", "tags"])
        #expect(customers.column(named: "tags")?.type == "text[]")
        #expect(customers.column(named: "tags")?.isArray == true)
        #expect(customers.column(named: "email")?.notNull == true)
        #expect(customers.primaryKey == ["id"])
        #expect(customers.uniqueConstraints == [["email"]])
        #expect(customers.estimatedRows == 100)
        #expect((customers.sizeBytes ?? 0) > 0)
        let invoices = try #require(schema.table(RelationName(schema: "billing", name: "invoices")))
        #expect(invoices.primaryKey == ["customer_id", "number"])
        #expect(invoices.column(named: "total")?.type == "numeric(12,2)")
        #expect(invoices.column(named: "issued_on")?.hasDefault == true)
        #expect(invoices.foreignKeys.first?.referencedTable == RelationName(name: "customers"))
        #expect(invoices.foreignKeys.first?.onDelete == "cascade")
        let payments = try #require(schema.table(RelationName(name: "payments")))
        let foreignKey = try #require(payments.foreignKeys.first)
        #expect(foreignKey.columns == ["customer_id", "invoice_number"])
        #expect(foreignKey.referencedTable == RelationName(schema: "billing", name: "invoices"))
        #expect(foreignKey.referencedColumns == ["customer_id", "number"])
        #expect(schema.table(RelationName(name: "events"))?.primaryKey == nil)
    }

    @Test func readsIndexesWithExpressionsPredicatesMethodsAndUsage() throws {
        let indexes = Dictionary(try schema.allIndexes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(indexes["customers_pkey"]?.isPrimary == true)
        #expect(indexes["customers_email_key"]?.isUnique == true)
        #expect(indexes["customers_lower_email_idx"]?.keys.map(\.description) == ["(lower(email))"])
        #expect(indexes["customers_region_open_idx"]?.predicate?.text == "region IS NOT NULL")
        #expect(indexes["customers_tags_idx"]?.method == "gin")
        #expect(indexes["customers_email_pattern_idx"]?.operatorClasses == ["text_pattern_ops"])
        #expect(indexes["customers_pkey"]?.operatorClasses == [nil])
        #expect(indexes["payments_customer_paid_idx"]?.keys == [.column("customer_id"), .column("paid_at")])
        #expect(indexes["events_payload_key"]?.isValid == false)
        #expect(indexes["events_payload_idx"]?.isValid == true)
        #expect((indexes["events_occurred_at_idx"]?.scans ?? 0) > 0)
        #expect(indexes["events_payload_idx"]?.scans == 0)
        #expect((indexes["events_payload_idx"]?.sizeBytes ?? 0) > 1 << 20)
    }

    @Test func unindexedForeignKey() throws {
        let findings = CatalogUnindexedForeignKey.check(try schema)
        // payments (customer_id, invoice_number) is covered by neither index; invoices' FK is its
        // primary key's leading column.
        #expect(findings.map(\.message) == ["foreign key payments (customer_id, invoice_number) has no index"])
        #expect(findings.first?.help == "create index concurrently on payments (customer_id, invoice_number)")
    }

    @Test func duplicateIndex() throws {
        let findings = CatalogDuplicateIndex.check(try schema)
        #expect(findings.map(\.message) == [
            "index payments_paid_at_idx (paid_at) on payments is a prefix of payments_paid_at_id_idx (paid_at, id)",
        ])
        #expect(findings.first?.help == "drop index concurrently payments_paid_at_idx")
    }

    @Test func unusedIndexSkipsKeysTinyAndUsedIndexes() throws {
        let findings = UnusedIndex.check(try schema)
        // events_occurred_at_idx was scanned; the invalid one is reported by invalid-index; the
        // customers and payments indexes are under 1 MB; keys enforce constraints.
        #expect(findings.map(\.help) == ["drop index concurrently events_payload_idx"])
        #expect(findings.first?.message.hasPrefix("index events_payload_idx (payload) on events has not been scanned") == true)
    }

    @Test func invalidIndex() throws {
        let findings = InvalidIndex.check(try schema)
        #expect(findings.map(\.message) == [
            "index events_payload_key (payload) on events is invalid: queries cannot use it but writes still maintain it",
        ])
        #expect(findings.first?.severity == .error)
    }

    @Test func missingPrimaryKey() throws {
        let findings = CatalogMissingPrimaryKey.check(try schema)
        #expect(findings.map(\.message) == ["table events has no primary key"])
        #expect(findings.first?.rule == "missing-primary-key")
    }

    @Test func databaseChecksRunEveryRule() throws {
        let rules = Set(DatabaseChecks.run(try schema).map(\.rule))
        // The fixture schema has something for every database rule of the catalogue.
        #expect(rules == Set(RuleRegistry.databaseRules.map { $0.metadata.id }))
    }

    @Test func aSuppressionSilencesAFindingOfTheLiveCatalog() throws {
        let schema = try schema
        let migration = SQLDocument(path: "007_events.sql", text: """
            -- sargable-ignore unused-index: the nightly export reads it
            CREATE INDEX events_payload_idx ON events (payload);
            """)
        let linter = Linter(rules: RuleRegistry.sqlRules, catalogue: RuleRegistry.all, baseSchema: schema)
        let report = linter.lint([migration], databaseFindings: DatabaseChecks.run(schema))
        #expect(DatabaseChecks.run(schema).map(\.rule).contains("unused-index"), "the catalog has the finding to silence")
        #expect(!report.findings.contains { $0.rule == "unused-index" || $0.rule == "unused-suppression" })
        // No file creates events_payload_key: it is reported where its table is first named, unsilenced.
        let invalid = try #require(report.findings.first { $0.rule == "invalid-index" })
        #expect(invalid.span?.description == "007_events.sql:2:1")
    }

    @Test func aLockedTableEndsTheReadWithALockTimeout() throws {
        let (conninfo, holder) = try TestServer.freshDatabase("catalog_lock")
        try holder.execute("CREATE TABLE migrating (id int)")
        try holder.execute("BEGIN; LOCK TABLE migrating IN ACCESS EXCLUSIVE MODE")
        defer { _ = try? holder.execute("ROLLBACK") }
        let reader = try Connection(conninfo)
        let limits = StatementLimits(statementTimeoutMilliseconds: 20_000, lockTimeoutMilliseconds: 200)
        let error = #expect(throws: PostgresError.self) { try Catalog.read(reader, limits: limits) }
        #expect(error?.kind == .timeout)
        #expect(error?.sqlState == .lockNotAvailable)
        #expect(error.map(limits.describe) == "statement waited longer than lock_timeout (200 ms) for a lock and was cancelled")
        // The read's transaction is gone and the limits with it.
        #expect(!reader.isInTransaction)
        #expect(try reader.query("SHOW lock_timeout").rows.first?.fields.first == "0")
        try holder.execute("ROLLBACK")
        #expect(try Catalog.read(reader, limits: limits).table(RelationName(name: "migrating")) != nil)
    }
}
