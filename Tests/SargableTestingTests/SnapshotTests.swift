import Foundation
import SargablePostgres
import SargableTesting
import Testing

@Suite(.enabled(if: TemporaryPostgres.isAvailable, "no PostgreSQL server programs installed"))
struct SnapshotTests {
    /// A test file path in a fresh directory: snapshots go beside it.
    static func testFile() throws -> (file: String, snapshot: String) {
        let directory = NSTemporaryDirectory() + "sargable-snapshots-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return (directory + "/OrdersTests.swift", directory + "/__Snapshots__/OrdersTests/orders-of-a-user.plan")
    }

    @Test func recordsWhenMissingThenComparesAndFailsOnAChangedPlan() async throws {
        try await withShop { database, reporter in
            let (file, snapshot) = try Self.testFile()
            let sql = "SELECT o.id, u.email FROM orders o JOIN users u ON u.id = o.user_id WHERE o.user_id = $1"
            let signature = try database.expectPlanSnapshot(of: sql, parameters: ["7"], named: "orders-of-a-user", record: .missing, filePath: file)
            #expect(try String(contentsOfFile: snapshot, encoding: .utf8) == signature)
            #expect(signature.contains("Index Scan using users_pkey on users u") && signature.contains("orders_user_id_idx"))
            #expect(!signature.contains("cost") && !signature.contains("rows"))
            #expect(reporter.take().map(\.severity) == [.warning])
            // The same plan again: nothing to say, also when only comparing.
            try database.expectPlanSnapshot(of: sql, parameters: ["7"], named: "orders-of-a-user", record: .never, filePath: file)
            #expect(reporter.take().isEmpty)
            // Without the index the plan changes.
            try database.execute("DROP INDEX orders_user_id_idx")
            try database.expectPlanSnapshot(of: sql, parameters: ["7"], named: "orders-of-a-user", record: .never, filePath: file)
            let failure = try #require(reporter.take().first)
            #expect(failure.severity == .failure)
            let lines = failure.message.split(separator: "\n").map(String.init)
            #expect(lines[0] == "the plan of snapshot 'orders-of-a-user' changed")
            #expect(lines[1] == "expected (\(snapshot)):")
            #expect(lines.last == "help: if the new plan is intended, record it with SARGABLE_RECORD_SNAPSHOTS=failed")
            #expect(lines.contains { $0.contains("Seq Scan on orders o") })
            // `failed` records the new plan; it then matches.
            try database.expectPlanSnapshot(of: sql, parameters: ["7"], named: "orders-of-a-user", record: .failed, filePath: file)
            #expect(reporter.take().count == 1)
            try database.expectPlanSnapshot(of: sql, parameters: ["7"], named: "orders-of-a-user", record: .never, filePath: file)
            #expect(reporter.take().isEmpty)
        }
    }

    @Test func aMissingSnapshotFailsOnCI() async throws {
        try await withShop { database, reporter in
            let (file, snapshot) = try Self.testFile()
            try database.expectPlanSnapshot(of: "SELECT * FROM users", named: "orders-of-a-user", record: .never, filePath: file)
            #expect(reporter.failures.map(\.message) == ["no plan snapshot \(snapshot); record it with SARGABLE_RECORD_SNAPSHOTS=missing"])
            #expect(!FileManager.default.fileExists(atPath: snapshot))
        }
    }

    @Test func theModeComesFromTheEnvironment() {
        #expect(SnapshotRecordMode.fromEnvironment([:]) == .missing)
        #expect(SnapshotRecordMode.fromEnvironment(["CI": "true"]) == .never)
        #expect(SnapshotRecordMode.fromEnvironment(["CI": "true", "SARGABLE_RECORD_SNAPSHOTS": "all"]) == .all)
        #expect(SnapshotRecordMode.fromEnvironment(["SARGABLE_RECORD_SNAPSHOTS": "FAILED"]) == .failed)
    }
}
