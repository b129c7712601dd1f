#if canImport(Glibc)
import Glibc
#endif
import SargableCore
import Testing

struct SubprocessTests {
    /// Far more than a pipe holds (64 KiB) each way: the input is written while both outputs
    /// drain, or the child would block writing while this side blocks writing to it.
    @Test func writesTheInputWhileBothOutputsDrain() throws {
        let input = (0 ..< 40_000).map { "line \($0)\n" }.joined()
        let result = try Subprocess("/bin/sh", ["-c", "tee /dev/stderr | tr a-z A-Z"], input: .bytes(Array(input.utf8))).run()
        #expect(result.status == 0)
        #expect(result.signal == nil)
        #expect(result.errorText == input)
        #expect(result.outputText == input.uppercased())
    }

    @Test func aChildThatDoesNotReadItsInputEndsTheWrite() throws {
        let result = try Subprocess("/bin/sh", ["-c", "exit 7"], input: .bytes(Array(repeating: 65, count: 1 << 20))).run()
        #expect(result.status == 7)
    }

    @Test func aSignalIsReportedAs128PlusIt() throws {
        let result = try Subprocess("/bin/sh", ["-c", "kill -TERM $$"]).run()
        #expect(result.signal == SIGTERM)
        #expect(result.status == 128 + SIGTERM)
    }

    @Test func runsInTheDirectoryWithTheEnvironmentGiven() throws {
        let result = try Subprocess("sh", ["-c", "pwd; echo \"$GREETING\"; echo oops >&2"],
                                    environment: Subprocess.environment(merging: ["GREETING": "hello there"]),
                                    directory: "/usr/share", errors: .standardOutput).run()
        #expect(result.outputText == "/usr/share\nhello there\noops\n")
        #expect(result.errors.isEmpty)
    }

    @Test func aMissingProgramIsAOneLineError() {
        #expect {
            try Subprocess("/nonexistent/sargable-test-program").run()
        } throws: { error in
            (error as? Subprocess.SpawnError)?.message == "cannot run /nonexistent/sargable-test-program: No such file or directory"
        }
    }

    @Test func aStartedProgramCanBeSignalledAndCollected() throws {
        let running = try Subprocess("/bin/sh", ["-c", "trap 'echo caught; exit 5' TERM; echo ready; while :; do sleep 0.01; done"]).start()
        #expect(running.isRunning)
        usleep(200_000)
        running.send(SIGTERM)
        let result = running.wait()
        #expect(result.status == 5)
        #expect(result.outputText == "ready\ncaught\n")
        #expect(!running.isRunning)
    }
}
