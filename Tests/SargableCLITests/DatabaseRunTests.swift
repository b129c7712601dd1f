import Foundation
import SargableCore
import SargablePostgres
import Testing

/// `database run`'s command as a shell's foreground job: it owns the terminal, signals sent to
/// sargable reach it, and the server is deleted after it, whatever ended it.
@Suite(.enabled(if: TemporaryPostgres.isAvailable, "needs PostgreSQL server programs (Debian: postgresql-15)"))
struct DatabaseRunTests {
    /// The throwaway server's directory, from the note `database run` prints when it is ready.
    private func serverDirectory(_ stderr: String) -> String? {
        guard let line = stderr.split(separator: "\n").first(where: { $0.contains("throwaway PostgreSQL ready") }),
              let at = line.range(of: " at ", options: .backwards) else { return nil }
        return String(line[at.upperBound...])
    }

    @Test func theCommandReadsTheTerminal() throws {
        // On a pseudo-terminal; a command outside the foreground group would be stopped (SIGTTIN)
        // at its first read and never answer, which `timeout` turns into a failure.
        let command = "'\(Sargable.executable.path)' database run -- sh -c 'read line; echo got:$line; exit 3'"
        let result = try Subprocess("/bin/bash", ["-c", "(sleep 1; echo hello) | timeout 60 script -qec \"$COMMAND\" /dev/null"],
                                    environment: Subprocess.environment(merging: ["COMMAND": command]), errors: .inherit).run()
        #expect(result.outputText.contains("got:hello"), "\(result.outputText)")
        #expect(result.status == 3)
    }

    @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
    func aSignalToSargableReachesTheCommandAndTheServerIsDeleted(_ signalNumber: Int32) throws {
        let directory = try TemporaryDirectory()
        let pidFile = directory.path("child.pid")
        // The trap ends the sleep too: a background job of a non-interactive shell ignores SIGINT,
        // and would hold sargable's stderr open for its minute.
        let process = try Subprocess(Sargable.executable.path, ["database", "run", "--", "sh", "-c",
                                                                "trap 'kill $!; exit 5' INT TERM HUP; echo $$ > '\(pidFile)'; sleep 60 & wait"],
                                     output: .discard).start()
        var child: pid_t?
        // Polled often, so the signal can come right after the command starts, when a gap in
        // sargable's hand-over of signals would lose it.
        for _ in 0 ..< 30_000 where process.isRunning {
            if let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                child = pid
                break
            }
            usleep(1_000)
        }
        let pid = try #require(child)
        // To sargable's pid alone, as `kill PID` or a supervisor sends it.
        process.send(signalNumber)
        let result = process.wait()
        let stderr = result.errorText
        #expect(result.status == 5, "\(stderr)")
        #expect(kill(pid, 0) == -1 && errno == ESRCH, "the command is still running")
        let server = try #require(serverDirectory(stderr))
        #expect(!FileManager.default.fileExists(atPath: server))
    }

    @Test func aCommandEndedByASignalExitsWith128PlusIt() throws {
        let result = try Sargable.run(["database", "run", "--", "sh", "-c", "kill -KILL $$"])
        #expect(result.status == 128 + SIGKILL)
    }
}
