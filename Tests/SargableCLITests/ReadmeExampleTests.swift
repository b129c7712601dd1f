import Foundation
import SargablePostgres
import Testing

/// Every shell example in the README, run as written with the built `sargable` first on PATH, in a
/// git work tree holding `samples/` and the placeholder inputs the examples name, made from the
/// samples: `db/` (the sample queries, one of them changed), `query.sql`, `postgresql.log`,
/// `postgresql.log.gz`, `postgresql.csv`, and an `origin/main` to diff against. An example passes
/// when it exits 0 or 1 (findings) without an error line, within 5 minutes.
///
/// Not run here: `scripts/…` and `make install` (CI's own jobs; scripts/test runs
/// scripts/check-install), `docker …` (needs Docker), and examples naming a server by URL
/// (`--database postgresql://…`, which needs that server), and `sargable check plans.yml` (a plans
/// file the README describes but does not ship). `explain` without `--database`, and commands with
/// `--database ''`, need a server from the `PG*` environment: they run inside `sargable database
/// run` loaded with the samples. `schema.sql`, `data.sql` and `queries.sql` are the samples' too.
struct ReadmeExampleTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The commands of the README's indented code blocks: lines that start with `sargable`, `echo`
    /// or `git`, with their `\` continuation lines; output lines and fenced blocks (YAML) are not commands.
    static let commands: [String] = {
        guard let text = try? String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8) else { return [] }
        var commands: [String] = []
        var fenced = false, previousBlank = true, inBlock = false
        var pending: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            defer { previousBlank = line.trimmingCharacters(in: .whitespaces).isEmpty }
            if line.hasPrefix("```") { fenced.toggle(); continue }
            if fenced { continue }
            if let command = pending {
                pending = nil
                let joined = command + "\n" + line
                if line.hasSuffix("\\") { pending = joined } else { commands.append(joined) }
                continue
            }
            inBlock = line.hasPrefix("    ") && (inBlock || previousBlank)
            guard inBlock else { continue }
            let code = line.dropFirst(4)
            guard ["sargable ", "echo ", "git "].contains(where: { code.hasPrefix($0) }) else { continue }
            if code.hasSuffix("\\") { pending = String(code) } else { commands.append(String(code)) }
        }
        return commands
    }()

    static let needsANamedServer = "--database postgresql://"

    @Test func theREADMEHasExamples() {
        #expect(Self.commands.count >= 15, "\(Self.commands)")
        #expect(Self.commands.contains { $0.hasPrefix("sargable database run --load samples/migrations") && $0.contains("\n") })
    }

    /// `check` reads a plans file the README describes but does not ship.
    static let needsAPlansFile = "sargable check plans.yml"

    @Test("a README example runs as written",
          arguments: commands.filter { !$0.contains(needsANamedServer) && !$0.hasPrefix(needsAPlansFile) })
    func runsAsWritten(_ command: String) throws {
        let needsServer = command.hasPrefix("sargable database run") || command.contains("sargable explain")
            || command.contains("--database ''")
        if needsServer, !TemporaryPostgres.isAvailable { return }
        let workTree = try TemporaryDirectory()
        let setup = """
            set -e
            cp -R \(quoted(Self.root.appendingPathComponent("samples").path)) samples
            mkdir db && cp samples/queries/*.sql db/
            printf 'SELECT id, email FROM users WHERE id = $1;\\n' > query.sql
            cp samples/logs/app.log postgresql.log && gzip -c samples/logs/app.log > postgresql.log.gz
            cp samples/logs/app.csv postgresql.csv
            cat samples/migrations/*.sql > schema.sql && cp samples/database/seed.sql data.sql
            cat samples/queries/*.sql > queries.sql
            git init -q && git add -A && git -c user.name=t -c user.email=t@example.com commit -qm samples
            git update-ref refs/remotes/origin/main HEAD
            echo 'SELECT * FROM orders;' >> db/orders.sql
            """
        let prepared = try shell(setup, in: workTree.url)
        try #require(prepared.status == 0, "\(prepared.stderr)")
        // Inside `database run`, so `explain` finds a server loaded with the samples through PG*.
        let script = command.hasPrefix("sargable explain") || (command.contains("--database ''") && !command.hasPrefix("sargable database run"))
            ? "sargable database run --load samples/migrations --load samples/database/seed.sql -- sh -c \(quoted(command))"
            : command
        let path = "PATH=\(quoted(Sargable.executable.deletingLastPathComponent().path)):$PATH\n"
        let result = try shell("timeout 300 bash -c \(quoted(path + script))", in: workTree.url)
        // xargs reports a command's exit 1 (findings) as 123; errors are caught by their message.
        let findings: Set<Int32> = command.contains("| xargs") ? [1, 123] : [1]
        #expect(result.status == 0 || findings.contains(result.status), "exit \(result.status): \(result.stderr)")
        #expect(!result.stderr.contains("sargable: error:"), "\(result.stderr)")
    }

    private func quoted(_ text: String) -> String { "'" + text.replacing("'", with: "'\\''") + "'" }
}
