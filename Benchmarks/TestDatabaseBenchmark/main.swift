import Foundation
import SargableTestingCore

// Time to give a test its own database: CREATE DATABASE … TEMPLATE … STRATEGY FILE_COPY from a
// template, plus its log setting, and the drop after a passing test. Target: ≤ 100 ms per
// database for a test-sized template (the schema of samples/migrations and a few rows); the
// 71 MB sample domain (samples/database/seed.sql) is timed too, to show what a copy costs per MB.
// Usage: sargable-testing-bench [count]
let count = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 20
let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path
let setups = [
    ("schema + 100 rows", DatabaseSetup(migrations: [repository + "/samples/migrations"],
                                        sql: ["INSERT INTO users (email, name) SELECT 'u' || g || '@example.com', 'U' FROM generate_series(1, 100) g"])),
    ("sample domain (71 MB)", DatabaseSetup(migrations: [repository + "/samples/migrations"], seed: [repository + "/samples/database/seed.sql"])),
]
let clock = ContinuousClock()

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

func percentile(_ values: [Double], _ fraction: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
}

do {
    var began = clock.now
    let cluster = try TestCluster.shared()
    print(String(format: "server start:                 %8.1f ms", milliseconds(clock.now - began)))
    for (name, setup) in setups {
        began = clock.now
        // The first database loads the template.
        try TestDatabase.create(setup, label: "bench", cluster: cluster).drop()
        print(String(format: "\(name): template load + first copy: %.1f ms", milliseconds(clock.now - began)))
        var creations: [Double] = []
        var drops: [Double] = []
        for _ in 0 ..< count {
            let database = try TestDatabase.create(setup, label: "bench", cluster: cluster)
            creations.append(milliseconds(database.creationDuration))
            began = clock.now
            database.drop()
            drops.append(milliseconds(clock.now - began))
        }
        print(String(format: "\(name): per-test database median %.1f ms, p90 %.1f ms over %d (target ≤ 100 ms); drop median %.1f ms",
                     percentile(creations, 0.5), percentile(creations, 0.9), count, percentile(drops, 0.5)))
    }
    cluster.server?.stop()
} catch {
    FileHandle.standardError.write(Data("sargable-testing-bench: \(error)\n".utf8))
    exit(1)
}
