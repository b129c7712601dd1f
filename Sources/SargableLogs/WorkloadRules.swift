import SargableCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The workload findings `sargable analyze` reports, with their wording.
public enum WorkloadRules {
    public static let nPlusOne = "n-plus-one"
    public static let rowByRowInsert = "row-by-row-insert"
    public static let repeatedIdenticalQuery = "repeated-identical-query"

    public static func severity(of rule: String) -> Severity {
        rule == repeatedIdenticalQuery ? .info : .warning
    }

    static func describe(rule: String, count: Int, runs: Int, span: Double?, totalMs: Double, group: Group) -> (message: String, help: String) {
        let on = group.relation.map { " on " + $0 } ?? ""
        let table = group.relation ?? "the table"
        let timing = " (\(formatMilliseconds(totalMs)) total\(span.map { " over " + formatSeconds($0) } ?? ""))"
        let runText = runs > 1 ? " in \(runs) runs" : ""
        switch rule {
        case nPlusOne:
            return ("the same select\(on) ran \(count) times in one session\(runText) with different parameters\(timing)",
                    "fetch the rows in one query: `= ANY($1)` with an array of the keys, or join \(table) to the query that produced them")
        case rowByRowInsert:
            return ("\(count) single inserts\(group.relation.map { " into " + $0 } ?? "") in one session\(runText)\(timing)",
                    "insert the rows in one statement: a multi-row `VALUES` list, `INSERT … SELECT * FROM unnest($1, $2, …)`, or `COPY`")
        default:
            return ("the same select\(on) with identical parameters ran \(count) times in one session\(timing)",
                    "cache the result in the application, or ask for it once and reuse it")
        }
    }

    public static func formatMilliseconds(_ value: Double) -> String {
        if value >= 1000 { return String(format: "%.2f s", value / 1000) }
        if value >= 10 { return String(format: "%.1f ms", value) }
        return String(format: "%.3f ms", value)
    }

    public static func formatSeconds(_ value: Double) -> String {
        value >= 1 ? String(format: "%.1f s", value) : String(format: "%.0f ms", value * 1000)
    }
}
