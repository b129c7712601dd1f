import Foundation
import SargableLogs
import Testing

/// pgBadger's own test logs (../shared/logs/pgbadger-fixtures): every one is read, and the
/// executed-statement counts equal what Debian's pgbadger reports for them.
@Suite(.enabled(if: TestPaths.fixturesPresent, "../shared/logs/pgbadger-fixtures is absent"))
struct FixtureTests {
    @Test(arguments: [
        ("light.postgres.log.bz2", 629, "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h "),
        ("rds.log.bz2", 114_594, "%t:%h:%u@%d:[%p]:"),
        ("anonymize.log", 5, nil),
    ])
    func executedStatementsMatchPgBadger(file: String, executions: Int, prefix: String?) {
        let (report, problems) = analyze([TestPaths.fixture(file)])
        #expect(problems.isEmpty)
        #expect(report.summary.executions == executions)
        #expect(report.summary.logLinePrefix == prefix)
        #expect(report.summary.unreadableLines == 0)
    }

    @Test func aRepeatingTransactionIsNotALoop() {
        // pgbench's clients repeat BEGIN; UPDATE; SELECT; UPDATE; UPDATE; INSERT; END thousands of
        // times in each session: the statement before each SELECT and INSERT recurs, so no run forms.
        let (report, _) = analyze([TestPaths.fixture("rds.log.bz2")])
        #expect(report.findings.filter { $0.rule == "n-plus-one" || $0.rule == "row-by-row-insert" }.isEmpty)
        #expect(report.queries.first?.query == "UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2;")
        // pgBadger's top statement by total time: 16,254 executions, 40s244ms.
        #expect(report.queries.first?.calls == 16_254)
        #expect(abs((report.queries.first?.totalMs ?? 0) - 40_244) < 1)
    }

    @Test func csvlogBindEntriesAreNotExecutions() throws {
        let (report, _) = analyze([TestPaths.fixture("anonymize.log")])
        #expect(report.summary.format == "csvlog")
        // Three `bind` entries carry the same text as the executions and must not add calls.
        let update = try #require(try report.query("update public.dokumentdata set data=$1 where id=$2"))
        #expect(update.calls == 3)
        #expect(update.parameters?.hasPrefix("$1 = '\\x2550") == true)
    }

    @Test func everyFixtureIsReadWithoutCrashing() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: TestPaths.fixtures).sorted()
        #expect(files.count >= 14)
        for file in files {
            let (report, problems) = analyze([TestPaths.fixture(file)])
            // Only the expected-output text file is not a log: it must say so, not report zero silently.
            if file.hasSuffix(".txt") {
                #expect(problems.count == 1)
                #expect(problems.first?.message.contains("the first line is 'SELECT: 1 8.33%'") == true)
            } else {
                #expect(problems.isEmpty, "\(file): \(problems)")
                #expect(report.summary.entries > 0, "\(file)")
            }
        }
    }

    @Test(arguments: [
        ("begin_end.log", "stderr", "%t [%p]: db=%d,user=%u,app=%a,client=%h "),
        ("multiline_param.log", "stderr", "%m [%p] user=%u,db=%d "),
        ("postgresql_param_range.log", "stderr", "%t [%p]: [%l-1] [%x] usr=%u,db=%d,appli=%a "),
        ("queryid.log.gz", "stderr", "%m [%p] [queryid=%Q] %u@%d "),
        ("stmt_type.log", "stderr", "%m [%p] "),
        ("pg_rawcsv.log", "stderr", "%m [%p] %u@%d "),
        ("pg-syslog.1.bz2", "syslog", "db=%d,user=%u,app=%a,client=%h "),
        ("cloudsql.log.gz", "cloudsql", "[%p]: [%l-1] db=%d,user=%u "),
        ("cnpg.log.gz", "jsonlog", nil),
        ("weeknumber.log", "csvlog", nil),
    ])
    func detectsFormatAndPrefix(file: String, format: String, prefix: String?) {
        let (report, _) = analyze([TestPaths.fixture(file)])
        #expect(report.summary.format == format)
        #expect(report.summary.logLinePrefix == prefix)
    }

    @Test func multiLineParametersStayWithTheirExecution() throws {
        let (report, _) = analyze([TestPaths.fixture("multiline_param.log")])
        let lookup = "SELECT t.oid FROM pg_catalog.pg_type t, pg_catalog.pg_namespace n WHERE (n.nspname = 'njcat') AND (t.typnamespace = $1) AND (t.typname = $2) AND t.test = $3"
        let query = try #require(try report.query(lookup))
        #expect(query.parameters?.contains("'njchar\nhello'") == true)
    }

    @Test func errorsArePairedWithTheirStatement() throws {
        let (report, _) = analyze([TestPaths.fixture("pg_rawcsv.log")])
        #expect(report.summary.errors == 2)
        #expect(try report.query("SELECT TO_DATE('311299999','DDMMYYYYY')")?.errors == 1)
        // The two pg_ctl lines in the middle of the log are reported, not silently dropped.
        #expect(report.summary.unreadableLines == 2)
        #expect(report.summary.files.first?.unreadableLineNumbers == [3, 4])
    }
}
