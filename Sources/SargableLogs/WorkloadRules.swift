import SargableCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A catalogue rule over a captured workload. The detectors live in `WorkloadAnalyzer` (they need
/// the per-session state it keeps); each rule holds its documentation and its wording.
public protocol WorkloadRule: DocumentedRule {
    /// Message and help for a finding of this rule on the statements of `relation` (their first table).
    static func describe(count: Int, runs: Int, timing: String, relation: String?) -> (message: String, help: String)
}

extension WorkloadRule {
    public static var input: RuleInput { .workload }
}

public enum NPlusOne: WorkloadRule {
    public static let metadata = RuleMetadata(
        id: "n-plus-one",
        title: "The same SELECT once per row of a previous result",
        severity: .warning,
        category: .workload,
        rationale: """
        The same SELECT runs at least 3 times in one session, each at most 1 s after the last, with \
        different parameters: one query per row of a result the application fetched before. Each \
        round trip costs network latency, parsing and planning, so a page that shows 50 rows makes 51 \
        queries. The same query once in each of many sessions is normal traffic and is never reported.
        """,
        fix: "Fetch the rows in one query: `= ANY($1)` with an array of the keys, or a JOIN with the query that produced them.",
        bad: [RuleExample("""
            2024-05-01 10:00:00.001 UTC [17456] app@shop LOG:  duration: 0.050 ms  statement: SELECT id, email FROM users WHERE status = 'active' LIMIT 3
            2024-05-01 10:00:00.002 UTC [17456] app@shop LOG:  duration: 0.020 ms  statement: SELECT id, total_cents FROM orders WHERE user_id = 1
            2024-05-01 10:00:00.003 UTC [17456] app@shop LOG:  duration: 0.020 ms  statement: SELECT id, total_cents FROM orders WHERE user_id = 2
            2024-05-01 10:00:00.004 UTC [17456] app@shop LOG:  duration: 0.020 ms  statement: SELECT id, total_cents FROM orders WHERE user_id = 3
            """, language: .log)],
        good: [RuleExample("""
            2024-05-01 10:00:00.001 UTC [17456] app@shop LOG:  duration: 0.050 ms  statement: SELECT id, email FROM users WHERE status = 'active' LIMIT 3
            2024-05-01 10:00:00.002 UTC [17456] app@shop LOG:  duration: 0.030 ms  statement: SELECT id, user_id, total_cents FROM orders WHERE user_id = ANY('{1,2,3}')
            """, language: .log)])

    public static func describe(count: Int, runs: Int, timing: String, relation: String?) -> (message: String, help: String) {
        ("the same select\(relation.map { " on " + $0 } ?? "") ran \(count) times in one session\(WorkloadRules.runText(runs)) with different parameters\(timing)",
         "fetch the rows in one query: `= ANY($1)` with an array of the keys, or join \(relation ?? "the table") to the query that produced them")
    }
}

public enum RowByRowInsert: WorkloadRule {
    public static let metadata = RuleMetadata(
        id: "row-by-row-insert",
        title: "Rows inserted one statement at a time",
        severity: .warning,
        category: .workload,
        rationale: """
        The same INSERT runs at least 3 times in one session, each at most 1 s after the last. Every \
        statement is a round trip, a parse and plan, and (outside a transaction) a commit with its WAL \
        flush: loading rows one by one is often 10 to 100 times slower than one statement for all of them.
        """,
        fix: "Insert the rows in one statement: a multi-row `VALUES` list, `INSERT … SELECT * FROM unnest($1, $2, …)`, or `COPY`.",
        bad: [RuleExample("""
            2024-05-01 10:00:00.001 UTC [17456] app@shop LOG:  duration: 0.040 ms  statement: INSERT INTO order_items (order_id, product_id) VALUES (1, 1)
            2024-05-01 10:00:00.002 UTC [17456] app@shop LOG:  duration: 0.040 ms  statement: INSERT INTO order_items (order_id, product_id) VALUES (1, 2)
            2024-05-01 10:00:00.003 UTC [17456] app@shop LOG:  duration: 0.040 ms  statement: INSERT INTO order_items (order_id, product_id) VALUES (1, 3)
            """, language: .log)],
        good: [RuleExample("""
            2024-05-01 10:00:00.001 UTC [17456] app@shop LOG:  duration: 0.060 ms  statement: INSERT INTO order_items (order_id, product_id) VALUES (1, 1), (1, 2), (1, 3)
            """, language: .log)])

    public static func describe(count: Int, runs: Int, timing: String, relation: String?) -> (message: String, help: String) {
        ("\(count) single inserts\(relation.map { " into " + $0 } ?? "") in one session\(WorkloadRules.runText(runs))\(timing)",
         "insert the rows in one statement: a multi-row `VALUES` list, `INSERT … SELECT * FROM unnest($1, $2, …)`, or `COPY`")
    }
}

public enum RepeatedIdenticalQuery: WorkloadRule {
    public static let metadata = RuleMetadata(
        id: "repeated-identical-query",
        title: "The same SELECT with the same parameters, again and again",
        severity: .info,
        category: .workload,
        rationale: """
        The same SELECT with identical parameters runs at least 3 times in one session. The answer \
        rarely changes between the calls, so the database does the same work each time for a result \
        the application already had: a cache candidate.
        """,
        fix: "Cache the result in the application, or ask for it once and reuse it.",
        bad: [RuleExample("""
            2024-05-01 10:00:00.001 UTC [17456] app@shop LOG:  duration: 0.030 ms  statement: SELECT value FROM settings WHERE key = 'currency'
            2024-05-01 10:00:05.001 UTC [17456] app@shop LOG:  duration: 0.030 ms  statement: SELECT value FROM settings WHERE key = 'currency'
            2024-05-01 10:00:10.001 UTC [17456] app@shop LOG:  duration: 0.030 ms  statement: SELECT value FROM settings WHERE key = 'currency'
            """, language: .log)],
        good: [RuleExample("""
            2024-05-01 10:00:00.001 UTC [17456] app@shop LOG:  duration: 0.030 ms  statement: SELECT value FROM settings WHERE key = 'currency'
            """, language: .log)])

    public static func describe(count: Int, runs: Int, timing: String, relation: String?) -> (message: String, help: String) {
        ("the same select\(relation.map { " on " + $0 } ?? "") with identical parameters ran \(count) times in one session\(timing)",
         "cache the result in the application, or ask for it once and reuse it")
    }
}

/// The workload rules `sargable analyze` runs, and their shared wording.
public enum WorkloadRules {
    /// In the order the catalogue lists them.
    public static let all: [any WorkloadRule.Type] = [NPlusOne.self, RowByRowInsert.self, RepeatedIdenticalQuery.self]

    public static let nPlusOne = NPlusOne.metadata.id
    public static let rowByRowInsert = RowByRowInsert.metadata.id
    public static let repeatedIdenticalQuery = RepeatedIdenticalQuery.metadata.id

    static func rule(_ id: String) -> (any WorkloadRule.Type)? { all.first { $0.metadata.id == id } }

    public static func severity(of rule: String) -> Severity {
        self.rule(rule)?.metadata.severity ?? .warning
    }

    static func describe(rule id: String, count: Int, runs: Int, span: Double?, totalMs: Double, group: Group) -> (message: String, help: String) {
        let timing = " (\(timing(totalMs: totalMs, span: span)))"
        return (rule(id) ?? RepeatedIdenticalQuery.self).describe(count: count, runs: runs, timing: timing, relation: group.relation)
    }

    static func runText(_ runs: Int) -> String { runs > 1 ? " in \(runs) runs" : "" }

    public static func formatMilliseconds(_ value: Double) -> String {
        if value >= 1000 { return String(format: "%.2f s", value / 1000) }
        if value >= 10 { return String(format: "%.1f ms", value) }
        return String(format: "%.3f ms", value)
    }

    /// `0.209 ms total over 12 ms`: the executions' time and the log time between the first and the
    /// last. Log timestamps count milliseconds, so a span that rounds to 0 ms is `within 1 ms`, never
    /// a total over a zero-length span.
    public static func timing(totalMs: Double, span: Double?) -> String {
        let total = formatMilliseconds(totalMs) + " total"
        guard let span else { return total }
        return total + (span < 0.0005 ? " within 1 ms" : " over " + formatSeconds(span))
    }

    public static func formatSeconds(_ value: Double) -> String {
        value >= 1 ? String(format: "%.1f s", value) : String(format: "%.0f ms", value * 1000)
    }
}
