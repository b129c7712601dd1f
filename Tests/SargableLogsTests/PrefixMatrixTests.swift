import Foundation
@testable import SargableLogs
import SargablePostgres
import Testing

/// Every `log_line_prefix` below is set on a PostgreSQL 15 this suite starts, which then runs
/// the same sessions: several users and databases, application names with spaces, slashes,
/// `@`, brackets and unicode, and one N+1 loop. Each log is read with the prefix stated and
/// with it detected; both must give exactly the fields PostgreSQL wrote.
@Suite(.enabled(if: TemporaryPostgres.isAvailable, "no PostgreSQL server programs installed"))
struct PrefixMatrixTests {
    static let applications = ["orders_page", "web frontend", "api/v2 @edge [eu]", "café ☕ ünïcode"]
    /// PostgreSQL 15 keeps only printable ASCII in application_name: each other byte becomes `?`.
    static let loggedApplications = applications.map { name in
        String(decoding: name.utf8.map { $0 >= 32 && $0 < 127 ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }

    /// The sessions: each `psql` is one. The loop runs in `orders_page` as alice on shop.
    static let workload = """
        set -eu
        quiet="-c log_min_duration_statement=-1"
        PGOPTIONS="$quiet" psql -X -q -v ON_ERROR_STOP=1 -c "CREATE ROLE alice LOGIN" -c "CREATE ROLE bob LOGIN"
        PGOPTIONS="$quiet" psql -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE shop" -c "CREATE DATABASE analytics"
        run() { PGAPPNAME="$1" PGUSER="$2" PGDATABASE="$3" psql -X -q -v ON_ERROR_STOP=1 > /dev/null; }
        run orders_page alice shop <<'SQL'
        SELECT count(*) FROM generate_series(1, 10) AS n;
        SELECT n FROM generate_series(1, 10) AS n WHERE n = 1;
        SELECT n FROM generate_series(1, 10) AS n WHERE n = 2;
        SELECT n FROM generate_series(1, 10) AS n WHERE n = 3;
        SELECT n FROM generate_series(1, 10) AS n WHERE n = 4;
        SQL
        run 'web frontend' bob analytics <<'SQL'
        SELECT 'web', now();
        SELECT 1 + 1;
        SQL
        run 'api/v2 @edge [eu]' alice analytics <<'SQL'
        SELECT 'api';
        SELECT 2 + 2;
        SQL
        run 'café ☕ ünïcode' bob shop <<'SQL'
        SELECT 'unicode';
        SELECT 3 + 3;
        SQL
        run marker postgres postgres <<'SQL'
        SELECT 'end of the workload';
        SQL
        """
    static let statements = 12

    /// The prefix set on the server, and the one detection must find (PostgreSQL's `%q` cannot
    /// be seen in a log, and `%r`, `%h` both print `[local]`).
    static let matrix: [(prefix: String, detected: String?)] = [
        ("%m [%p] %q%u@%d/%a ", "%m [%p] %u@%d/%a "),
        ("< %m [%p] > ", "< %m [%p] > "),
        ("%n [%p] ", "%n [%p] "),
        ("%m [%p-%l] %q%u@%d ", "%m [%p-%l] %u@%d "),
        ("%t-%c-", "%t-%c-"),
        ("time=%m pid=%p app=%a user=%u db=%d ", "time=%m pid=%p app=%a user=%u db=%d "),
        ("%m [%p] %q[user=%u,db=%d] ", "%m [%p] [user=%u,db=%d] "),
        ("%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ", "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h "),
        ("%m %c %v %x %e ", "%m %c %v %x %e "),
        ("%m [%p] %Q %b: ", "%m [%p] %Q %b: "),
        ("%m [%p] %i: ", nil),
        ("%m [%p] %a %u@%d ", nil),
        ("%m|%p|%r|%u|%d|%a|", "%m|%p|%h|%u|%d|%a|"),
    ]

    static func writeLog(prefix: String) throws -> String {
        let server = try TemporaryPostgres.start(TemporaryPostgres.Configuration(settings: [
            "logging_collector": "on",
            "log_destination": "stderr",
            "log_directory": "log",
            "log_filename": "postgresql.log",
            "log_min_duration_statement": "0",
            "log_line_prefix": prefix,
            "log_connections": "on",
            "log_disconnections": "on",
            "compute_query_id": "on",
        ], createHypoPG: false))
        defer { server.stop() }
        let environment = ProcessInfo.processInfo.environment.merging(server.environment()) { $1 }
        try RealServerTests.shell(["/bin/sh", "-c", workload], environment: environment)
        // Complete once the last session has ended.
        return try server.collectedLogs(["postgresql.log"], as: ["prefix.log"]) {
            $0.contains("end of the workload") && $0.components(separatedBy: "disconnection").count > 6
        }[0]
    }

    static func entries(_ path: String, prefix: LogLinePrefix?) throws -> (entries: [LogEntry], reader: LogReader) {
        let reader = try LogReader(input: LogInput(path: path), prefix: prefix)
        var entries: [LogEntry] = []
        try reader.read { entries.append($0) }
        return (entries, reader)
    }

    @Test(arguments: matrix)
    func everyLineIsReadWithItsFields(prefix: String, detected: String?) throws {
        let path = try Self.writeLog(prefix: prefix)
        let stated = LogLinePrefix(prefix)
        let (entries, reader) = try Self.entries(path, prefix: stated)
        #expect(reader.unreadable.count == 0, "\(reader.unreadable.example ?? "")")
        let statements = entries.filter { $0.message.contains("statement: ") }
        #expect(statements.count == Self.statements)
        if prefix.contains("%a") {
            #expect(Set(statements.compactMap(\.application)) == Set(Self.loggedApplications + ["marker"]))
        }
        if prefix.contains("%u") { #expect(Set(statements.compactMap(\.user)) == ["alice", "bob", "postgres"]) }
        if prefix.contains("%d") { #expect(Set(statements.compactMap(\.database)) == ["shop", "analytics", "postgres"]) }
        if stated.identifiesSessions {
            // One session per psql run: their keys tell the five apart.
            #expect(Set(statements.map { "\($0.pid ?? -1) \($0.sessionID ?? "")" }).count == 5)
        }

        var settings = LogAnalysis.Settings()
        settings.prefix = stated
        let report = analyze([path], settings: settings).report
        #expect(report.summary.executions == Self.statements)
        let loops = report.findings.filter { $0.rule == "n-plus-one" }
        #expect(loops.count == 1)
        if prefix.contains("%a") { #expect(loops.first?.application == "orders_page") }

        guard let detected else { return }
        let detection = try #require(LogLinePrefix.detect(from: try String(contentsOfFile: path, encoding: .utf8)
            .split(separator: "\n").map { Array($0.utf8) }.filter { $0.first != 9 }))
        #expect(detection.prefix.text == detected)
        #expect(detection.rivals.isEmpty)
        let (detectedEntries, detectedReader) = try Self.entries(path, prefix: nil)
        #expect(detectedReader.unreadable.count == 0)
        #expect(detectedEntries.map { [$0.line.description, $0.user ?? "", $0.database ?? "", $0.application ?? "", $0.message] }
            == entries.map { [$0.line.description, $0.user ?? "", $0.database ?? "", $0.application ?? "", $0.message] })
    }

    /// Without `%p` or `%c` every session's statements would look like one session's loop.
    @Test func withoutASessionKeyExecutionsCountAndNoSessionFindingIsReported() throws {
        let path = try Self.writeLog(prefix: "%m %u@%d ")
        let (report, problems) = analyze([path])
        #expect(report.summary.logLinePrefix == "%m %u@%d ")
        #expect(report.summary.executions == Self.statements)
        #expect(report.findings.isEmpty)
        let warnings = problems.filter { $0.kind == .warning }.map(\.message)
        #expect(warnings.count == 1)
        #expect(warnings.first?.hasSuffix("add %p (or %c) to log_line_prefix") == true)
        #expect(report.summary.files.first?.logLinePrefixDetection?.hasPrefix("log_line_prefix '%m %u@%d ' detected: it reads") == true)
    }
}
