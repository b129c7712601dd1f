import Foundation
import SargableCore
import Testing

@Suite("sargable command line")
struct CLITests {
    @Test func helpListsCommandsAndExitCodes() throws {
        let result = try Sargable.run(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("fingerprint"))
        #expect(result.stdout.contains("2  usage error"))
    }

    @Test("every command's help shows an example", arguments: ["fingerprint", "parse"])
    func commandHelpHasExamples(command: String) throws {
        let result = try Sargable.run([command, "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Examples:"))
        #expect(result.stdout.contains("sargable \(command)"))
    }

    @Test func usageErrorsExitTwoWithOneLine() throws {
        let missing = try Sargable.run(["fingerprint"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("give at least one path"))
        let unknown = try Sargable.run(["fingerprint", "--format", "yaml", "x.sql"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("yaml"))
    }

    @Test func unreadableFileIsOneClearLine() throws {
        let result = try Sargable.run(["fingerprint", "/nonexistent/q.sql"])
        #expect(result.status == 2)
        #expect(result.stderr == "sargable: error: cannot read '/nonexistent/q.sql': No such file or directory\n")
    }

    @Test func fingerprintReportsErrorsAndKeepsGoing() throws {
        let directory = try TemporaryDirectory()
        try directory.write("b.sql", "SELECT * FROM users WHERE id = 42;\nSELEC oops;\nselect * from users where id = 7;\n")
        try directory.write("a.sql", "-- é\nINSERT INTO t VALUES (1, 'x');\n")
        try directory.write("notes.txt", "not sql")
        let result = try Sargable.run(["fingerprint", directory.url.path])
        #expect(result.status == 2)
        let lines = result.stdout.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(lines.count == 3)
        // Directories are searched for *.sql, sorted by path.
        #expect(lines[0][0] == directory.path("a.sql") + ":2:1")
        #expect(lines[0][2] == "INSERT INTO t VALUES ($1, $2)")
        #expect(lines[1][0] == directory.path("b.sql") + ":1:1")
        #expect(lines[2][0] == directory.path("b.sql") + ":3:1")
        #expect(lines[1][1] == lines[2][1])
        #expect(lines[1][1].count == 16)
        #expect(result.stderr == "sargable: error: \(directory.path("b.sql")):2:1: syntax error at or near \"SELEC\"\n")
    }

    @Test func fingerprintReadsStandardInputAsJSON() throws {
        let result = try Sargable.run(["fingerprint", "--format", "json", "-"], stdin: "SELECT 1;\n\\gset\nSELECT 2")
        #expect(result.status == 0)
        let records = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(records.count == 2)
        #expect(records.first?["file"] as? String == "<stdin>")
        #expect(records.last?["line"] as? Int == 3)
        #expect(records.first?["fingerprint"] as? String == records.last?["fingerprint"] as? String)
        #expect(result.stderr.contains("sargable: note: <stdin>:2:1: psql meta-command \\gset skipped"))
    }

    /// Pure JSON (one document a line), so `sargable parse - | jq .` works.
    @Test func parsePrintsTheTreeAsJSONLines() throws {
        let result = try Sargable.run(["parse", "-"], stdin: "SELECT id FROM users;\n  SELECT 2")
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        let records = try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(records.map { $0["file"] as? String } == ["<stdin>", "<stdin>"])
        #expect(records.map { $0["line"] as? Int } == [1, 2])
        #expect(records.map { $0["column"] as? Int } == [1, 3])
        #expect(lines[0].contains(#""relname":"users""#))
        #expect(((records[1]["tree"] as? [String: Any])?["stmts"] as? [Any])?.count == 1)
    }

    /// One line in the form of every other error, naming the help of the command at fault.
    @Test("usage errors are one line with a hint to --help", arguments: [
        (["lint", "--format", "yaml", "x.sql"], "sargable: error: the value 'yaml' is invalid for '--format <format>'. Please provide one of 'text', 'json', 'sarif' or 'github'; see 'sargable lint --help'\n"),
        (["frobnicate"], "sargable: error: unexpected argument 'frobnicate'; see 'sargable --help'\n"),
        (["database", "run"], "sargable: error: give the command to run after --; see 'sargable database run --help'\n"),
        (["rules", "explain"], "sargable: error: missing expected argument '<id>'; see 'sargable rules explain --help'\n"),
    ])
    func usageErrorsAreOneLine(arguments: [String], expected: String) throws {
        let result = try Sargable.run(arguments)
        #expect(result.status == 2)
        #expect(result.stderr == expected)
        #expect(result.stdout.isEmpty)
    }

    /// psql meta-commands and COPY data are skipped, and said so: on stderr, or in the JSON.
    @Test func lintShowsWhatItSkipped() throws {
        let script = "SELECT id FROM users WHERE id = 1;\n\\gset\nCOPY users FROM stdin;\n1\n\\.\n"
        let text = try Sargable.run(["lint", "-"], stdin: script)
        #expect(text.status == 0)
        #expect(text.stderr == "sargable: note: <stdin>:2:1: psql meta-command \\gset skipped\nsargable: note: <stdin>:4:1: COPY data skipped\n")
        let json = try Sargable.run(["lint", "--format", "json", "-"], stdin: script)
        #expect(json.stderr.isEmpty)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let notes = try #require(report["notes"] as? [[String: Any]])
        #expect(notes.map { $0["kind"] as? String } == ["psqlMetaCommand", "copyData"])
        #expect(notes.map { $0["line"] as? Int } == [2, 4])
    }

    @Test func deepInputDoesNotCrashTheProcess() throws {
        let sql = "SELECT " + String(repeating: "1+", count: 200_000) + "1;\nSELECT 2;"
        let result = try Sargable.run(["fingerprint", "-"], stdin: sql)
        #expect(result.status == 0)
        #expect(result.stdout.split(separator: "\n").count == 2)
    }
}

extension CLITests {
    @Test func multiLineStatementsPrintOnOneLine() throws {
        let result = try Sargable.run(["fingerprint", "-"], stdin: "SELECT id\n    FROM users\n  WHERE id = 3;\nSELECT 1;")
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.hasSuffix("\tSELECT id FROM users WHERE id = $1") == true)
    }
}

/// Bytes that are nothing like SQL or a log, from a fixed seed so a failure can be replayed.
private func noise(seed: UInt64, count: Int) -> Data {
    var state = seed
    return Data((0 ..< count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 56)
    })
}

extension CLITests {
    @Test("random bytes never crash a command", arguments: [
        ["lint"], ["fingerprint"], ["analyze"], ["parse"],
    ])
    func randomBytesNeverCrash(command: [String]) throws {
        let directory = try TemporaryDirectory()
        for seed in 1 ... 3 {
            let file = directory.url.appendingPathComponent("noise-\(seed).sql")
            try noise(seed: UInt64(seed), count: 64 * 1024).write(to: file)
            let result = try Sargable.run(command + [file.path])
            // 0, 1 or 2 — never a signal, never a trap.
            #expect((0 ... 2).contains(result.status), "\(command) on seed \(seed): \(result.stderr.prefix(300))")
            #expect(!result.stderr.contains("Fatal error"))
        }
    }

    @Test func megabytesPassThroughStandardInputAndOutput() throws {
        let count = 60_000
        let sql = (1 ... count).map { "SELECT column_\($0) FROM table_\($0) WHERE id = \($0);\n" }.joined()
        let result = try Sargable.run(["fingerprint", "-"], stdin: sql)
        #expect(sql.utf8.count > 2_000_000)
        #expect(result.stdout.utf8.count > 4_000_000)
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == count)
        #expect(lines.last?.hasPrefix("<stdin>:\(count):1\t") == true, "\(lines.last ?? "")")
        #expect(lines.last?.hasSuffix("\tSELECT column_\(count) FROM table_\(count) WHERE id = $1") == true)
    }
}

@Suite("the rule catalogue on the command line")
struct RulesCommandTests {
    @Test func workloadRulesAreListedAndExplained() throws {
        let list = try Sargable.run(["rules"])
        #expect(list.status == 0)
        for id in ["n-plus-one", "row-by-row-insert", "repeated-identical-query", "unused-index", "plan-hotspot", "select-star"] {
            #expect(list.stdout.contains(id + " "), "\(id) is listed")
        }
        let explained = try Sargable.run(["rules", "explain", "n-plus-one"])
        #expect(explained.status == 0)
        #expect(explained.stdout.hasPrefix("n-plus-one (warning, workload): The same SELECT once per row of a previous result"))
        #expect(explained.stdout.contains("= ANY($1)"))
        #expect(explained.stdout.contains("statement: SELECT id, total_cents FROM orders WHERE user_id = 3"))
    }
}

extension CLITests {
    /// The same words on every command, each with its own default.
    @Test("--fail-on takes never, info, warning or error", arguments: [
        ["lint", "x.sql"], ["analyze", "x.log"], ["explain", "SELECT 1"],
    ])
    func failOnVocabulary(command: [String]) throws {
        for refused in ["none", "loud"] {
            let result = try Sargable.run(command + ["--fail-on", refused])
            #expect(result.status == 2)
            #expect(result.stderr.contains("Please provide one of 'never', 'info', 'warning' or 'error'; see 'sargable \(command[0]) --help'"))
        }
    }

    @Test func failOnDefaultsAndNever() throws {
        let directory = try TemporaryDirectory()
        try directory.write("q.sql", "DELETE FROM orders;\nSELEC 1;\n")
        #expect(try Sargable.run(["lint", directory.path("q.sql")]).status == 1)
        #expect(try Sargable.run(["lint", "--fail-on", "never", directory.path("q.sql")]).status == 0)
        // A statement that does not parse is an error: it fails at error, not past it.
        try directory.write("broken.sql", "SELEC 1;\n")
        #expect(try Sargable.run(["lint", "--fail-on", "error", directory.path("broken.sql")]).status == 1)
        let log = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("samples/logs/app.log").path
        #expect(try Sargable.run(["analyze", log]).status == 0)
        #expect(try Sargable.run(["analyze", "--fail-on", "warning", log]).status == 1)
    }
}

/// Runs `arguments` on a pseudo-terminal (util-linux `script`), as in an interactive shell.
private func onTerminal(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
    let command = ([Sargable.executable.path] + arguments).map { "'\($0)'" }.joined(separator: " ")
    var merged = Subprocess.environment(merging: environment)
    merged["TERM"] = environment["TERM"] ?? "xterm"
    if environment["NO_COLOR"] == nil { merged.removeValue(forKey: "NO_COLOR") }
    return try Subprocess("/usr/bin/script", ["-qec", command, "/dev/null"], environment: merged, errors: .inherit).run().outputText
}

extension CLITests {
    @Test func colourFollowsTheTerminalNoColorTermAndColor() throws {
        let directory = try TemporaryDirectory()
        try directory.write("q.sql", "DELETE FROM orders;\n")
        let file = directory.path("q.sql")
        let escape = "\u{1B}["
        #expect(try onTerminal(["lint", file]).contains(escape))
        #expect(!(try onTerminal(["lint", file], environment: ["NO_COLOR": "1"])).contains(escape))
        // An empty NO_COLOR is as good as unset (no-color.org).
        #expect(try onTerminal(["lint", file], environment: ["NO_COLOR": ""]).contains(escape))
        #expect(!(try onTerminal(["lint", file], environment: ["TERM": "dumb"])).contains(escape))
        #expect(!(try onTerminal(["lint", "--color", "never", file])).contains(escape))
        // Not a terminal: plain unless asked.
        #expect(!(try Sargable.run(["lint", file]).stdout.contains(escape)))
        #expect(try Sargable.run(["lint", "--color", "always", file], environment: ["NO_COLOR": "1"]).stdout.contains(escape))
        let log = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("samples/logs/app.log").path
        #expect(!(try onTerminal(["analyze", log], environment: ["NO_COLOR": "1"])).contains(escape))
        #expect(try onTerminal(["analyze", log]).contains(escape))
        #expect(try Sargable.run(["analyze", "--color", "always", log]).stdout.contains(escape))
    }
}

extension CLITests {
    /// A suppression trailing a statement on its line is about that statement, not the next one.
    @Test func trailingSuppressionSilencesItsOwnStatement() throws {
        let script = """
            SELECT * FROM users WHERE id = 1; -- sargable-ignore select-star: the export needs every column
            SELECT * FROM orders WHERE id = 2;
            -- sargable-ignore select-star: before its statement, as always
            SELECT * FROM items WHERE id = 3;
            SELECT 1; /* sargable-ignore select-star: leads the statement on its line */ SELECT * FROM carts WHERE id = 4;

            """
        let result = try Sargable.run(["lint", "--format", "json", "-"], stdin: script)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let findings = try #require(report["findings"] as? [[String: Any]])
        #expect(findings.map { "\($0["rule"] ?? ""):\($0["line"] ?? "")" } == ["select-star:2"])
    }
}

extension CLITests {
    /// Counts agree with their nouns, in the text and the HTML report alike.
    @Test func analyzeCountsAgreeWithTheirNouns() throws {
        let directory = try TemporaryDirectory()
        let log = (1 ... 3).map { "2024-05-01 10:00:0\($0).000 UTC [17]: LOG:  duration: 1.000 ms  statement: SELECT * FROM users WHERE id = 1\n" }
            .joined()
        try directory.write("app.log", log)
        let text = try Sargable.run(["analyze", directory.path("app.log")])
        #expect(text.stdout.contains("   | 3 executions, 1 distinct parameter set, 3.000 ms total over 2.0 s\n"), "\(text.stdout)")
        let html = try Sargable.run(["analyze", "--format", "html", directory.path("app.log")])
        #expect(html.stdout.contains("3 executions, 1 distinct parameter set, 3.000 ms total over 2.0 s"))
        #expect(!html.stdout.contains("parameter sets"))
    }

    /// The line under a shortened list counts what it leaves out with the right noun.
    @Test func analyzeCountsTheFindingsLeftOut() throws {
        let log = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("samples/logs/app.log").path
        let json = try Sargable.run(["analyze", "--format", "json", log])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let total = try #require(report["findings"] as? [Any]).count
        #expect(total > 2)
        let one = try Sargable.run(["analyze", "--top", String(total - 1), log])
        #expect(one.stdout.contains("… and 1 more finding (--top 0 shows all)\n"), "\(one.stdout)")
        let two = try Sargable.run(["analyze", "--top", String(total - 2), log])
        #expect(two.stdout.contains("… and 2 more findings (--top 0 shows all)\n"))
    }
}

extension CLITests {
    /// Every command and subcommand, read from the SUBCOMMANDS of each `--help` (wide, so names
    /// are not wrapped): commands added later are checked without editing this test.
    static let helpCommands: [[String]] = {
        var found: [[String]] = [], pending: [[String]] = [[]]
        while let command = pending.popLast() {
            found.append(command)
            guard let help = try? Sargable.run(command + ["--help"], environment: ["COLUMNS": "200"]).stdout else { continue }
            let lines = help.split(separator: "\n", omittingEmptySubsequences: false)
            guard let start = lines.firstIndex(of: "SUBCOMMANDS:") else { continue }
            for line in lines[(start + 1)...].prefix(while: { !$0.isEmpty }) where line.hasPrefix("  ") && !line.hasPrefix("   ") {
                if let name = line.split(separator: " ").first { pending.append(command + [String(name)]) }
            }
        }
        return found
    }()

    @Test func helpCommandsAreFound() {
        #expect(Self.helpCommands.count >= 10, "\(Self.helpCommands)")
        #expect(Self.helpCommands.contains(["database", "run"]))
    }

    /// At 80 columns every example line keeps its indent: none is wrapped mid-command.
    @Test("help examples fit 80 columns", arguments: helpCommands)
    func helpExamplesFit(command: [String]) throws {
        let result = try Sargable.run(command + ["--help"], environment: ["COLUMNS": "80"])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(of: "Examples:") else { return }
        for line in lines[(start + 1)...].prefix(while: { !$0.isEmpty }) {
            #expect(line.hasPrefix("  ") && line.count <= 80, "wrapped or too long: \(line)")
        }
    }
}
