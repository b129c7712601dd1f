import Foundation
import SargablePostgres
import Testing

@Suite(.enabled(if: TemporaryPostgres.isAvailable, "needs PostgreSQL server programs (Debian: postgresql-15)"))
struct ConnectionTests {
    let database: (conninfo: String, connection: Connection)

    init() throws { database = try TestServer.freshDatabase("connection") }

    @Test func parameterizedQueryReturnsTypedValues() throws {
        let result = try database.connection.query(
            "SELECT $1::int + 1 AS next, $2::text AS name, $3::text AS missing, true AS flag, 1.5::float8 AS ratio",
            ["41", "O'Brien; DROP TABLE x", nil])
        let row = try #require(result.rows.first)
        #expect(row.value("next") == .int(42))
        #expect(row.value("name") == .text("O'Brien; DROP TABLE x"))
        #expect(row.value("missing") == .null)
        #expect(row.value("flag") == .bool(true))
        #expect(row.value("ratio") == .double(1.5))
        #expect(result.commandTag == "SELECT 1")
    }

    @Test func serverErrorsCarrySQLStateDetailAndHint() throws {
        let missing = #expect(throws: PostgresError.self) { try database.connection.query("SELECT * FROM no_such_table") }
        #expect(missing?.sqlState == .undefinedTable)
        #expect(missing?.kind == .server)
        #expect(missing?.position == 15)
        let raised = #expect(throws: PostgresError.self) {
            try database.connection.execute("DO $$ BEGIN RAISE EXCEPTION 'boom' USING DETAIL = 'the detail', HINT = 'the hint', ERRCODE = '22012'; END $$")
        }
        #expect(raised?.sqlState == SQLState(rawValue: "22012"))
        #expect(raised?.message == "boom")
        #expect(raised?.detail == "the detail")
        #expect(raised?.hint == "the hint")
        #expect(raised?.description == "boom (SQLSTATE 22012); hint: the hint")
    }

    @Test func noticesAreCapturedNotPrinted() throws {
        try database.connection.execute("DO $$ BEGIN RAISE NOTICE 'hello %', 42; RAISE WARNING 'careful'; END $$")
        let notices = database.connection.takeNotices()
        #expect(notices.map(\.message) == ["hello 42", "careful"])
        #expect(notices.map(\.severity) == ["NOTICE", "WARNING"])
        #expect(database.connection.takeNotices().isEmpty)
    }

    @Test func statementTimeoutIsATimeoutError() throws {
        try database.connection.execute("SET statement_timeout = 100")
        let error = #expect(throws: PostgresError.self) { try database.connection.query("SELECT pg_sleep(10)") }
        #expect(error?.kind == .timeout)
        #expect(error?.sqlState == .queryCanceled)
        #expect(try database.connection.query("SELECT 1 AS one").rows.first?.int("one") == 1)
    }

    @Test func lostConnectionIsAConnectionError() throws {
        let error = #expect(throws: PostgresError.self) {
            try database.connection.query("SELECT pg_terminate_backend(pg_backend_pid())")
        }
        #expect(error?.kind == .connectionLost)
        #expect(database.connection.isBroken)
    }

    @Test func wrongPasswordNeverShowsThePassword() throws {
        let server = try TestServer.server()
        // The postgres superuser keeps trust; every other role must give a password.
        try "local all postgres trust\nlocal all all scram-sha-256\n"
            .write(toFile: server.dataDirectory + "/pg_hba.conf", atomically: false, encoding: .utf8)
        let admin = try Connection(server.connectionString())
        try admin.query("SELECT pg_reload_conf()")
        let role = TestServer.uniqueName("alice")
        try admin.execute("CREATE ROLE \(role) LOGIN PASSWORD 'right-horse-battery'")
        let secret = "wrong-staple-9f3k"
        let host = server.socketDirectory
        let attempts = [
            "host=\(ConnectionString.quote(host)) user=\(role) password=\(secret) dbname=postgres",
            "postgresql://\(role):\(secret)@/postgres?host=\(host.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? host)",
        ]
        for attempt in attempts {
            let error = #expect(throws: PostgresError.self) { try Connection(attempt) }
            #expect(error?.kind == .connectionFailed)
            #expect(error?.description.contains("password authentication failed") == true)
            #expect(error?.description.contains(secret) == false)
            #expect(error?.description.contains("\n") == false)
        }
        let right = try Connection("host=\(ConnectionString.quote(host)) user=\(role) password=right-horse-battery dbname=postgres")
        #expect(try right.query("SELECT current_user AS me").rows.first?["me"] == role)
    }

    @Test(arguments: [
        "postgresql://bob:hunter2secret@db.example.com:6543/app?sslmode=require",
        "host=db.example.com port=6543 user=bob password=hunter2secret dbname=app sslmode=require",
        "host=db.example.com password='hunter2secret' dbname=app",
    ])
    func redactedConnectionStringsHideThePassword(_ text: String) {
        let shown = ConnectionString.redacted(text)
        #expect(!shown.contains("hunter2secret"))
        #expect(shown.contains("host=db.example.com"))
        #expect(shown.contains("dbname=app"))
    }

    @Test func unparsableConnectionStringDoesNotEchoFragments() {
        // libpq's own message would quote "hunter2secret".
        let error = #expect(throws: PostgresError.self) { try Connection("host=x password= hunter2secret trailing") }
        #expect(error?.kind == .invalidConnectionString)
        #expect(error?.description.contains("hunter2secret") == false)
    }

    @Test func unreachableServerIsOneLine() throws {
        let error = #expect(throws: PostgresError.self) { try Connection("host=/nonexistent-socket-dir port=5999 dbname=x") }
        #expect(error?.kind == .connectionFailed)
        #expect(error?.description.hasPrefix("could not connect to host=/nonexistent-socket-dir port=5999 dbname=x") == true)
        #expect(error?.description.contains("\n") == false)
    }
}
