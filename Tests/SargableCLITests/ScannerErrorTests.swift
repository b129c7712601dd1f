import Foundation
import Testing

/// A scanner error (`2H`, `0x`, `""`, …) stops libpg_query's splitter; every command must still see
/// the statements after it.
@Suite("Scanner errors through the CLI")
struct ScannerErrorTests {
    static let script = """
    SELECT 1;
    SELECT 2H;
    ALTER TABLE t ADD COLUMN c int NOT NULL;
    SELECT 4;

    """
    static let error = #"sargable: error: <stdin>:2:8: trailing junk after numeric literal at or near "2H""# + "\n"

    @Test func lintReportsTheErrorAndTheLaterFinding() throws {
        let result = try Sargable.run(["lint", "-"], stdin: Self.script)
        #expect(result.status == 1)
        #expect(result.stdout.contains("error[adding-required-column]"))
        #expect(result.stdout.contains("<stdin>:3:26"))
        #expect(result.stderr == Self.error)
    }

    @Test func fingerprintPrintsEveryOtherStatement() throws {
        let result = try Sargable.run(["fingerprint", "-"], stdin: Self.script)
        #expect(result.status == 2)
        let locations = result.stdout.split(separator: "\n").map { $0.split(separator: "\t").first.map(String.init) }
        #expect(locations == ["<stdin>:1:1", "<stdin>:3:1", "<stdin>:4:1"])
        #expect(result.stderr == Self.error)
    }

    @Test func parsePrintsEveryOtherStatement() throws {
        let result = try Sargable.run(["parse", "-"], stdin: Self.script)
        #expect(result.status == 2)
        let lines = result.stdout.split(separator: "\n").map {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] ?? [:]
        }
        #expect(lines.map { "\($0["file"] ?? ""):\($0["line"] ?? ""):\($0["column"] ?? "")" } == ["<stdin>:1:1", "<stdin>:3:1", "<stdin>:4:1"])
        #expect(result.stderr == Self.error)
    }
}
