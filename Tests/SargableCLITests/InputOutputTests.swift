import Foundation
import SargableCore
import Testing

/// Runs `script` with bash, `$SARGABLE` naming the executable, so redirections (`> /dev/full`,
/// `< /dev/zero`) and pipes (`| head -1`) are exactly what a user types. Every script runs its
/// commands under `timeout`, so an endless walk or read fails the test (status 124) instead of
/// hanging the suite.
func shell(_ script: String, in directory: URL? = nil) throws -> CommandResult {
    let scratch = try TemporaryDirectory()
    let outputURL = scratch.url.appendingPathComponent("stdout"), errorURL = scratch.url.appendingPathComponent("stderr")
    try Data().write(to: outputURL)
    try Data().write(to: errorURL)
    // Files, not pipes: a command may leave a background process behind that keeps a pipe open.
    let result = try Subprocess("/bin/bash", ["-c", script],
                                environment: Subprocess.environment(merging: ["SARGABLE": Sargable.executable.path]),
                                directory: directory?.path, output: .file(outputURL.path), errors: .file(errorURL.path)).run()
    return CommandResult(status: result.status,
                         stdout: try String(contentsOf: outputURL, encoding: .utf8),
                         stderr: try String(contentsOf: errorURL, encoding: .utf8))
}

/// How many statements per line of `fingerprint` output came from each file.
private func fingerprintedFiles(_ stdout: String) -> [String: Int] {
    var counts: [String: Int] = [:]
    for line in stdout.split(separator: "\n") {
        let location = line.split(separator: "\t")[0]
        counts[String(location.split(separator: ":")[0]), default: 0] += 1
    }
    return counts
}

@Suite("input walks, read bounds and checked output")
struct InputOutputTests {
    /// A tree with two symlinks to `.`, a symlink to a sibling directory and a second name for a file.
    private func loopingTree() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try directory.write("a.sql", "SELECT 1;\n")
        try directory.write("sub/b.sql", "SELECT 2;\n")
        try directory.write("app.log", "2024-05-01 10:00:00 UTC [1]: LOG:  duration: 1.000 ms  statement: SELECT 1\n")
        let links = FileManager.default
        try links.createSymbolicLink(atPath: directory.path("loop1"), withDestinationPath: ".")
        try links.createSymbolicLink(atPath: directory.path("loop2"), withDestinationPath: ".")
        try links.createSymbolicLink(atPath: directory.path("sub/up"), withDestinationPath: "..")
        try links.createSymbolicLink(atPath: directory.path("sub-again"), withDestinationPath: "sub")
        try links.createSymbolicLink(atPath: directory.path("alias.sql"), withDestinationPath: "a.sql")
        return directory
    }

    @Test func symlinkLoopsEndAndEveryFileIsReadOnce() throws {
        let directory = try loopingTree()
        let result = try shell("timeout 60 \"$SARGABLE\" fingerprint '\(directory.url.path)'")
        #expect(result.status == 0, "\(result.stderr)")
        // alias.sql is a.sql by another name; sub-again/b.sql is sub/b.sql.
        #expect(fingerprintedFiles(result.stdout) == [directory.path("a.sql"): 1, directory.path("sub/b.sql"): 1])
        let notes = result.stderr.split(separator: "\n").map(String.init)
        #expect(notes.contains("sargable: note: skipping '\(directory.path("loop1"))': directory already visited (symlink loop)"))
        #expect(notes.contains("sargable: note: skipping '\(directory.path("loop2"))': directory already visited (symlink loop)"))
        #expect(notes.contains("sargable: note: skipping '\(directory.path("sub/up"))': directory already visited (symlink loop)"))
        // Reached twice, but not from inside itself: no loop, just already done.
        #expect(notes.contains("sargable: note: skipping '\(directory.path("sub-again"))': directory already visited"))
        #expect(notes.count == 4)
    }

    @Test("lint and analyze end on a looping tree", arguments: ["lint", "analyze --format json"])
    func loopingTreeEnds(command: String) throws {
        let directory = try loopingTree()
        let result = try shell("timeout 60 \"$SARGABLE\" \(command) '\(directory.url.path)'")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("directory already visited (symlink loop)"))
        if command == "lint" { #expect(result.stdout.contains("no findings in 2 files, 2 statements")) }
        else { #expect(result.stdout.contains(#""executions":1"#)) }
    }

    @Test func nonRegularFilesInADirectoryAreSkippedWithANote() throws {
        let directory = try TemporaryDirectory()
        try directory.write("a.sql", "SELECT 1;\n")
        #expect(mkfifo(directory.path("fifo.sql"), 0o600) == 0)
        try FileManager.default.createSymbolicLink(atPath: directory.path("zero.sql"), withDestinationPath: "/dev/zero")
        try FileManager.default.createSymbolicLink(atPath: directory.path("zero.log"), withDestinationPath: "/dev/zero")
        let lint = try shell("timeout 60 \"$SARGABLE\" lint '\(directory.url.path)'")
        #expect(lint.status == 0, "\(lint.stderr)")
        #expect(lint.stdout.contains("no findings in 1 file"))
        #expect(lint.stderr == """
            sargable: note: skipping '\(directory.path("fifo.sql"))': not a regular file (a FIFO)
            sargable: note: skipping '\(directory.path("zero.sql"))': not a regular file (a character device)

            """)
        let analyze = try shell("timeout 60 \"$SARGABLE\" analyze '\(directory.url.path)'")
        #expect(analyze.stderr == "sargable: note: skipping '\(directory.path("zero.log"))': not a regular file (a character device)\n")
    }

    @Test func pathsNamedExplicitlyMayBeNonRegular() throws {
        let result = try shell(#"echo 'SELECT 1' | timeout 60 "$SARGABLE" fingerprint /dev/stdin"#)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("/dev/stdin:1:1\t"))
    }

    @Test func endlessStandardInputStopsAtTheBound() throws {
        let sql = try shell(#"timeout 120 "$SARGABLE" lint - </dev/zero"#)
        #expect(sql.status == 2)
        #expect(sql.stderr == "sargable: error: cannot read '<stdin>': input larger than 1 GiB\n")
        let log = try shell(#"timeout 120 "$SARGABLE" analyze - </dev/zero"#)
        #expect(log.status == 2)
        #expect(log.stderr == "sargable: error: <stdin>: line 1 is longer than 256 MiB\n")
    }

    @Test func readBoundHoldsForFilesAndStreams() throws {
        let directory = try TemporaryDirectory()
        let exact = try directory.write("exact.sql", String(repeating: "x", count: 4096))
        #expect(try InputFiles.read(exact.path, limit: 4096).count == 4096)
        #expect(throws: InputError.self) { try InputFiles.read(exact.path, limit: 4095) }
        do {
            _ = try InputFiles.read("/dev/zero", limit: 1 << 20)
            Issue.record("an endless device was read to the end")
        } catch {
            #expect(error.description == "cannot read '/dev/zero': input larger than 1 MiB")
        }
        #expect(InputFiles.byteCount(1 << 30) == "1 GiB")
        #expect(InputFiles.byteCount(256 << 20) == "256 MiB")
        #expect(InputFiles.byteCount(1000) == "1000 bytes")
    }

    @Test("a full disk is an error, exit 2", arguments: [
        "lint samples/queries/users.sql --fail-on error", "fingerprint samples/queries", "parse samples/queries/users.sql",
        "rules", "rules --markdown", "rules explain select-star", "analyze samples/logs/app.log", "--help",
    ])
    func fullDiskIsAnError(command: String) throws {
        let result = try shell("timeout 60 \"$SARGABLE\" \(command) > /dev/full", in: packageRoot)
        #expect(result.status == 2)
        #expect(result.stderr.hasSuffix("sargable: error: cannot write to standard output: No space left on device\n"))
    }

    @Test func lostDiagnosticsAreAnError() throws {
        // A note on stderr and nothing else wrong: exit 0 normally, 2 when the note cannot be written.
        let result = try shell(#"printf 'SELECT 1;\n\\gset\n' | timeout 60 "$SARGABLE" fingerprint - 2>/dev/full; echo "status=$?""#)
        #expect(result.stdout.hasSuffix("status=2\n"))
    }

    @Test func aReaderThatStopsEarlyEndsTheOutputQuietly() throws {
        let directory = try TemporaryDirectory()
        // Far more than a pipe holds, so the writer must meet the closed pipe.
        let file = try directory.write("big.sql", String(repeating: "SELECT * FROM users WHERE id = 1;\n", count: 30_000))
        let result = try shell("""
            timeout 60 "$SARGABLE" fingerprint '\(file.path)' | head -1; echo "fingerprint=${PIPESTATUS[0]}"
            timeout 60 "$SARGABLE" lint '\(file.path)' | head -1 >/dev/null; echo "lint=${PIPESTATUS[0]}"
            """)
        #expect(result.stderr == "")
        // Not 141 (killed by SIGPIPE); lint keeps the status its findings give it.
        #expect(result.stdout.hasSuffix("fingerprint=0\nlint=1\n"))
        #expect(result.stdout.hasPrefix("\(file.path):1:1\t"))
    }
}

/// The package's root, where `samples/` is: tests run from anywhere.
private let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
