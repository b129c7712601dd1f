import Foundation
import SargablePostgres
import Testing

/// The injection of issue 8 through the built `sargable explain`, with the server told to read
/// backslashes as escapes by each route a user (or an attacker who owns a role) can take.
@Suite(.enabled(if: TemporaryPostgres.isAvailable, "needs PostgreSQL server programs (Debian: postgresql-15)"))
struct ExplainSafetyCommandTests {
    static let server: Result<TemporaryPostgres, Error> = Result { try TemporaryPostgres.start(.init(createHypoPG: false)) }

    static let injection = "SELECT $1::text, 'a\\', '; COMMIT; DROP TABLE victim; --';\n"

    enum Route: String, CaseIterable, Sendable { case pgoptions, alterDatabase, alterRole }

    @Test(arguments: Route.allCases)
    func injectionLeavesTheTableStanding(_ route: Route) throws {
        let server = try Self.server.get()
        let name = "victim_" + route.rawValue.lowercased()
        let admin = try Connection(server.connectionString())
        try admin.execute("CREATE DATABASE \(name)")
        let owner = try Connection(server.connectionString(database: name))
        try owner.execute("CREATE TABLE victim (id int); INSERT INTO victim SELECT generate_series(1, 100)")
        func checksum() throws -> String? {
            try owner.query("SELECT count(*) || ' ' || md5(string_agg(id::text, ',' ORDER BY id)) AS sum FROM victim").rows.first?["sum"]
        }
        let before = try checksum()
        var environment = server.environment(database: name)
        var probe = server.connectionString(database: name)
        switch route {
        case .pgoptions:
            environment["PGOPTIONS"] = "-c standard_conforming_strings=off"
            probe += " options='-c standard_conforming_strings=off'"
        case .alterDatabase:
            try owner.execute("ALTER DATABASE \(name) SET standard_conforming_strings = off")
        case .alterRole:
            try owner.execute("CREATE ROLE eve LOGIN; GRANT ALL ON victim TO eve; ALTER ROLE eve IN DATABASE \(name) SET standard_conforming_strings = off")
            environment["PGUSER"] = "eve"
            probe += " user=eve"
        }
        // The route works: a session opened the same way reads backslashes as escapes.
        #expect(try Connection(probe).query("SHOW standard_conforming_strings").rows.first?.fields.first == "off")

        for flags in [[], ["--analyze"]] {
            let result = try Sargable.run(["explain"] + flags + ["-"], stdin: Self.injection, environment: environment)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("generic plan"))
            #expect(try checksum() == before)
        }
        #expect(try owner.query("SELECT count(*) AS n FROM pg_class WHERE relname = 'victim'").rows.first?.int("n") == 1)
    }
}

extension ExplainSafetyCommandTests {
    @Test func refusalsSayWhyAndTrustIsExplicit() throws {
        let server = try Self.server.get()
        let admin = try Connection(server.connectionString())
        try admin.execute("CREATE DATABASE functions_cli")
        let owner = try Connection(server.connectionString(database: "functions_cli"))
        try owner.execute("CREATE FUNCTION add_one(int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RETURN $1 + 1; END $$")
        let database = server.connectionString(database: "functions_cli")

        let terminate = try Sargable.run(["explain", "--database", database, "--analyze", "SELECT pg_terminate_backend(1)"])
        #expect(terminate.status == 0, "\(terminate.stderr)")
        #expect(terminate.stdout.contains("not executed: pg_terminate_backend acts outside the transaction and cannot be rolled back: not run with --analyze"))

        let planned = try Sargable.run(["explain", "--database", database, "SELECT add_one(1)"])
        #expect(planned.status == 2)
        #expect(planned.stderr == "sargable: error: <argument>:1:1: not explained: add_one (user-defined, LANGUAGE plpgsql) is IMMUTABLE, which the planner evaluates on constants; --trust-functions or --allow-function add_one lets it be planned\n")
        for trust in [["--trust-functions"], ["--allow-function", "public.add_one"]] {
            let trusted = try Sargable.run(["explain", "--database", database, "--analyze"] + trust + ["SELECT add_one(1)"])
            #expect(trusted.status == 0, "\(trusted.stderr)")
            #expect(trusted.stdout.contains("executed (EXPLAIN ANALYZE)"))
        }
    }
}
