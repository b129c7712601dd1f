import SargableLogs
import SargableSyntax

extension TestDatabase {
    /// Runs `body` and fails when one SELECT shape ran at least `threshold` times in one session
    /// with at least `threshold` different parameter sets: `sargable analyze`'s n-plus-one rule,
    /// on this block's statements. With one row of fixtures a loop runs once and nothing is
    /// found; `expectConstantQueries(scales:populate:)` does not depend on the data.
    @discardableResult
    public func expectNoNPlusOne(threshold: Int = 3, options: CaptureOptions? = nil,
                                 fileID: String = #fileID, filePath: String = #filePath, line: Int = #line, column: Int = #column,
                                 _ body: () async throws -> Void) async throws -> Capture {
        let site = CallSite(fileID: fileID, filePath: filePath, line: line, column: column)
        let capture = try await self.capture(options: options, body)
        if capture.statements.isEmpty && capture.excluded.isEmpty {
            report(ExpectationFailure(nothingCaptured(), site: site))
        } else if let message = NPlusOneDiagnosis.failure(capture, threshold: threshold) {
            report(ExpectationFailure(message, site: site))
        }
        return capture
    }

    /// Runs `body` once per scale, after `populate(scale)`, and fails when any statement shape
    /// runs more often at a larger scale: the count of queries must not grow with the data.
    /// `populate` is called with each scale in turn on this database (it may add to what the
    /// previous call left); only `body`'s statements are counted.
    @discardableResult
    public func expectConstantQueries(scales: [Int] = [2, 5], options: CaptureOptions? = nil,
                                      fileID: String = #fileID, filePath: String = #filePath, line: Int = #line, column: Int = #column,
                                      populate: (Int) async throws -> Void,
                                      _ body: () async throws -> Void) async throws -> [Capture] {
        let site = CallSite(fileID: fileID, filePath: filePath, line: line, column: column)
        guard scales.count >= 2, Set(scales).count == scales.count else {
            report(ExpectationFailure("expectConstantQueries needs at least two different scales, got \(scales)", site: site))
            return []
        }
        var captures: [Capture] = []
        for scale in scales.sorted() {
            try await populate(scale)
            captures.append(try await capture(options: options, body))
        }
        if captures.allSatisfy({ $0.statements.isEmpty && $0.excluded.isEmpty }) {
            report(ExpectationFailure(nothingCaptured(), site: site))
        } else if let message = NPlusOneDiagnosis.growth(Array(zip(scales.sorted(), captures))) {
            report(ExpectationFailure(message, site: site))
        }
        return captures
    }
}

enum NPlusOneDiagnosis {
    /// The analyzer's n-plus-one findings on the captured statements, worded as a failure.
    static func failure(_ capture: Capture, threshold: Int) -> String? {
        var options = WorkloadAnalyzer.Options()
        options.minimumRun = max(2, threshold)
        // A test's loop may be slow (a debugger, a loaded CI machine): any gap is still one loop.
        options.maximumGapSeconds = .infinity
        options.threads = 1
        let analyzer = WorkloadAnalyzer(options: options)
        let report = LargeStack.run { () -> WorkloadReport in
            analyzer.add(contentsOf: capture.statements.filter { !$0.isError }.map(\.execution))
            analyzer.endSessions(capture.sessions)
            return analyzer.report(summary: WorkloadReport.Summary())
        }
        let findings = report.findings.filter {
            $0.finding.rule == WorkloadRules.nPlusOne && $0.distinctParameters >= min(threshold, 64)
        }
        guard let first = findings.first else { return nil }
        var lines = ["expected no N+1 queries, but " + first.finding.message]
        for finding in findings.dropFirst() { lines.append("and " + finding.finding.message) }
        lines.append("statements (by shape):")
        lines += Capture.describeGroups(capture.statements)
        if let parent = first.parent {
            lines.append("each after: \(parent.query.split(whereSeparator: \.isWhitespace).joined(separator: " "))")
        }
        lines.append("help: " + first.finding.help)
        return lines.joined(separator: "\n")
    }

    /// Shapes whose count grew from the smallest scale to a larger one.
    static func growth(_ runs: [(scale: Int, capture: Capture)]) -> String? {
        func counts(_ capture: Capture) -> [String: (shape: String, count: Int, relation: String?)] {
            var result: [String: (shape: String, count: Int, relation: String?)] = [:]
            for statement in capture.statements where !statement.isError {
                result[statement.fingerprint, default: (statement.shape, 0, statement.relations.first)].count += 1
            }
            return result
        }
        guard let base = runs.first else { return nil }
        let baseCounts = counts(base.capture)
        var grown: [String] = []
        var example: (count: Int, relation: String?)?
        var seen = Set<String>()
        for run in runs.dropFirst() {
            for (key, value) in counts(run.capture).sorted(by: { $0.value.count > $1.value.count })
            where value.count > baseCounts[key]?.count ?? 0 && seen.insert(key).inserted {
                grown.append("  \(value.shape)\n    \(baseCounts[key]?.count ?? 0) at scale \(base.scale), \(value.count) at scale \(run.scale)")
                if example == nil { example = (value.count, value.relation) }
            }
        }
        guard let example else { return nil }
        var lines = ["expected the number of statements not to grow with the data, but \(grown.count) shape\(grown.count == 1 ? "" : "s") ran more often at a larger scale:"]
        lines += grown
        let scales = runs.map { "scale \($0.scale): \($0.capture.statements.count) statements" }.joined(separator: ", ")
        lines.append("totals: \(scales)")
        lines.append("help: " + NPlusOne.describe(count: example.count, runs: 1, timing: "", relation: example.relation).help)
        return lines.joined(separator: "\n")
    }
}
