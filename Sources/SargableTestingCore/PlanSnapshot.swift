import Foundation
import SargablePlan
import SargablePostgres

/// When `expectPlanSnapshot` writes the snapshot file instead of only comparing with it.
public enum SnapshotRecordMode: String, Sendable, CaseIterable {
    /// Compare only; a missing snapshot fails (the default on CI).
    case never
    /// Record snapshots that do not exist yet, compare the others (the default elsewhere).
    case missing
    /// Compare, and replace a snapshot that differs (the test still fails once).
    case failed
    /// Record every snapshot again.
    case all

    public static let environmentVariable = "SARGABLE_RECORD_SNAPSHOTS"

    /// From `SARGABLE_RECORD_SNAPSHOTS`, else `never` when `CI` is set and `missing` otherwise.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> SnapshotRecordMode {
        if let value = environment[environmentVariable], let mode = SnapshotRecordMode(rawValue: value.lowercased()) { return mode }
        let ci = environment["CI"].map { !$0.isEmpty && $0 != "0" && $0.lowercased() != "false" } ?? false
        return ci ? .never : .missing
    }
}

/// A plan's shape without its numbers: node types, relations, indexes and join types, one
/// line per node, indented by depth. Costs and row counts are left out, so the signature changes
/// only when the planner chooses differently.
public enum PlanSignature {
    public static func of(_ plan: ExplainPlan) -> String {
        var lines: [String] = []
        func walk(_ node: PlanNode, depth: Int) {
            var line = String(repeating: "  ", count: depth) + node.summary
            if let strategy = node.strategy, node.nodeType == .aggregate { line += " (\(strategy))" }
            if let relationship = node.parentRelationship, ["InitPlan", "SubPlan"].contains(relationship), node.subplanName == nil {
                line += " [\(relationship)]"
            }
            lines.append(line)
            for child in node.children { walk(child, depth: depth + 1) }
        }
        walk(plan.root, depth: 0)
        return lines.joined(separator: "\n") + "\n"
    }
}

extension TestDatabase {
    /// Compares the plan of `sql` (planned, not run) with the signature stored beside the test
    /// in `__Snapshots__/<test file>/<name>.plan`, recording it as `record` (default: the
    /// environment's `SnapshotRecordMode`) says. Returns the current signature.
    @discardableResult
    public func expectPlanSnapshot(of sql: String, parameters: [String?]? = nil, named name: String, record: SnapshotRecordMode? = nil,
                                   fileID: String = #fileID, filePath: String = #filePath, line: Int = #line, column: Int = #column) throws -> String {
        let site = CallSite(fileID: fileID, filePath: filePath, line: line, column: column)
        let (collected, _) = try PlanExpectation.check(sql, parameters: parameters, on: connectionString, analyze: false,
                                                       genericPlan: false, site: site) { _ in }
        let signature = PlanSignature.of(collected.plan)
        let mode = record ?? SnapshotRecordMode.fromEnvironment()
        let testFile = URL(fileURLWithPath: filePath)
        let directory = testFile.deletingLastPathComponent().appendingPathComponent("__Snapshots__")
            .appendingPathComponent(testFile.deletingPathExtension().lastPathComponent)
        let file = directory.appendingPathComponent(name + ".plan")
        let stored = try? String(contentsOf: file, encoding: .utf8)
        func write() throws {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try signature.write(to: file, atomically: true, encoding: .utf8)
        }
        switch (stored, mode) {
        case (nil, .never):
            report(ExpectationFailure("no plan snapshot \(file.path); record it with \(SnapshotRecordMode.environmentVariable)=missing", site: site))
        case (nil, _), (_, .all):
            try write()
            if stored != signature {
                report(ExpectationFailure("recorded plan snapshot \(file.path)", severity: .warning, site: site))
            }
        case (let stored?, _) where stored == signature:
            break
        case (let stored?, _):
            var message = ["the plan of snapshot '\(name)' changed", "expected (\(file.path)):"]
            message += stored.split(separator: "\n").map { "  " + $0 }
            message.append("actual:")
            message += signature.split(separator: "\n").map { "  " + $0 }
            if mode == .failed {
                try write()
                message.append("recorded the new plan (\(SnapshotRecordMode.environmentVariable)=failed); the next run compares with it")
            } else {
                message.append("help: if the new plan is intended, record it with \(SnapshotRecordMode.environmentVariable)=failed")
            }
            report(ExpectationFailure(message.joined(separator: "\n"), site: site, attachments: [("plan.json", collected.postgresJSON)]))
        }
        return signature
    }
}

/// The snapshot expectation on `TestDatabase.current`.
@discardableResult
public func expectPlanSnapshot(of sql: String, parameters: [String?]? = nil, named name: String, record: SnapshotRecordMode? = nil,
                               fileID: String = #fileID, filePath: String = #filePath, line: Int = #line, column: Int = #column) throws -> String {
    try TestDatabase.require().expectPlanSnapshot(of: sql, parameters: parameters, named: name, record: record,
                                                  fileID: fileID, filePath: filePath, line: line, column: column)
}
