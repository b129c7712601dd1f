import SargableLogs

/// How many statements an expectation allows.
public enum QueryCount: Sendable, Hashable, CustomStringConvertible {
    case exactly(Int)
    case atMost(Int)
    case atLeast(Int)
    case range(ClosedRange<Int>)

    public func contains(_ count: Int) -> Bool {
        switch self {
        case .exactly(let value): count == value
        case .atMost(let value): count <= value
        case .atLeast(let value): count >= value
        case .range(let range): range.contains(count)
        }
    }

    /// Whether the expectation needs at least one statement (then capturing none is its own failure).
    var requiresStatements: Bool { !contains(0) }

    public var description: String {
        switch self {
        case .exactly(let value): "exactly \(value)"
        case .atMost(let value): "at most \(value)"
        case .atLeast(let value): "at least \(value)"
        case .range(let range): "between \(range.lowerBound) and \(range.upperBound)"
        }
    }

    /// The largest count allowed, for wording (`10 statements` vs `1 statement`).
    var wordingCount: Int {
        switch self {
        case .exactly(let value), .atMost(let value), .atLeast(let value): value
        case .range(let range): range.upperBound
        }
    }
}

extension TestDatabase {
    /// Runs `body` and checks how many statements of `kind` on `table` it ran, whatever client
    /// sent them. Transaction control, savepoints, set-up and catalog queries are not counted
    /// unless `options` says so. Returns what was captured.
    @discardableResult
    public func expectQueries(_ count: QueryCount, _ kind: StatementKind = .any, on table: String? = nil,
                              options: CaptureOptions? = nil,
                              fileID: String = #fileID, filePath: String = #filePath, line: Int = #line, column: Int = #column,
                              _ body: () async throws -> Void) async throws -> Capture {
        let site = CallSite(fileID: fileID, filePath: filePath, line: line, column: column)
        let capture = try await self.capture(options: options, body)
        if let message = QueryDiagnosis.countFailure(count, kind, on: table, capture, database: self) {
            report(ExpectationFailure(message, site: site))
        }
        return capture
    }

    /// Runs `body` and checks that it ran no statement (other than what the capture options leave out).
    @discardableResult
    public func expectNoQueries(options: CaptureOptions? = nil,
                                fileID: String = #fileID, filePath: String = #filePath, line: Int = #line, column: Int = #column,
                                _ body: () async throws -> Void) async throws -> Capture {
        try await expectQueries(.exactly(0), options: options, fileID: fileID, filePath: filePath, line: line, column: column, body)
    }

    /// The message for "no statement reached this database", shared by every expectation.
    func nothingCaptured() -> String {
        "No statement was captured: the block ran no SQL on the test database \(name); "
            + "is the code under test connected to it? (TestDatabase.current?.connectionString is \(connectionString))"
    }
}

/// The wording of query-count failures.
enum QueryDiagnosis {
    static func countFailure(_ count: QueryCount, _ kind: StatementKind, on table: String?, _ capture: Capture,
                             database: TestDatabase) -> String? {
        let counted = capture.matching(kind, on: table)
        guard !count.contains(counted.count) else { return nil }
        if count.requiresStatements, capture.statements.isEmpty, capture.excluded.isEmpty { return database.nothingCaptured() }
        let what = "\(kind.noun(count.wordingCount))\(table.map { " on " + $0 } ?? "")"
        var lines: [String] = []
        if case .exactly(0) = count {
            lines.append("expected no \(kind.noun(2))\(table.map { " on " + $0 } ?? ""), but \(counted.count) ran")
        } else {
            lines.append("expected \(count) \(what), but \(counted.count) ran")
        }
        lines += describe(capture, counted: counted)
        lines.append("help: " + hint(counted, expected: count))
        return lines.joined(separator: "\n")
    }

    /// The statements by shape: those counted, the others, and what was left out.
    static func describe(_ capture: Capture, counted: [CapturedStatement]) -> [String] {
        var lines: [String] = []
        if !counted.isEmpty {
            lines.append("counted (\(counted.count)):")
            lines += Capture.describeGroups(counted)
        }
        let counts = Set(counted.map(\.fingerprint))
        let others = capture.statements.filter { !counts.contains($0.fingerprint) }
        if !others.isEmpty {
            lines.append("also ran (\(others.count), not counted):")
            lines += Capture.describeGroups(others)
        }
        if !capture.excluded.isEmpty {
            var byCategory: [String: Int] = [:]
            for statement in capture.excluded { byCategory[describe(statement.category), default: 0] += 1 }
            let parts = byCategory.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
            lines.append("left out: \(parts.joined(separator: ", ")) (CaptureOptions counts them)")
        }
        return lines
    }

    static func describe(_ category: CapturedStatement.Category) -> String {
        switch category {
        case .application: "application"
        case .transactionControl: "transaction control"
        case .connectionSetup: "connection set-up"
        case .catalog: "catalog"
        }
    }

    /// A repeated shape with different parameters is the usual cause: say how to fetch once.
    static func hint(_ counted: [CapturedStatement], expected: QueryCount) -> String {
        if let repeated = Capture.groups(counted).first(where: { $0.count >= 2 && $0.parameterSets >= 2 }),
           let statement = counted.first(where: { $0.shape == repeated.shape }) {
            let relation = statement.relations.first
            let help = statement.kind == .insert
                ? RowByRowInsert.describe(count: repeated.count, runs: 1, timing: "", relation: relation).help
                : NPlusOne.describe(count: repeated.count, runs: 1, timing: "", relation: relation).help
            return "\(repeated.count) of them are one shape with different parameters: \(help)"
        }
        if counted.isEmpty { return "the block ran none of these: check it reaches the code path, and that the code uses this database" }
        return "if the block now needs these statements, change the expected count (\(expected)); the capture returned shows each statement"
    }
}
