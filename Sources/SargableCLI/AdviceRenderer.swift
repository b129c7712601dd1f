import Foundation
import SargableAdvisor
import SargableLint

/// `sargable advise` output for people (text) and for a migration (sql).
enum AdviceRenderer {
    static func text(_ advice: Advice, style: TextStyle) -> String {
        var lines: [String] = []
        let unit = advice.unit == "ms" ? " ms" : ""
        lines.append(style.bold("Index advice for \(advice.statements) statement\(advice.statements == 1 ? "" : "s")")
            + ": workload \(number(advice.baselineCost))\(unit) → \(number(advice.recommendedCost))\(unit)"
            + " (\(change(advice.improvement)))"
            + (advice.budgetBytes.map { ", budget \(bytes($0))" } ?? ""))
        lines.append("\(advice.candidates) candidates, \(advice.whatIfCalls) what-if plans (\(advice.cacheHits) cached), "
            + String(format: "%.1f s", advice.elapsedSeconds)
            + (advice.unit == "ms" ? "; costs are estimated milliseconds of the logged time" : "; costs are planner cost × weight"))
        if advice.recommendations.isEmpty {
            lines.append("")
            lines.append("No index pays for itself on this workload.")
        } else {
            lines.append("")
            let header = ["#", "size", "served", "contribution", "write", "index"]
            var rows = [header]
            for recommendation in advice.recommendations {
                rows.append(["\(recommendation.rank)", bytes(recommendation.estimatedSizeBytes),
                             percent(recommendation.workloadShareServed), number(recommendation.contribution),
                             number(recommendation.writeOverhead), recommendation.hypotheticalDefinition])
            }
            let widths = (0 ..< header.count - 1).map { column in rows.map { $0[column].count }.max() ?? 0 }
            for (position, row) in rows.enumerated() {
                let padded = (0 ..< header.count - 1).map { column in
                    column == 0 ? row[column].padding(toLength: widths[column], withPad: " ", startingAt: 0)
                        : String(repeating: " ", count: widths[column] - row[column].count) + row[column]
                }
                let line = (padded + [row[header.count - 1]]).joined(separator: "  ")
                lines.append(position == 0 ? style.bold(line) : line)
            }
            for recommendation in advice.recommendations {
                lines.append("")
                lines.append(style.bold("\(recommendation.rank). \(recommendation.definition)"))
                lines.append("   why: \(recommendation.reason)")
                lines.append("   size: \(bytes(recommendation.estimatedSizeBytes)) estimated"
                    + (recommendation.deduplicatedSizeBytes < recommendation.estimatedSizeBytes
                        ? ", about \(bytes(recommendation.deduplicatedSizeBytes)) with B-tree deduplication" : ""))
                lines.append("   without it the workload costs \(number(recommendation.contribution))\(unit) more"
                    + (recommendation.writeOverhead > 0 ? "; its maintenance costs \(number(recommendation.writeOverhead))\(unit)" : ""))
                if let writes = recommendation.tableWrites { lines.append("   table writes since statistics were reset: \(writes)") }
                for statement in recommendation.statements.prefix(8) {
                    lines.append("   serves \(statement.origin) (\(statement.calls) call\(statement.calls == 1 ? "" : "s"), \(statement.fingerprint)): "
                        + "cost \(number(statement.costBefore)) → \(number(statement.costAfter))"
                        + (statement.replaces.map { ", \($0)" } ?? ""))
                    if let logged = statement.logged { lines.append("     in the log: " + Self.describe(logged)) }
                }
                if recommendation.statements.count > 8 { lines.append("   … and \(recommendation.statements.count - 8) more statements") }
                if !recommendation.alternatives.isEmpty {
                    lines.append("   preferred to: " + recommendation.alternatives.joined(separator: "; "))
                }
                if let verification = recommendation.verification {
                    lines.append("   verified: built in " + String(format: "%.1f s", verification.buildSeconds)
                        + (verification.sizeBytes.map { ", \(bytes($0)) on disk" } ?? "")
                        + (verification.pays ? "" : " — " + style.severity(.warning, "does not pay: demoted")))
                    for measured in verification.statements {
                        lines.append("     \(measured.fingerprint): " + String(format: "%.2f ms → %.2f ms (%.1f×)", measured.beforeMs,
                                                                                 measured.afterMs, measured.speedup)
                            + (measured.usesIndex ? "" : ", the plan does not use the index"))
                    }
                }
            }
        }
        if !advice.drops.isEmpty {
            lines.append("")
            lines.append(style.bold("Existing indexes to consider dropping"))
            for drop in advice.drops {
                lines.append("  \(drop.definition): \(drop.reason)" + (drop.sizeBytes.map { " (\(bytes($0)))" } ?? ""))
            }
        }
        if !advice.rejectedForWrites.isEmpty {
            lines.append("")
            lines.append(style.bold("Not recommended: they would cost more in writes than they save in reads"))
            for rejected in advice.rejectedForWrites {
                lines.append("  \(rejected.definition): saves \(number(rejected.readBenefit))\(unit) of reads, costs \(number(rejected.writeOverhead))\(unit) of writes")
            }
        }
        if !advice.uncosted.isEmpty {
            lines.append("")
            lines.append(style.bold("Not costed (HypoPG cannot estimate these)"))
            for suggestion in advice.uncosted { lines.append("  \(suggestion.definition): \(suggestion.reason)") }
        }
        for note in advice.notes { lines.append("note: \(note)") }
        return lines.joined(separator: "\n")
    }

    static func sql(_ advice: Advice) -> String {
        var lines = [
            "-- Index advice from `sargable advise`: \(advice.recommendations.count) index(es) for \(advice.statements) statements,",
            "-- workload cost \(number(advice.baselineCost)) → \(number(advice.recommendedCost)) (\(change(advice.improvement))).",
            "-- CREATE INDEX CONCURRENTLY cannot run inside a transaction block: run this file without one",
            "-- (psql -f, or a migration tool's no-transaction mode). A failed concurrent build leaves an",
            "-- INVALID index: drop it and run the statement again.",
            "SET lock_timeout = '5s';",
            "SET statement_timeout = 0;",
        ]
        for recommendation in advice.recommendations {
            lines.append("")
            let served = recommendation.statements.count
            lines.append("-- \(recommendation.rank). \(recommendation.reason); serves \(served) statement\(served == 1 ? "" : "s")"
                + " (\(percent(recommendation.workloadShareServed)) of the workload's cost), \(bytes(recommendation.estimatedSizeBytes)) estimated")
            for statement in recommendation.statements.prefix(3) {
                lines.append("--    \(statement.origin): cost \(number(statement.costBefore)) → \(number(statement.costAfter))")
            }
            if let verification = recommendation.verification {
                let speedups = verification.statements.map { String(format: "%.1f×", $0.speedup) }.joined(separator: ", ")
                lines.append("--    verified: \(speedups)" + (verification.pays ? "" : " (does not pay)"))
            }
            lines.append(recommendation.definition + ";")
        }
        for drop in advice.drops {
            lines.append("")
            lines.append("-- Consider (check every application first): \(drop.reason)")
            lines.append("-- \(drop.definition);")
        }
        return lines.joined(separator: "\n")
    }

    static func number(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 1e9 { return String(format: "%.2fG", value / 1e9) }
        if magnitude >= 1e6 { return String(format: "%.2fM", value / 1e6) }
        if magnitude >= 1e4 { return String(format: "%.1fk", value / 1e3) }
        return String(format: magnitude >= 100 || magnitude == 0 ? "%.0f" : "%.2f", value)
    }

    /// `Seq Scan on orders returned 3 rows, removed 199,997 by its filter, 41.2 ms`.
    static func describe(_ scan: LoggedScan) -> String {
        var text = scan.node
        if let rows = scan.rows {
            let count = Int(rows.rounded())
            text += " returned \(AnalyzeFormatting.grouped(count)) row\(count == 1 ? "" : "s")"
        }
        if let removed = scan.rowsRemovedByFilter, removed >= 1 {
            text += ", removed \(AnalyzeFormatting.grouped(Int(removed.rounded()))) by its filter"
        }
        if let milliseconds = scan.milliseconds { text += String(format: ", %.1f ms", milliseconds) }
        return text
    }

    static func percent(_ share: Double) -> String { String(format: "%.1f%%", share * 100) }

    /// `−44.6%` for a workload that got cheaper, `+0.0%` when nothing changed.
    static func change(_ improvement: Double) -> String {
        improvement > 0 ? "−" + percent(improvement) : "+" + percent(abs(improvement))
    }

    static func bytes(_ count: Int) -> String {
        if count >= 1_000_000_000 { return String(format: "%.2f GB", Double(count) / 1e9) }
        if count >= 1_000_000 { return String(format: "%.1f MB", Double(count) / 1e6) }
        if count >= 1_000 { return String(format: "%.0f kB", Double(count) / 1e3) }
        return "\(count) B"
    }
}
