import Foundation
import SargableLogs
import SargablePostgres
import Testing

/// The peak of sessions open at once, on logs a throwaway server wrote while this suite held
/// `held` sessions open together: exact from log_connections and log_disconnections, else
/// estimated from the statements, and still read from a log with a bad line and a cut-off end.
@Suite(.enabled(if: TemporaryPostgres.isAvailable, "no PostgreSQL server programs installed"))
struct SessionPeakTests {
    static let held = 5
    static let withConnectionLines = Result { try sessionsLog(connectionLines: true) }
    static let withoutConnectionLines = Result { try sessionsLog(connectionLines: false) }

    /// `held` sessions, each running a statement after connecting and another once all are open,
    /// so they overlap by either measure; then all close.
    static func sessionsLog(connectionLines: Bool) throws -> String {
        let server = try TemporaryPostgres.start(TemporaryPostgres.Configuration(settings: [
            "logging_collector": "on", "log_directory": "log", "log_filename": "postgresql",
            "log_min_duration_statement": "0", "log_line_prefix": "%m [%p] %q%u@%d ",
            "log_connections": connectionLines ? "on" : "off", "log_disconnections": connectionLines ? "on" : "off",
        ], createHypoPG: false))
        defer { server.stop() }
        let conninfo = server.connectionString()
        do {
            let first = try Connection(conninfo)
            // Sessions of the server's start-up must have ended (and logged it) before the held
            // ones begin, or they would add to the peak: a backend leaves pg_stat_activity just
            // before it logs its disconnection.
            let deadline = Date().addingTimeInterval(30)
            while try first.query("SELECT count(*) AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")
                .rows.first?.int("n") != 0, Date() < deadline {
                Thread.sleep(forTimeInterval: 0.05)
            }
            Thread.sleep(forTimeInterval: 0.5)
            var sessions = [first]
            for _ in 1 ..< held { sessions.append(try Connection(conninfo)) }
            for session in sessions { try session.execute("SELECT 1") }
            for session in sessions { try session.execute("SELECT 2") }
            try sessions[0].execute("SELECT 'sessions-done'")
        }
        // Every held session's disconnection is logged after the marker.
        let log = try server.collectedLogs(["postgresql"], as: ["sessions.log"]) { text in
            guard let marker = text.range(of: "sessions-done") else { return false }
            return !connectionLines || text[marker.upperBound...].components(separatedBy: "disconnection: ").count > held
        }
        return log[0]
    }

    @Test func connectionLinesGiveTheExactPeakAndWhereItWasReached() throws {
        let path = try Self.withConnectionLines.get()
        let (report, problems) = analyze([path])
        #expect(problems.isEmpty, "\(problems)")
        let peak = try #require(report.summary.peakSessions)
        #expect(peak.sessions == Self.held)
        #expect(peak.measure == .connectionLines)
        let lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
        let line = try #require(peak.line)
        #expect(lines[line - 1].contains("connection authorized: "), "\(lines[line - 1])")
        #expect(peak.description.hasPrefix("\(Self.held) sessions at \(path):\(line) (from log_connections and log_disconnections)"))
    }

    @Test func withoutConnectionLinesThePeakIsAnEstimateFromTheStatements() throws {
        let (report, problems) = analyze([try Self.withoutConnectionLines.get()])
        #expect(problems.isEmpty, "\(problems)")
        let peak = try #require(report.summary.peakSessions)
        #expect(peak.sessions == Self.held)
        #expect(peak.measure == .statementTimes)
        #expect(peak.description.contains("estimated from each session's first and last line"))
    }

    /// Inputs are separate: the higher peak counts, and it is exact only when every input's is.
    @Test func severalInputsGiveTheHigherPeakAnEstimateUnlessAllAreExact() throws {
        let exact = try Self.withConnectionLines.get()
        let (both, _) = analyze([exact, try Self.withoutConnectionLines.get()])
        #expect(both.summary.peakSessions?.sessions == Self.held)
        #expect(both.summary.peakSessions?.measure == .statementTimes)
        let (twice, _) = analyze([exact, exact])
        #expect(twice.summary.peakSessions?.measure == .connectionLines)
    }

    /// A line that is not UTF-8 and a last line cut off are reported where they are (one line
    /// each), and the rest of the log still gives the peak.
    @Test func badBytesAndATruncatedEndLeaveThePeak() throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try Self.withConnectionLines.get())))
        let firstLineEnd = try #require(bytes.firstIndex(of: 10))
        bytes.insert(contentsOf: [0xFF, 0xFE, 0x80, 0x20] + Array("not a log line\n".utf8), at: firstLineEnd + 1)
        // Into the middle of the last line.
        let lastLineStart = try #require(bytes.dropLast().lastIndex(of: 10))
        bytes.removeLast((bytes.count - lastLineStart) / 2)
        let path = try TestPaths.temporaryFile("damaged.log", contents: bytes)
        let (report, problems) = analyze([path])
        #expect(report.summary.peakSessions?.sessions == Self.held)
        #expect(report.summary.peakSessions?.measure == .connectionLines)
        for problem in problems {
            #expect(!problem.description.contains("\n") && problem.description.hasPrefix(path), "\(problem)")
        }
    }
}
