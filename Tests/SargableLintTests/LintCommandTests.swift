import Foundation
import SargableCLI
import SargableCore
import Testing

/// A scratch directory with the given files, removed after `body`.
private func withFiles(_ files: [String: String], _ body: (String) throws -> Void) rethrows {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sargable-lint-\(UUID().uuidString)").path
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    for (name, text) in files {
        FileManager.default.createFile(atPath: "\(directory)/\(name)", contents: Data(text.utf8))
    }
    try body(directory)
}

@Test func exitCodesFollowFailOn() {
    withFiles([
        "clean.sql": "SELECT id FROM users WHERE id = $1;\n",
        "info.sql": "SELECT id FROM orders WHERE status = 'x' ORDER BY id LIMIT 5;\nCREATE TABLE t (id bigint PRIMARY KEY, tags text[]);\n",
        "warn.sql": "DELETE FROM orders;\n",
        "broken.sql": "SELEC 1;\n",
    ]) { directory in
        #expect(Sargable.run(arguments: ["lint", "--format", "json", "\(directory)/clean.sql"]) == 0)
        #expect(Sargable.run(arguments: ["lint", "--format", "json", "\(directory)/info.sql"]) == 0)
        #expect(Sargable.run(arguments: ["lint", "--format", "json", "--fail-on", "info", "\(directory)/info.sql"]) == 1)
        #expect(Sargable.run(arguments: ["lint", "--format", "json", "\(directory)/warn.sql"]) == 1)
        #expect(Sargable.run(arguments: ["lint", "--format", "json", "--fail-on", "error", "\(directory)/warn.sql"]) == 0)
        #expect(Sargable.run(arguments: ["lint", "--format", "json", "\(directory)/broken.sql"]) == 1)
        #expect(Sargable.run(arguments: ["lint", "\(directory)/missing.sql"]) == 2)
        #expect(Sargable.run(arguments: ["lint", "--fail-on", "loud", "\(directory)/clean.sql"]) == 2)
        #expect(Sargable.run(arguments: ["lint"]) == 2)
    }
}

@Test func badConfigurationIsAUsageError() {
    withFiles(["q.sql": "SELECT 1;\n", "bad.yml": "rules:\n  no-such-rule: off\n", "good.yml": "rules:\n  unfiltered-write: off\n",
               "w.sql": "DELETE FROM orders;\n"]) { directory in
        #expect(Sargable.run(arguments: ["lint", "--config", "\(directory)/bad.yml", "\(directory)/q.sql"]) == 2)
        #expect(Sargable.run(arguments: ["lint", "--format", "json", "--config", "\(directory)/good.yml", "\(directory)/w.sql"]) == 0)
    }
}

@Test func rulesCommandListsAndExplains() {
    #expect(Sargable.run(arguments: ["rules"]) == 0)
    #expect(Sargable.run(arguments: ["rules", "explain", "select-star"]) == 0)
    #expect(Sargable.run(arguments: ["rules", "explain", "no-such-rule"]) == 2)
}
