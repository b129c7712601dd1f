import Foundation
import SargablePlan
import SargablePostgres
import SargableSyntax
import Testing

@Suite(.enabled(if: TemporaryPostgres.isAvailable, "needs PostgreSQL server programs (Debian: postgresql-15)"))
struct WhatIfTests {
    /// 200,000 orders: large enough that the planner prefers an index on a selective column.
    static let database: Result<String, Error> = Result {
        let (conninfo, connection) = try TestServer.freshDatabase("whatif")
        try connection.execute("""
            CREATE TABLE orders (id bigint, customer_id int, status text, created_at timestamptz);
            INSERT INTO orders SELECT g, g % 20000, CASE WHEN g % 50 = 0 THEN 'pending' ELSE 'shipped' END,
                   timestamptz '2026-01-01' + g * interval '1 minute' FROM generate_series(1, 200000) g;
            ANALYZE orders;
            """)
        return conninfo
    }

    static func statement(_ sql: String) throws -> (String, Node) {
        (sql, try #require(try PgQuery.parse(sql).firstStatement))
    }

    @Test func aHypotheticalIndexLowersTheCostAndIsNamedInThePlan() throws {
        let connection = try Connection(try Self.database.get())
        let session = try WhatIfSession(connection: connection)
        let (sql, root) = try Self.statement("SELECT * FROM orders WHERE customer_id = 42")
        let before = try session.plan(sql, root: root)
        #expect(before.root.nodeType == .seqScan)

        let created = try session.use(["CREATE INDEX ON orders (customer_id)"])
        #expect(created.count == 1 && created[0].estimatedSizeBytes > 1_000_000)
        let after = try session.plan(sql, root: root)
        #expect(after.root.totalCost < before.root.totalCost / 10)
        #expect(session.used(by: after) == created)
        // An index on another column serves nothing.
        try session.use(["CREATE INDEX ON orders (created_at)"])
        #expect(session.used(by: try session.plan(sql, root: root)).isEmpty)
        #expect(session.whatIfCalls == 3)

        try session.reset()
        #expect(try session.plan(sql, root: root).root.totalCost == before.root.totalCost)
    }

    @Test func nothingIsWrittenToTheDatabase() throws {
        let conninfo = try Self.database.get()
        let observer = try Connection(conninfo)
        let objects = "SELECT count(*) AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace"
        let before = try observer.query(objects).rows.first?.int("n")
        let session = try WhatIfSession(connection: try Connection(conninfo))
        let size = try session.estimatedSize(of: "CREATE INDEX ON orders (status) WHERE status = 'pending'")
        try session.use(["CREATE INDEX ON orders (customer_id, created_at)", "CREATE INDEX ON orders (status)"])
        #expect(size > 0 && size < session.indexes[1].estimatedSizeBytes)
        #expect(try observer.query(objects).rows.first?.int("n") == before)
        #expect(try observer.query("SELECT count(*) AS n FROM pg_index WHERE indrelid = 'orders'::regclass").rows.first?.int("n") == 0)
    }

    @Test func aDefinitionIsAParameterNotSQLText() throws {
        let session = try WhatIfSession(connection: try Connection(try Self.database.get()))
        let error = #expect(throws: PostgresError.self) {
            try session.use(["CREATE INDEX ON orders (id); DROP TABLE orders"])
        }
        #expect(error?.message.hasPrefix("not a single CREATE INDEX statement") == true)
        #expect(session.indexes.isEmpty)
        #expect(try Connection(try Self.database.get()).query("SELECT count(*) AS n FROM orders").rows.first?.int("n") == 200_000)
    }

    @Test func aDatabaseWithoutHypoPGIsRefusedWithTheFix() throws {
        let (_, connection) = try TestServer.freshDatabase("nohypo")
        try connection.execute("DROP EXTENSION IF EXISTS hypopg")
        let error = #expect(throws: PostgresError.self) { try WhatIfSession(connection: connection) }
        #expect(error?.message.contains("CREATE EXTENSION hypopg") == true)
    }
}
