import Foundation
import SargableCore
import Testing

/// The rule and file of each finding in `lint --format json` output.
private func findings(_ stdout: String) throws -> [(rule: String, file: String)] {
    let report = try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
    let findings = try #require(report["findings"] as? [[String: Any]])
    return findings.map { ($0["rule"] as? String ?? "", $0["file"] as? String ?? "") }
}

/// The files with findings, sorted.
private func reportedFiles(_ stdout: String) throws -> [String] {
    Array(Set(try findings(stdout).map(\.file))).sorted()
}

/// Runs git in `directory`, failing the test when git does.
private func git(_ arguments: [String], in directory: TemporaryDirectory) throws {
    let result = try Subprocess("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main"]
                                    + arguments, directory: directory.url.path, output: .discard).run()
    try #require(result.status == 0, "git \(arguments.joined(separator: " ")): \(result.errorText)")
}

@Suite("lint in CI: changed files, file lists, command-line settings")
struct LintCIRecipeTests {
    static let selectStar = "SELECT * FROM users;\n"

    /// A repository on `main` with three committed files, then a branch `feature` that changes one,
    /// deletes one, adds one untracked and one non-SQL file.
    private func repository() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try directory.write("db/a.sql", "SELECT id FROM users WHERE id = 1;\n")
        try directory.write("db/b.sql", Self.selectStar)
        try directory.write("db/c.sql", Self.selectStar)
        try git(["init", "-q"], in: directory)
        try git(["add", "."], in: directory)
        try git(["commit", "-q", "-m", "base"], in: directory)
        try git(["checkout", "-q", "-b", "feature"], in: directory)
        try directory.write("db/a.sql", Self.selectStar)
        try git(["commit", "-q", "-am", "change a"], in: directory)
        try FileManager.default.removeItem(at: directory.url.appendingPathComponent("db/b.sql"))
        try directory.write("db/new.sql", Self.selectStar)
        try directory.write("db/notes.txt", "not sql")
        return directory
    }

    @Test func changedLintsChangedAndUntrackedFilesAndSkipsDeletedOnes() throws {
        let directory = try repository()
        // Bare --changed: against HEAD, so the committed change to a.sql is not in it.
        let uncommitted = try Sargable.run(["lint", "--format", "json", "--changed"], directory: directory.url)
        #expect(uncommitted.status == 1, "\(uncommitted.stderr)")
        #expect(try reportedFiles(uncommitted.stdout) == ["db/new.sql"])
        let branch = try Sargable.run(["lint", "--format", "json", "--changed=main"], directory: directory.url)
        #expect(branch.status == 1, "\(branch.stderr)")
        #expect(try reportedFiles(branch.stdout) == ["db/a.sql", "db/new.sql"])
        #expect(branch.stderr.isEmpty)
        // Paths narrow the change.
        let narrowed = try Sargable.run(["lint", "--format", "json", "--changed=main", "db/a.sql"], directory: directory.url)
        #expect(try reportedFiles(narrowed.stdout) == ["db/a.sql"])
    }

    @Test func nothingChangedIsACleanRunWithANote() throws {
        let directory = try repository()
        try git(["add", "-A"], in: directory)
        try git(["commit", "-q", "-m", "all"], in: directory)
        let result = try Sargable.run(["lint", "--changed"], directory: directory.url)
        #expect(result.status == 0)
        #expect(result.stderr == "sargable: note: no SQL file changed since HEAD\n")
        #expect(result.stdout == "no findings in 0 files, 0 statements\n")
        let sarif = try Sargable.run(["lint", "--format", "sarif", "--changed"], directory: directory.url)
        #expect(sarif.status == 0)
        #expect(try JSONSerialization.jsonObject(with: Data(sarif.stdout.utf8)) is [String: Any])
    }

    @Test func changedBeforeTheFirstCommitLintsStagedAndUntrackedFiles() throws {
        let directory = try TemporaryDirectory()
        try directory.write("staged.sql", Self.selectStar)
        try directory.write("gone.sql", Self.selectStar)
        try git(["init", "-q"], in: directory)
        try git(["add", "staged.sql", "gone.sql"], in: directory)
        try FileManager.default.removeItem(atPath: directory.path("gone.sql"))
        try directory.write("new.sql", Self.selectStar)
        let result = try Sargable.run(["lint", "--changed", "--format", "json"], directory: directory.url)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(try reportedFiles(result.stdout) == ["new.sql", "staged.sql"])
        // A base that names nothing is still an error.
        let named = try Sargable.run(["lint", "--changed=origin/main"], directory: directory.url)
        #expect(named.status == 2)
    }

    @Test func changedOutsideARepositoryIsOneLine() throws {
        let directory = try TemporaryDirectory()
        let result = try Sargable.run(["lint", "--changed"], directory: directory.url)
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("sargable: error: --changed: git diff failed: "))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test func aFileListSkipsDeletedFilesAndMayBeEmpty() throws {
        let directory = try TemporaryDirectory()
        try directory.write("a.sql", Self.selectStar)
        let result = try Sargable.run(["lint", "--format", "json", "--files-from", "-"], stdin: "a.sql\n\ngone.sql\n",
                                      directory: directory.url)
        #expect(result.status == 1)
        #expect(try reportedFiles(result.stdout) == ["a.sql"])
        #expect(result.stderr == "sargable: note: skipped gone.sql from <stdin>: it does not exist (deleted?)\n")
        let empty = try Sargable.run(["lint", "--files-from", "-"], stdin: "", directory: directory.url)
        #expect(empty.status == 0)
        #expect(empty.stderr == "sargable: note: no path to lint in <stdin>\n")
        // Without a list, no path is still a usage error.
        let none = try Sargable.run(["lint"], directory: directory.url)
        #expect(none.status == 2)
    }

    @Test func settingsOnTheCommandLineWorkAsInTheConfiguration() throws {
        let directory = try TemporaryDirectory()
        try directory.write("q.sql", "SELECT * FROM users;\nDELETE FROM orders;\n")
        try directory.write("legacy/old.sql", Self.selectStar)
        try directory.write("m.sql", "ALTER TABLE users ADD COLUMN flag boolean DEFAULT false;\n")
        let all = try findings(try Sargable.run(["lint", "--format", "json", "q.sql", "legacy"], directory: directory.url).stdout)
        #expect(Set(all.map(\.rule)).isSuperset(of: ["select-star", "unfiltered-write"]))
        #expect(all.contains { $0.file == "legacy/old.sql" })

        let excluded = try Sargable.run(["lint", "--format", "json", "--exclude", "legacy/*.sql", "q.sql", "legacy"],
                                        directory: directory.url)
        #expect(!(try findings(excluded.stdout)).contains { $0.file == "legacy/old.sql" })

        let only = try Sargable.run(["lint", "--format", "json", "--rules", "select-star", "q.sql"], directory: directory.url)
        #expect(Set(try findings(only.stdout).map(\.rule)) == ["select-star"])
        let without = try Sargable.run(["lint", "--format", "json", "--exclude-rules", "select-star,unused-suppression",
                                         "q.sql"], directory: directory.url)
        #expect(!(try findings(without.stdout)).contains { $0.rule == "select-star" })
        #expect((try findings(without.stdout)).contains { $0.rule == "unfiltered-write" })

        // Naming an opt-in rule turns it on.
        try directory.write("t.sql", "CREATE TABLE notes (id bigint PRIMARY KEY, body varchar(200));\n")
        #expect(!(try findings(try Sargable.run(["lint", "--format", "json", "t.sql"], directory: directory.url).stdout))
            .contains { $0.rule == "varchar-column" })
        let optIn = try Sargable.run(["lint", "--format", "json", "--rules", "varchar-column", "t.sql"], directory: directory.url)
        #expect(try findings(optIn.stdout).map(\.rule) == ["varchar-column"])

        let unknown = try Sargable.run(["lint", "--rules", "select-star,no-such-rule", "q.sql"], directory: directory.url)
        #expect(unknown.status == 2)
        #expect(unknown.stderr == "sargable: error: --rules: unknown rule 'no-such-rule'; `sargable rules` lists them\n")

        // A constant default rewrites the table only before PostgreSQL 11.
        let old = try Sargable.run(["lint", "--format", "json", "--postgres-version", "10", "m.sql"], directory: directory.url)
        #expect((try findings(old.stdout)).contains { $0.rule == "adding-volatile-default" })
        let current = try Sargable.run(["lint", "--format", "json", "--postgres-version", "15", "m.sql"], directory: directory.url)
        #expect(!(try findings(current.stdout)).contains { $0.rule == "adding-volatile-default" })
        #expect(try Sargable.run(["lint", "--postgres-version", "150", "m.sql"], directory: directory.url).status == 2)
    }

    @Test func standardInputFindingsCarryTheGivenPath() throws {
        let directory = try TemporaryDirectory()
        let named = try Sargable.run(["lint", "--format", "json", "--stdin-filepath", "db/q.sql", "-"], stdin: Self.selectStar,
                                     directory: directory.url)
        #expect(try reportedFiles(named.stdout) == ["db/q.sql"])
        // Exclude globs see that path too.
        let excluded = try Sargable.run(["lint", "--format", "json", "--stdin-filepath", "db/q.sql", "--exclude", "db/*", "-"],
                                        stdin: Self.selectStar, directory: directory.url)
        #expect(try findings(excluded.stdout).isEmpty)
    }

    @Test func aSchemaFileIsNeverReportedOn() throws {
        let directory = try TemporaryDirectory()
        try directory.write("schema.sql", "CREATE TABLE users (id bigint PRIMARY KEY, email text);\nSELECT * FROM users;\n")
        try directory.write("q.sql", Self.selectStar)
        let result = try Sargable.run(["lint", "--format", "json", "--schema", "schema.sql", "."], directory: directory.url)
        #expect(try reportedFiles(result.stdout) == ["./q.sql"])
    }

    /// The GitHub Action's lint step, run as the action runs it, on a pull request's branch.
    @Test func actionLintStepWritesSARIFOfTheChangedFilesAndItsStatus() throws {
        let directory = try repository()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/action-lint")
        let outputs = directory.path("outputs")
        func step(_ environment: [String: String]) throws -> (status: Int32, sarif: [String: Any], outputs: String) {
            try? FileManager.default.removeItem(atPath: outputs)
            let result = try Subprocess(script.path, environment: Subprocess.environment(merging:
                ["SARGABLE": Sargable.executable.path, "SARIF_FILE": "out.sarif", "GITHUB_OUTPUT": outputs].merging(environment) { $1 }),
                                        directory: directory.url.path, output: .discard, errors: .discard).run()
            let sarif = (try? Data(contentsOf: directory.url.appendingPathComponent("out.sarif")))
                .flatMap { try? JSONSerialization.jsonObject(with: $0) }
            return (result.status, sarif as? [String: Any] ?? [:],
                    (try? String(contentsOfFile: outputs, encoding: .utf8)) ?? "")
        }
        func uris(_ sarif: [String: Any]) -> Set<String> {
            let results = ((sarif["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]]) ?? []
            return Set(results.compactMap {
                (($0["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
                    .flatMap { ($0["artifactLocation"] as? [String: Any])?["uri"] as? String }
            })
        }
        let pullRequest = try step(["BASE": "main", "PATHS": "db"])
        #expect(pullRequest.status == 0)
        #expect(pullRequest.outputs == "status=1\n")
        #expect(uris(pullRequest.sarif) == ["db/a.sql", "db/new.sql"])
        // A new branch's push has no `before`: every file under the paths.
        let push = try step(["BASE": "0000000000000000000000000000000000000000", "PATHS": "db", "FAIL_ON": "error"])
        #expect(push.status == 0)
        #expect(push.outputs == "status=0\n")
        #expect(uris(push.sarif) == ["db/a.sql", "db/c.sql", "db/new.sql"])
        let broken = try step(["BASE": "no-such-branch"])
        #expect(broken.status == 1)
        #expect(broken.outputs == "status=2\n")
    }

    /// Inside a work tree a directory walk skips what .gitignore ignores; a file named is read.
    @Test func directoryWalksRespectGitignore() throws {
        let directory = try TemporaryDirectory()
        try directory.write(".gitignore", "build/\n*.generated.sql\n")
        try directory.write("db/q.sql", Self.selectStar)
        try directory.write("db/build/out.sql", Self.selectStar)
        try directory.write("db/x.generated.sql", Self.selectStar)
        func linted(_ arguments: [String]) throws -> [String] {
            try reportedFiles(try Sargable.run(["lint", "--format", "json"] + arguments, directory: directory.url).stdout)
        }
        // Not yet a work tree: nothing to respect.
        #expect(try linted(["db"]) == ["db/build/out.sql", "db/q.sql", "db/x.generated.sql"])
        try git(["init", "-q"], in: directory)
        #expect(try linted(["db"]) == ["db/q.sql"])
        #expect(try linted(["db", "db/build/out.sql"]) == ["db/build/out.sql", "db/q.sql"])
        #expect(try linted(["--no-gitignore", "db"]) == ["db/build/out.sql", "db/q.sql", "db/x.generated.sql"])
        // An ignored directory named on the command line is read, as a named file is.
        #expect(try linted(["db/build"]) == ["db/build/out.sql"])
        let fingerprinted = try Sargable.run(["fingerprint", "db"], directory: directory.url)
        #expect(fingerprinted.stdout.split(separator: "\n").map { $0.split(separator: ":").first.map(String.init) } == ["db/q.sql"])
    }

    /// `--jobs 1` (one thread reads, parses and lints) reports what the default threads report,
    /// byte for byte; a count outside 1…64 is a usage error.
    @Test func oneJobReportsWhatEveryCoreReports() throws {
        let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("samples").path
        let parallel = try Sargable.run(["lint", "--format", "json", samples + "/migrations", samples + "/queries"])
        let single = try Sargable.run(["lint", "--format", "json", "--jobs", "1", samples + "/migrations", samples + "/queries"])
        #expect(parallel.status == 1, "\(parallel.stderr)")
        #expect(try !findings(parallel.stdout).isEmpty)
        #expect(single.status == parallel.status)
        #expect(single.stdout == parallel.stdout)
        let refused = try Sargable.run(["lint", "--jobs", "0", samples + "/queries"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("--jobs must be between 1 and 64"))
    }
}
