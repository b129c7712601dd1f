import SargableCore
import SargablePlan
import SargableSyntax

enum PlanConditions {
    /// Column names in a plan condition such as `((status = 'pending'::text) AND (o.total_cents > 100))`.
    /// The condition is a deparsed SQL expression, so libpg_query reads it as `SELECT <condition>`.
    static func columns(_ condition: String) -> [String] {
        guard let tree = try? PgQuery.parse("SELECT " + condition), let root = tree.statements.first else { return [] }
        var names: [String] = []
        for reference in root.descendants(ofKind: .columnRef) {
            guard let name = reference[.fields]?.elements.last?[.sval]?.string, !names.contains(name) else { continue }
            names.append(name)
        }
        return names
    }

    /// `12.3 ms`, `0.04 ms`, `1.2 s`.
    static func duration(_ milliseconds: Double) -> String {
        if milliseconds >= 1000 { return "\(((milliseconds / 100).rounded()) / 10) s" }
        if milliseconds >= 10 { return "\(Int(saturating: milliseconds)) ms" }
        return "\(((milliseconds * 100).rounded()) / 100) ms"
    }

    static func count(_ rows: Double) -> String { String(Int(saturating: rows)) }
}
