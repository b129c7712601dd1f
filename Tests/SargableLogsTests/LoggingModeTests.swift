import Foundation
@testable import SargableLogs
import SargablePlan
import SargablePostgres
import Testing

/// Logging modes other than `log_min_duration_statement = 0`, each on logs a PostgreSQL 15 this
/// suite starts writes while a workload runs: rotated files, `log_statement = all` with and without
/// durations, and auto_explain's plans in JSON and text after extended-protocol statements.
@Suite(.enabled(if: TemporaryPostgres.isAvailable, "no PostgreSQL server programs installed"))
struct LoggingModeTests {
    /// Starts a server with `settings`, runs `workload` (a shell script with the server's PG*
    /// variables), and returns copies of the log files it wrote, in the order of their names
    /// (time order for a `log_filename` with `%H%M%S`), once the last one holds `end of the
    /// workload` and, in all, `disconnections` disconnection lines.
    static func serverLogs(_ settings: [String: String], workload: String, disconnections: Int) throws -> [String] {
        let server = try TemporaryPostgres.start(TemporaryPostgres.Configuration(settings: [
            "logging_collector": "on",
            "log_destination": "stderr",
            "log_directory": "log",
            "log_filename": "postgresql-%H%M%S.log",
            "log_line_prefix": "%m [%p] ",
            "log_connections": "on",
            "log_disconnections": "on",
        ].merging(settings) { $1 }, createHypoPG: false))
        defer { server.stop() }
        let environment = ProcessInfo.processInfo.environment.merging(server.environment()) { $1 }
        try RealServerTests.shell(["/bin/sh", "-c", workload], environment: environment)
        let directory = server.dataDirectory + "/log"
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        let paths = names.map { directory + "/" + $0 }
        _ = LiveLogFile.wait(for: [directory], timeout: .seconds(30), every: .milliseconds(100)) { _ in
            let text = paths.compactMap { LiveLogFile.contents(of: $0) }.map { String(decoding: $0, as: UTF8.self) }.joined()
            return text.contains("end of the workload") && text.components(separatedBy: "disconnection: ").count > disconnections
        }
        return try server.collectedLogs(names, as: names) { _ in true }
    }

    static func contents(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    /// Every `duration: … ms` the server wrote for a statement (auto_explain's `plan:` lines
    /// aside, unless `includingPlans`), summed by reading the lines themselves; with `only`, those
    /// followed by it.
    static func loggedMilliseconds(_ paths: [String], only: String? = nil, includingPlans: Bool = false) throws -> Double {
        var total = 0.0
        for path in paths {
            for line in try contents(path).split(separator: "\n") {
                guard let start = line.range(of: " duration: ") else { continue }
                let rest = line[start.upperBound...]
                guard let end = rest.range(of: " ms") else { continue }
                let after = rest[end.upperBound...]
                if after.hasPrefix("  plan:"), !includingPlans { continue }
                if let only, !after.hasPrefix("  " + only) { continue }
                total += try #require(Double(rest[..<end.lowerBound]))
            }
        }
        return total
    }

    // MARK: rotated files

    /// One session polls across two rotations: a loop of 6 split 3 + 3 over the first two files
    /// and a loop of 4 split 2 + 2 over the last two.
    static let rotationWorkload = """
        set -eu
        # The first file is named after the server's start second; the rotations need new names.
        sleep 1.1
        rotate='\\! PGOPTIONS="-c log_min_duration_statement=-1" psql -X -q -c "SELECT pg_rotate_logfile()" > /dev/null; sleep 0.3'
        PGAPPNAME=poller psql -X -q -v ON_ERROR_STOP=1 > /dev/null <<SQL
        SELECT n FROM generate_series(1, 10) AS n WHERE n = 1;
        SELECT n FROM generate_series(1, 10) AS n WHERE n = 2;
        SELECT n FROM generate_series(1, 10) AS n WHERE n = 3;
        $rotate
        SELECT n FROM generate_series(1, 10) AS n WHERE n = 4;
        SELECT n FROM generate_series(1, 10) AS n WHERE n = 5;
        SELECT n FROM generate_series(1, 10) AS n WHERE n = 6;
        \\! sleep 1.1
        SELECT count(*) FROM generate_series(1, 10) AS n WHERE n > 1;
        SELECT count(*) FROM generate_series(1, 10) AS n WHERE n > 2;
        $rotate
        SELECT count(*) FROM generate_series(1, 10) AS n WHERE n > 3;
        SELECT count(*) FROM generate_series(1, 10) AS n WHERE n > 4;
        SELECT 'end of the workload';
        SQL
        """

    @Test func aSessionContinuesAcrossRotatedFilesReadInTimeOrder() throws {
        let written = try Self.serverLogs(["log_min_duration_statement": "0"], workload: Self.rotationWorkload, disconnections: 3)
        try #require(written.count == 3)
        // Each loop really is split over two files.
        let texts = try written.map(Self.contents)
        #expect(texts[0].contains("n = 1") && texts[1].contains("n = 6"))
        #expect(texts[1].contains("n > 1") && texts[2].contains("n > 4"))
        // Names whose order is not the files' order: the third, first and second written.
        let directory = (written[0] as NSString).deletingLastPathComponent
        let renamed = ["3.log", "1.log", "2.log"].map { directory + "/renamed-" + $0 }
        for (source, target) in zip(written, renamed) { try FileManager.default.moveItem(atPath: source, toPath: target) }

        let (report, problems) = analyze(renamed.sorted())
        #expect(problems.isEmpty, "\(problems)")
        #expect(report.summary.files.map { ($0.path as NSString).lastPathComponent } == ["renamed-3.log", "renamed-1.log", "renamed-2.log"])
        #expect(report.summary.executions == 11)
        let loops = report.findings.filter { $0.rule == "n-plus-one" }.sorted { $0.count > $1.count }
        #expect(loops.map(\.count) == [6, 4])
        #expect(loops.map(\.runs) == [1, 1])
    }

    /// Files that overlap in time are different servers' logs: their sessions stay apart even
    /// when the pids are the same.
    @Test func filesThatOverlapInTimeDoNotContinueEachOther() throws {
        // A loop of 5 in each, half a second apart over the same two seconds, by the same pid.
        let lines = (0 ..< 5).map { "2024-05-01 12:00:0\($0 / 2).\($0 % 2 * 5)00 UTC [42] LOG:  duration: 1.000 ms  statement: SELECT \($0) FROM t WHERE id = \($0)" }
            .joined(separator: "\n") + "\n"
        let first = try TestPaths.temporaryFile("a.log", contents: Array(lines.utf8))
        let second = try TestPaths.temporaryFile("b.log", contents: Array(lines.utf8))
        let (report, _) = analyze([first, second])
        #expect(report.summary.executions == 10)
        #expect(report.summary.sessions == 2)
        #expect(report.findings.filter { $0.rule == "n-plus-one" }.map(\.count) == [5, 5])
    }

    // MARK: log_statement

    /// One session holds a row lock for 1.5 s; another waits for it (lock-wait lines between
    /// its statement and its duration), writes a temporary file, logs a warning, and fails once.
    static let statementWorkload = """
        set -eu
        quiet="-c log_statement=none -c log_min_duration_statement=-1 -c log_duration=off"
        PGOPTIONS="$quiet" psql -X -q -v ON_ERROR_STOP=1 -c "CREATE TABLE counters (id int PRIMARY KEY, n int)" \\
            -c "INSERT INTO counters VALUES (1, 0)"
        psql -X -q -v ON_ERROR_STOP=1 > /dev/null <<'SQL' &
        BEGIN;
        UPDATE counters SET n = n + 1 WHERE id = 1;
        SELECT pg_sleep(1.5);
        COMMIT;
        SQL
        sleep 0.5
        psql -X -q > /dev/null 2>&1 <<'SQL' || true
        UPDATE counters SET n = n + 10 WHERE id = 1;
        SET work_mem = '64kB';
        SELECT count(*) FROM (SELECT n FROM generate_series(1, 200000) AS n ORDER BY n DESC) AS s;
        DO $$BEGIN RAISE WARNING 'between the statement and its duration'; END$$;
        SELECT 1 / 0;
        SELECT 'end of the workload';
        SQL
        wait
        """

    static let statementModes: [[String: String]] = [
        ["log_statement": "all"],
        ["log_statement": "all", "log_duration": "on"],
        ["log_statement": "all", "log_min_duration_statement": "0"],
        ["log_min_duration_statement": "0"],
    ]

    @Test(arguments: statementModes)
    func failedStatementsAreErrorsAndEveryDurationFindsItsStatement(mode: [String: String]) throws {
        let settings = mode.merging(["log_temp_files": "0", "log_lock_waits": "on", "deadlock_timeout": "100ms",
                                     "log_destination": "stderr,csvlog"]) { $1 }
        let files = try Self.serverLogs(settings, workload: Self.statementWorkload, disconnections: 3)
        let paths = files.filter { $0.hasSuffix(".log") }
        let raw = try paths.map(Self.contents).joined()
        // The lines this is about are there, between a statement and its duration.
        #expect(raw.contains("still waiting for ShareLock") && raw.contains("acquired ShareLock"))
        #expect(raw.contains("LOG:  temporary file: "))
        #expect(raw.contains("WARNING:  between the statement and its duration"))
        #expect(raw.contains("ERROR:  division by zero"))

        let (report, problems) = analyze(paths)
        #expect(problems.isEmpty, "\(problems)")
        // The csvlog written at the same time (its error record carries the statement) agrees.
        let csv = analyze(files.filter { $0.hasSuffix(".csv") }).report
        #expect(csv.summary.format == "csvlog")
        #expect(csv.queries.map { "\($0.fingerprint) \($0.calls) \($0.errors) \($0.totalMs)" }.sorted()
            == report.queries.map { "\($0.fingerprint) \($0.calls) \($0.errors) \($0.totalMs)" }.sorted())
        // BEGIN, UPDATE, pg_sleep, COMMIT; UPDATE, SET, the sort, DO, the marker.
        #expect(report.summary.executions == 9)
        #expect(report.summary.errors == 1)
        #expect(try report.query("SELECT 1 / 0")?.calls == 0)
        #expect(try report.query("SELECT 1 / 0")?.errors == 1)
        #expect(try report.calls(of: "UPDATE counters SET n = n + 1 WHERE id = 1") == 2)

        let logged = try Self.loggedMilliseconds(paths)
        let summed = report.queries.map(\.totalMs).reduce(0, +)
        #expect(abs(summed - logged) < 0.0005, "summed \(summed) ms, the server logged \(logged) ms")
        if mode["log_duration"] != nil || mode["log_min_duration_statement"] != nil {
            // The waiting UPDATE's duration (over a second) reached it across the lock-wait lines.
            #expect(try report.query("UPDATE counters SET n = n + 1 WHERE id = 1")?.totalMs ?? 0 > 900)
            #expect(logged > 2500)
        } else {
            #expect(logged == 0)
        }
    }

    /// The extended protocol (libpq's PQsendQueryParams) under `log_statement`: the `execute`
    /// line of a statement that fails is its error only.
    @Test(arguments: [["log_statement": "all"], ["log_statement": "all", "log_duration": "on"]])
    func aFailedExtendedProtocolStatementIsAnError(mode: [String: String]) throws {
        let server = try TemporaryPostgres.start(TemporaryPostgres.Configuration(settings: [
            "logging_collector": "on", "log_destination": "stderr", "log_directory": "log", "log_filename": "postgresql.log",
            "log_line_prefix": "%m [%p] ", "log_disconnections": "on",
        ].merging(mode) { $1 }, createHypoPG: false))
        defer { server.stop() }
        do {
            // Connecting sets client_encoding: one more statement, run with the simple protocol.
            let connection = try Connection(server.connectionString())
            // Fails while it runs (a constant `1 / $1` would fail earlier, in bind, before `execute` is logged).
            #expect(throws: PostgresError.self) { try connection.query("SELECT 1 / n FROM generate_series($1::int, 1) AS n", ["0"]) }
            try connection.query("SELECT $1::int + 1", ["1"])
            try connection.execute("SELECT 'end of the workload'")
        }
        let path = try server.collectedLogs(["postgresql.log"], as: ["extended.log"]) { $0.contains("disconnection: ") }[0]
        #expect(try Self.contents(path).contains("execute <unnamed>: SELECT 1 / n FROM generate_series($1::int, 1) AS n"))
        let (report, problems) = analyze([path])
        #expect(problems.isEmpty, "\(problems)")
        #expect(report.summary.executions == 3)
        #expect(report.summary.errors == 1)
        let failed = try #require(try report.query("SELECT 1 / n FROM generate_series($1::int, 1) AS n"))
        #expect(failed.calls == 0 && failed.errors == 1)
        #expect(try report.query("SELECT $1::int + 1")?.parameters == "$1 = '1'")
    }

    /// With the prefix stated, `%i` is read while it holds a space: PostgreSQL 15 shows
    /// `UPDATE waiting` on the lines of a statement waiting for a lock.
    @Test func aCommandTagWithASpaceIsRead() throws {
        let prefix = "%m [%p] %i: "
        let paths = try Self.serverLogs(["log_min_duration_statement": "0", "log_lock_waits": "on", "deadlock_timeout": "100ms",
                                         "log_line_prefix": prefix], workload: Self.statementWorkload, disconnections: 3)
        #expect(try paths.map(Self.contents).joined().contains("] UPDATE waiting: LOG:  process "))
        var settings = LogAnalysis.Settings()
        settings.prefix = LogLinePrefix(prefix)
        let (report, problems) = analyze(paths, settings: settings)
        #expect(problems.isEmpty, "\(problems)")
        #expect(report.summary.unreadableLines == 0)
        #expect(report.summary.executions == 9)
        #expect(report.summary.errors == 1)
        #expect(abs(report.queries.map(\.totalMs).reduce(0, +) - (try Self.loggedMilliseconds(paths))) < 0.0005)
    }

    /// Hand-written where PostgreSQL cannot be made to write it: the same statement logged by
    /// `log_statement` and again in the `duration: … statement:` form is one execution.
    @Test func aStatementLoggedTwiceIsOneExecution() throws {
        let log = """
            2024-05-01 12:00:00.100 UTC [42] LOG:  statement: SELECT 1
            2024-05-01 12:00:00.101 UTC [42] LOG:  duration: 2.500 ms  statement: SELECT 1
            2024-05-01 12:00:00.102 UTC [42] LOG:  statement: SELECT 2
            2024-05-01 12:00:00.103 UTC [42] LOG:  duration: 1.000 ms

            """
        let path = try TestPaths.temporaryFile("twice.log", contents: Array(log.utf8))
        let (report, _) = analyze([path])
        #expect(report.summary.executions == 2)
        #expect(report.queries.map(\.totalMs).reduce(0, +) == 3.5)
    }

    // MARK: auto_explain

    static let explainedStatements = """
        SELECT v FROM items WHERE id = :id;
        SELECT count(*) FROM items WHERE v LIKE 'a%';
        SELECT i.id, j.v FROM items AS i JOIN items AS j ON j.id = i.id + 1 WHERE i.category = :category ORDER BY i.id LIMIT 5;
        UPDATE items SET v = v WHERE id = :missing;
        SELECT category, count(*) FROM items GROUP BY category ORDER BY 2 DESC LIMIT 3;
        """

    /// The same statements with auto_explain's JSON and then its text format: pgbench's extended
    /// protocol (unnamed and prepared statements, and a pipeline, where a plan comes after the
    /// next statement's `parse`), then one simple-protocol marker.
    static let explainWorkload = """
        set -eu
        quiet="-c log_statement=none -c log_min_duration_statement=-1 -c log_duration=off -c auto_explain.log_min_duration=-1"
        PGOPTIONS="$quiet" psql -X -q -v ON_ERROR_STOP=1 \\
            -c "CREATE TABLE items (id int PRIMARY KEY, category int, v text)" \\
            -c "INSERT INTO items SELECT g, g % 100, md5(g::text) FROM generate_series(1, 100000) AS g" -c "ANALYZE items"
        directory=$(mktemp -d)
        printf '%s\\n' '\\set id 4242' '\\set category 7' '\\set missing -1' "$STATEMENTS" > "$directory/plain.sql"
        printf '%s\\n' '\\set id 4242' '\\set category 7' '\\set missing -1' '\\startpipeline' "$STATEMENTS" '\\endpipeline' > "$directory/pipeline.sql"
        for format in json text; do
            export PGOPTIONS="-c auto_explain.log_format=$format"
            pgbench -n -M extended -t 2 -f "$directory/plain.sql" > /dev/null 2>&1
            pgbench -n -M prepared -t 2 -f "$directory/plain.sql" > /dev/null 2>&1
            pgbench -n -M extended -t 1 -f "$directory/pipeline.sql" > /dev/null 2>&1
        done
        unset PGOPTIONS
        psql -X -q -v ON_ERROR_STOP=1 -c "SELECT 'end of the workload'" > /dev/null
        rm -r "$directory"
        """

    static let explainModes: [[String: String]] = [
        ["log_min_duration_statement": "0"],
        ["log_statement": "all", "log_duration": "on"],
        // auto_explain alone: each plan is the only record of its execution.
        ["log_min_duration_statement": "-1"],
    ]

    @Test(arguments: explainModes)
    func everyExecutionHasItsOwnPlanAndTextPlansReadLikeJSON(mode: [String: String]) throws {
        let settings = mode.merging(["session_preload_libraries": "auto_explain", "auto_explain.log_min_duration": "0",
                                     "auto_explain.log_analyze": "on"]) { $1 }
        let workload = "STATEMENTS=\"$(cat <<'SQL'\n\(Self.explainedStatements)\nSQL\n)\"\n" + Self.explainWorkload
        // The set-up, six pgbench runs and the marker.
        let paths = try Self.serverLogs(settings, workload: workload, disconnections: 8)

        let (report, problems) = analyze(paths)
        #expect(problems.isEmpty, "\(problems)")
        // Five statements, each (2 + 2 + 1) times per format, and the marker.
        #expect(report.summary.executions == 51)
        #expect(report.queries.count == 6)
        for query in report.queries {
            let plan = try #require(query.plan, "no plan for \(query.query)")
            let explained = try #require(try ExplainPlan.decode(logged: plan).queryText)
            #expect(try fingerprint(explained) == query.fingerprint, "\(query.query) has the plan of \(explained)")
        }
        if mode["log_min_duration_statement"] == "0" {
            let executed = try Self.loggedMilliseconds(paths, only: "execute ") + Self.loggedMilliseconds(paths, only: "statement: ")
            #expect(abs(report.queries.map(\.totalMs).reduce(0, +) - executed) < 0.0005)
        } else if mode["log_min_duration_statement"] == "-1" {
            let planned = try Self.loggedMilliseconds(paths, only: "plan:", includingPlans: true)
            #expect(planned > 0)
            #expect(abs(report.queries.map(\.totalMs).reduce(0, +) - planned) < 0.0005)
        }

        // Each execution, JSON and text alike, carries the plan of its own statement.
        var executions: [Execution] = []
        let assembler = StatementAssembler()
        for path in paths {
            let reader = try LogReader(input: LogInput(path: path))
            assembler.beginFile(path, continuing: true) { executions.append($0) }
            try reader.read { entry in assembler.add(entry) { executions.append($0) } }
        }
        assembler.finish { executions.append($0) }
        #expect(executions.count == 51)
        var byFormat: [Bool: [String: [ExplainPlan]]] = [:]
        for execution in executions {
            let text = try #require(execution.plan, "no plan for line \(execution.line)")
            let plan = try ExplainPlan.decode(logged: text)
            #expect(plan.queryText == execution.text)
            #expect(plan.isAnalyzed)
            byFormat[text.hasPrefix("{"), default: [:]][execution.text, default: []].append(plan)
        }
        let json = byFormat[true] ?? [:], text = byFormat[false] ?? [:]
        #expect(json.values.map(\.count).reduce(0, +) == 25)
        // The marker ran with the server's default format, text.
        #expect(text.values.map(\.count).reduce(0, +) == 26)
        // The text plans are the JSON plans, node for node (times aside: they were other runs).
        for (statement, plans) in json {
            let others = try #require(text[statement])
            #expect(plans.map(Self.shape) == others.map(Self.shape), "\(statement)")
        }
    }

    /// With `log_nested_statements`, the plan of a statement inside a function comes before its
    /// caller's, while the caller `log_statement` logged is still running: the caller keeps its
    /// own plan and its duration.
    @Test func aNestedStatementsPlanDoesNotTakeTheCallersPlace() throws {
        let workload = """
            set -eu
            PGOPTIONS="-c log_statement=none -c log_duration=off -c auto_explain.log_min_duration=-1" psql -X -q -v ON_ERROR_STOP=1 -c \\
                "CREATE FUNCTION counted() RETURNS bigint LANGUAGE plpgsql AS \\$\\$BEGIN RETURN (SELECT count(*) FROM generate_series(1, 1000)); END\\$\\$"
            psql -X -q -v ON_ERROR_STOP=1 -c "SELECT counted()" -c "SELECT 'end of the workload'" > /dev/null
            """
        let paths = try Self.serverLogs(["log_statement": "all", "log_duration": "on", "session_preload_libraries": "auto_explain",
                                         "auto_explain.log_min_duration": "0", "auto_explain.log_analyze": "on",
                                         "auto_explain.log_nested_statements": "on"], workload: workload, disconnections: 2)
        #expect(try paths.map(Self.contents).joined().contains("Query Text: (SELECT count(*) FROM generate_series(1, 1000))"))
        let (report, problems) = analyze(paths)
        #expect(problems.isEmpty, "\(problems)")
        #expect(report.summary.executions == 2)
        #expect(abs(report.queries.map(\.totalMs).reduce(0, +) - (try Self.loggedMilliseconds(paths))) < 0.0005)
        let plan = try #require(try report.query("SELECT counted()")?.plan)
        #expect(try ExplainPlan.decode(logged: plan).queryText == "SELECT counted()")
    }

    /// Everything a plan says but its times and memory, which differ from run to run.
    static func shape(_ plan: ExplainPlan) -> [String] {
        plan.nodes.map { node in
            let fields: [Any?] = [
                node.id, node.nodeType.name, node.parentRelationship, node.subplanName, node.relationName, node.schema,
                node.alias, node.indexName, node.joinType, node.strategy, node.scanDirection, node.startupCost,
                node.totalCost, node.planRows, node.planWidth, node.actualRows, node.actualLoops, node.neverExecuted,
                node.filter, node.indexCond, node.recheckCond, node.joinFilter, node.hashCond, node.mergeCond,
                node.rowsRemovedByFilter, node.rowsRemovedByJoinFilter, node.rowsRemovedByIndexRecheck, node.heapFetches, node.sortKey, node.sortMethod,
                node.sortSpaceType, node.hashBuckets, node.hashBatches, node.originalHashBatches, node.workersPlanned,
                node.workersLaunched, node.processes, node.children.count, node.actualTotalTime != nil,
            ]
            return fields.map { $0.map { "\($0)" } ?? "-" }.joined(separator: "|")
        }
    }
}
