import Foundation
import SargableLogs
import SargablePostgres
import SargableSyntax

/// What one block ran on its test database, read back from the server's own log: it sees every
/// client (PostgresNIO, a pool, libpq), and nothing the client did not send.
public struct Capture: Sendable {
    /// The statements counted, in the order the server finished them.
    public var statements: [CapturedStatement]
    /// Statements left out by the capture options (transaction control, set-up, catalog).
    public var excluded: [CapturedStatement]
    /// The sessions the statements ran in, as the log assembler knew them (for the n-plus-one detector).
    var sessions: [(session: Int, info: SessionInfo)] = []

    /// Statements of `kind` that name `table` (any table when nil); errors are not counted.
    public func matching(_ kind: StatementKind, on table: String?) -> [CapturedStatement] {
        statements.filter { statement in
            !statement.isError && (kind == .any || statement.kind == kind)
                && (table.map { name in statement.relations.contains { $0 == name || name.hasSuffix("." + $0) } } ?? true)
        }
    }

    /// Shapes with their counts, most frequent first (first seen first among equals).
    public static func groups(_ statements: [CapturedStatement]) -> [(shape: String, count: Int, parameterSets: Int)] {
        var order: [String] = []
        var counts: [String: (shape: String, count: Int, parameters: Set<String>)] = [:]
        for statement in statements {
            if counts[statement.fingerprint] == nil { order.append(statement.fingerprint) }
            counts[statement.fingerprint, default: (statement.shape, 0, [])].count += 1
            counts[statement.fingerprint]?.parameters.insert(statement.text + "\u{0}" + (statement.parameters ?? ""))
        }
        return order.enumerated().compactMap { index, key in counts[key].map { ($0.shape, $0.count, $0.parameters.count, index) } }
            .sorted { ($1.1, $0.3) < ($0.1, $1.3) }
            .map { ($0.0, $0.1, $0.2) }
    }

    /// `  3 × SELECT … WHERE user_id = $1` lines, one per shape.
    static func describeGroups(_ statements: [CapturedStatement], indent: String = "  ") -> [String] {
        groups(statements).map { group in
            let shape = group.shape.count > 200 ? String(group.shape.prefix(200)) + "…" : group.shape
            return "\(indent)\(group.count) × \(shape)"
        }
    }
}

/// Why a block's statements could not be read back.
public struct CaptureError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Reads a test database's statements between two marker statements in the server's jsonlog.
struct LogCapture {
    let logFile: String
    let database: String
    /// How long to wait for the end marker to reach the log (the logging collector writes asynchronously).
    var timeout: Duration = .seconds(15)

    struct Window {
        let id: String
        let offset: Int
        var beginToken: String { "sargable-capture-begin " + id }
        var endToken: String { "sargable-capture-end " + id }
    }

    /// Marks the start: the log's size now, then a statement the log will hold after it.
    func begin(on connection: Connection) throws -> Window {
        let size = (try? FileManager.default.attributesOfItem(atPath: logFile)[.size] as? Int) ?? 0
        let window = Window(id: UUID().uuidString.lowercased(), offset: size)
        try connection.execute("SELECT '\(window.beginToken)'")
        return window
    }

    /// Marks the end and reads back everything in between, once the end marker is in the log:
    /// each backend's log lines reach the collector before its client sees the result, so a
    /// statement the block waited for is always before the marker.
    func end(_ window: Window, on connection: Connection) throws -> (executions: [Execution], sessions: [(session: Int, info: SessionInfo)]) {
        try connection.execute("SELECT '\(window.endToken)'")
        let token = Data(window.endToken.utf8)
        // A byte search: cheaper than parsing the JSON on every poll.
        guard LiveLogFile.wait(for: [logFile], from: window.offset, timeout: timeout, until: { $0.range(of: token) != nil }) else {
            throw CaptureError("the end marker of a capture did not reach \(logFile) within \(timeout): "
                + "is the server logging statements of \(database) (log_min_duration_statement = 0, jsonlog)?")
        }
        return try read(window)
    }

    private func read(_ window: Window) throws -> (executions: [Execution], sessions: [(session: Int, info: SessionInfo)]) {
        let reader: LogReader
        do {
            reader = try LogReader(input: LogInput(path: logFile, offset: window.offset), format: .jsonlog)
        } catch {
            throw CaptureError("cannot read \(logFile): \(error.reason)")
        }
        let assembler = StatementAssembler()
        var executions: [Execution] = []
        var inside = false
        var done = false
        do {
            try reader.read { entry in
                guard !done, entry.database == database else { return }
                if entry.message.hasSuffix("'\(window.beginToken)'") {
                    inside = true
                    return
                }
                if entry.message.hasSuffix("'\(window.endToken)'") {
                    assembler.finish { executions.append($0) }
                    done = true
                    return
                }
                // Sargable's own connections (markers, EXPLAIN) are not the code under test.
                guard inside, entry.application != TestDatabase.applicationName else { return }
                assembler.add(entry) { executions.append($0) }
            }
        } catch {
            throw CaptureError("cannot read \(logFile): \(error.reason)")
        }
        if !done { assembler.finish { executions.append($0) } }
        return (executions, assembler.takeEndedSessions())
    }
}
