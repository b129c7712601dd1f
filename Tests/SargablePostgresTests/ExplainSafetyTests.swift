import Foundation
import SargablePostgres
import SargableSyntax
import Testing

/// The attacks of issue 8, run against a throwaway server: `explain` must leave every row, object,
/// session and lock as it found them.
@Suite(.enabled(if: TemporaryPostgres.isAvailable, "needs PostgreSQL server programs (Debian: postgresql-15)"))
struct ExplainSafetyTests {
    let database: (conninfo: String, connection: Connection)
    let name: String

    /// The statement libpg_query reads as one SELECT of two strings, and a server with
    /// standard_conforming_strings off reads as SELECT; COMMIT; DROP TABLE victim.
    static let injection = "SELECT $1::text, 'a\\', '; COMMIT; DROP TABLE victim; --';"

    init() throws {
        name = TestServer.uniqueName("safety")
        let conninfo = try TestServer.server().createDatabase(name)
        database = (conninfo, try Connection(conninfo))
        try database.connection.execute("""
            CREATE EXTENSION IF NOT EXISTS dblink;
            CREATE TABLE victim (id int PRIMARY KEY, note text NOT NULL);
            INSERT INTO victim SELECT g, 'row ' || g FROM generate_series(1, 500) g;
            CREATE FUNCTION add_one(int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RETURN $1 + 1; END $$;
            CREATE FUNCTION volatile_note() RETURNS text LANGUAGE plpgsql VOLATILE AS $$ BEGIN RETURN 'x'; END $$;
            CREATE FUNCTION take_session_lock() RETURNS int LANGUAGE plpgsql VOLATILE AS
              $$ BEGIN PERFORM pg_advisory_lock(8); RETURN 1; END $$;
            CREATE FUNCTION wipe() RETURNS int LANGUAGE plpgsql IMMUTABLE AS
              $$ BEGIN PERFORM dblink_exec(\(Connection.quoteLiteral(conninfo)), 'DELETE FROM victim'); RETURN 1; END $$;
            CREATE VIEW stealthy AS SELECT id, pg_terminate_backend(id) AS gone FROM victim;
            """)
    }

    func explain(_ sql: String, _ options: ExplainOptions = ExplainOptions(), on connection: Connection? = nil) throws -> CollectedPlan {
        let statement = try parsed(sql)
        return try ExplainCollector(connection: connection ?? database.connection, options: options)
            .explain(statement.text, root: statement.root)
    }

    /// Row count and checksum of the victim table, and the number of objects in its schema.
    func state() throws -> String {
        let rows = try database.connection.query(
            "SELECT count(*) AS n, md5(coalesce(string_agg(v::text, ',' ORDER BY v.id), '')) AS sum FROM victim v").rows.first
        let objects = try database.connection.query(
            "SELECT count(*) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'").rows.first
        return "\(rows?["n"] ?? "?") rows \(rows?["sum"] ?? "?"), \(objects?["n"] ?? "?") objects"
    }

    // MARK: Critical: the server must read the statement as libpg_query did

    enum Route: String, CaseIterable, Sendable { case alterDatabase, alterRole, connectionOptions }

    /// Opens a connection whose session has standard_conforming_strings off by the given route.
    func nonConformingConnection(_ route: Route) throws -> Connection {
        switch route {
        case .alterDatabase:
            try database.connection.execute("ALTER DATABASE \(Connection.quoteIdentifier(name)) SET standard_conforming_strings = off")
            return try Connection(database.conninfo)
        case .alterRole:
            let role = "mallory_" + name.suffix(8)
            try database.connection.execute("""
                CREATE ROLE \(role) LOGIN; GRANT ALL ON victim TO \(role);
                ALTER ROLE \(role) IN DATABASE \(Connection.quoteIdentifier(name)) SET standard_conforming_strings = off
                """)
            return try Connection(database.conninfo + " user=\(role)")
        case .connectionOptions:
            return try Connection(database.conninfo + " options='-c standard_conforming_strings=off'")
        }
    }

    @Test(arguments: Route.allCases)
    func genericPlanInjectionLeavesTheTableStanding(_ route: Route) throws {
        let before = try state()
        let connection = try nonConformingConnection(route)
        // The attack is real on this session: the server reads the backslash as an escape.
        #expect(try connection.query("SHOW standard_conforming_strings").rows.first?.fields.first == "off")
        #expect(try connection.query("SELECT length('\\\\') AS n").rows.first?.int("n") == 1)

        for options in [ExplainOptions(), ExplainOptions(analyze: true)] {
            let collected = try explain(Self.injection, options, on: connection)
            #expect(collected.parameters == .genericPlan)
            #expect(!collected.executed)
        }
        let values = try parsed(Self.injection)
        let custom = try ExplainCollector(connection: connection, options: ExplainOptions(analyze: true))
            .explain(values.text, root: values.root, parameters: ["1"])
        #expect(custom.executed)
        #expect(try state() == before)
        // Only the transaction saw the setting: the session is as it was.
        #expect(try connection.query("SHOW standard_conforming_strings").rows.first?.fields.first == "off")
        #expect(try connection.query("SELECT count(*) AS n FROM pg_prepared_statements").rows.first?.int("n") == 0)
    }

    @Test func theExtendedProtocolCarriesOneStatementOnly() throws {
        let before = try state()
        let connection = try nonConformingConnection(.connectionOptions)
        let error = #expect(throws: PostgresError.self) {
            try connection.prepare("attack", String(Self.injection.dropLast()))
        }
        #expect(error?.message == "cannot insert multiple commands into a prepared statement")
        #expect(try state() == before)
    }

    @Test(arguments: Route.allCases)
    func quotedLiteralsReadTheSameWhateverTheSetting(_ route: Route) throws {
        let value = "a\\'; DROP TABLE victim; --\\"
        for connection in [database.connection, try nonConformingConnection(route)] {
            #expect(try connection.query("SELECT \(Connection.quoteLiteral(value)) AS v").rows.first?["v"] == value)
        }
    }

    /// SJIS reads the UTF-8 bytes of `ă` (C4 83) followed by a backslash as two characters, the
    /// second one swallowing the backslash, so the quote after it ends the string.
    static let encodingInjection = "SELECT E'\u{103}\\', pg_terminate_backend(pg_backend_pid()), '' --'"

    @Test func clientEncodingCannotSwallowAQuote() throws {
        let forced = try Connection(database.conninfo + " options='-c client_encoding=SJIS'")
        #expect(try forced.query("SHOW client_encoding").rows.first?.fields.first == "UTF8")
        let collected = try explain(Self.encodingInjection, ExplainOptions(analyze: true), on: forced)
        #expect(collected.executed)
        #expect(try forced.query("SELECT 1 AS alive").rows.first?.int("alive") == 1)

        // Set inside the session, the encoding makes the server see the call; explain refuses.
        let session = try Connection(database.conninfo)
        try session.execute("SET client_encoding = 'SJIS'")
        #expect(try session.query("SELECT E'\u{103}\\', 1, '' --'").columns.count == 3)
        let error = #expect(throws: ExplainError.self) {
            try explain(Self.encodingInjection, ExplainOptions(analyze: true), on: session)
        }
        #expect(error?.description.hasPrefix("not explained: the server would not read the statement as Sargable parsed it (standard_conforming_strings on, client_encoding SJIS") == true)
        #expect(try session.query("SELECT 1 AS alive").rows.first?.int("alive") == 1)
    }

    // MARK: High: functions a read-only transaction does not stop

    /// Proves the danger the checks below guard against: dblink's second connection commits on
    /// its own, so a read-only transaction that is rolled back does not undo it.
    @Test func aReadOnlyTransactionDoesNotStopDblink() throws {
        try database.connection.execute("CREATE TABLE bystander (id int); INSERT INTO bystander VALUES (1)")
        try database.connection.execute("BEGIN READ ONLY")
        try database.connection.query("SELECT dblink_exec($1, 'DELETE FROM bystander')", [database.conninfo])
        try database.connection.execute("ROLLBACK")
        #expect(try database.connection.query("SELECT count(*) AS n FROM bystander").rows.first?.int("n") == 0)
    }

    /// Statements the issue ran under `--analyze`, and the reason each must be refused for.
    static let refusedForAnalyze: [(sql: String, reason: String)] = [
        ("SELECT * FROM dblink('CONNINFO', 'DELETE FROM victim RETURNING 1') AS t(one int)",
         "dblink (extension dblink) acts outside the transaction and cannot be rolled back"),
        ("SELECT dblink_exec('CONNINFO', 'INSERT INTO victim VALUES (1000, ''x'')')",
         "dblink_exec (extension dblink) acts outside the transaction and cannot be rolled back"),
        ("SELECT pg_terminate_backend(OTHER)", "pg_terminate_backend acts outside the transaction"),
        ("SELECT pg_cancel_backend(OTHER)", "pg_cancel_backend acts outside the transaction"),
        ("SELECT pg_stat_reset()", "pg_stat_reset acts outside the transaction"),
        ("SELECT pg_stat_reset_shared('bgwriter')", "pg_stat_reset_shared acts outside the transaction"),
        ("SELECT pg_switch_wal()", "pg_switch_wal acts outside the transaction"),
        ("SELECT pg_reload_conf()", "pg_reload_conf acts outside the transaction"),
        ("SELECT pg_rotate_logfile()", "pg_rotate_logfile acts outside the transaction"),
        ("SELECT pg_create_restore_point('sargable')", "pg_create_restore_point acts outside the transaction"),
        ("SELECT pg_advisory_lock(42)", "pg_advisory_lock acts outside the transaction"),
        ("SELECT pg_try_advisory_lock(42, 43)", "pg_try_advisory_lock acts outside the transaction"),
        ("SELECT query_to_xml('SELECT pg_terminate_backend(OTHER)', true, true, '')", "query_to_xml acts outside the transaction"),
        ("SELECT lo_unlink(1)", "lo_unlink acts outside the transaction"),
        ("SELECT id, gone FROM stealthy WHERE id = OTHER",
         "pg_terminate_backend acts outside the transaction and cannot be rolled back, reached through view stealthy"),
        ("SELECT volatile_note()", "volatile_note (user-defined, LANGUAGE plpgsql) may have side effects a rollback does not undo"),
    ]

    @Test(arguments: refusedForAnalyze)
    func runningIsRefusedAndNothingChanges(_ sql: String, _ reason: String) throws {
        let other = try Connection(database.conninfo)
        let otherPid = try #require(try other.query("SELECT pg_backend_pid() AS pid").rows.first?["pid"])
        let before = try state()
        let statsReset = try database.connection.query(
            "SELECT stats_reset::text AS at FROM pg_stat_database WHERE datname = current_database()").rows.first?["at"]
        let configLoaded = try database.connection.query("SELECT pg_conf_load_time()::text AS at").rows.first?["at"]

        let statement = sql.replacing("'CONNINFO'", with: Connection.quoteLiteral(database.conninfo)).replacing("OTHER", with: otherPid)
        let collected = try explain(statement, ExplainOptions(analyze: true, analyzeWrites: true))
        #expect(!collected.executed)
        #expect(collected.plan.executionTime == nil)
        #expect(collected.notes.contains { $0.hasPrefix("not executed: \(reason)") && $0.hasSuffix(": not run with --analyze") },
                "\(collected.notes)")

        #expect(try state() == before)
        #expect(try database.connection.query(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE pid = $1", [otherPid]).rows.first?.int("n") == 1)
        #expect(try other.query("SELECT 1 AS alive").rows.first?.int("alive") == 1)
        #expect(try database.connection.query(
            "SELECT stats_reset::text AS at FROM pg_stat_database WHERE datname = current_database()").rows.first?["at"] == statsReset)
        #expect(try database.connection.query("SELECT pg_conf_load_time()::text AS at").rows.first?["at"] == configLoaded)
        #expect(try database.connection.query(
            "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory'").rows.first?.int("n") == 0)
    }

    @Test func dblinkIsRefusedEvenWhenFunctionsAreTrusted() throws {
        let collected = try explain("SELECT dblink_exec(\(Connection.quoteLiteral(database.conninfo)), 'DELETE FROM victim')",
                                    ExplainOptions(analyze: true, functions: FunctionPolicy(trustFunctions: true)))
        #expect(!collected.executed)
        #expect(try database.connection.query("SELECT count(*) AS n FROM victim").rows.first?.int("n") == 500)
    }

    @Test func anImmutableFunctionCallingDblinkIsNotEvenPlanned() throws {
        try database.connection.execute("""
            CREATE FUNCTION sql_wrapper() RETURNS int LANGUAGE sql VOLATILE AS 'SELECT wipe()';
            CREATE DOMAIN checked AS int CHECK (VALUE > wipe());
            CREATE TABLE defaulted (id int DEFAULT wipe())
            """)
        let before = try state()
        let error = #expect(throws: ExplainError.self) { try explain("SELECT wipe()") }
        #expect(error?.description == "not explained: wipe (user-defined, LANGUAGE plpgsql) is IMMUTABLE, which the planner evaluates on constants; --trust-functions or --allow-function wipe lets it be planned")
        let inWhere = #expect(throws: ExplainError.self) { try explain("SELECT * FROM victim WHERE id = wipe()") }
        #expect(inWhere?.description.hasPrefix("not explained: wipe (user-defined") == true)
        // A SQL function is inlined whatever its volatility, so the planner would reach wipe() in its body.
        let inlined = #expect(throws: ExplainError.self) { try explain("SELECT sql_wrapper()") }
        #expect(inlined?.description.hasPrefix("not explained: sql_wrapper (user-defined, LANGUAGE sql) is LANGUAGE sql, which the planner inlines") == true)
        // Reached through a cast to a domain whose check calls it, and through an INSERT's default.
        let cast = #expect(throws: ExplainError.self) { try explain("SELECT 5::checked") }
        #expect(cast?.description.hasPrefix("not explained: wipe (user-defined, LANGUAGE plpgsql) is IMMUTABLE, which the planner evaluates on constants, reached through type checked") == true)
        let defaulted = #expect(throws: ExplainError.self) { try explain("INSERT INTO defaulted DEFAULT VALUES") }
        #expect(defaulted?.description.hasPrefix("not explained: wipe (user-defined, LANGUAGE plpgsql) is IMMUTABLE") == true)
        #expect(try state() == before)
    }

    @Test func trustedAndAllowedFunctionsRun() throws {
        #expect(throws: ExplainError.self) { try explain("SELECT add_one(1)") }
        #expect(try explain("SELECT add_one(1)", ExplainOptions(analyze: true, functions: FunctionPolicy(trustFunctions: true))).executed)
        let allowed = FunctionPolicy(allowedFunctions: ["public.add_one", "volatile_note"])
        #expect(try explain("SELECT add_one(1), volatile_note()", ExplainOptions(analyze: true, functions: allowed)).executed)
        // Built-in functions without side effects, and plain EXPLAIN of a volatile dblink call, are fine.
        #expect(try explain("SELECT count(*), lower(note) FROM victim GROUP BY 2", ExplainOptions(analyze: true)).executed)
        #expect(try explain("SELECT dblink_exec(\(Connection.quoteLiteral(database.conninfo)), 'DELETE FROM victim')").plan.root.nodeType == .result)
        #expect(try database.connection.query("SELECT count(*) AS n FROM victim").rows.first?.int("n") == 500)
    }

    @Test func writesBringInTheirTriggers() throws {
        try database.connection.execute("""
            CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
            CREATE TABLE watched (id int); CREATE TRIGGER watched_audit BEFORE INSERT ON watched FOR EACH ROW EXECUTE FUNCTION audit();
            """)
        let collected = try explain("INSERT INTO watched VALUES (1)", ExplainOptions(analyze: true, analyzeWrites: true))
        #expect(!collected.executed)
        #expect(collected.notes.contains { $0.hasPrefix("not executed: audit (user-defined, LANGUAGE plpgsql) may have side effects a rollback does not undo, reached through table watched") })
    }

    @Test func sessionAdvisoryLocksAreReleased() throws {
        let collected = try explain("SELECT take_session_lock()", ExplainOptions(analyze: true, functions: FunctionPolicy(trustFunctions: true)))
        #expect(collected.executed)
        #expect(collected.notes.contains("released 1 advisory lock(s) the statement left held by the session"))
        #expect(try database.connection.query(
            "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory'").rows.first?.int("n") == 0)
    }
}
