import SargableAnalysis
import SargableCore
import SargableLint
import SargableSyntax

public enum ColumnTypeChange: SQLRule {
    public static let metadata = RuleMetadata(
        id: "column-type-change",
        title: "ALTER COLUMN … TYPE that rewrites the table",
        severity: .warning,
        category: .migration,
        rationale: """
        Changing a column's type rewrites the whole table and all its indexes under an ACCESS EXCLUSIVE \
        lock: no reads or writes until it finishes. Changes PostgreSQL makes without a rewrite are \
        allowed: varchar(n) to a longer varchar or to text/unbounded varchar, text to unbounded varchar, \
        numeric(p,s) to a larger precision with the same scale or to unconstrained numeric (the old \
        type is read from the schema model; without it the change is reported).
        """,
        fix: "Expand–contract: add a column of the new type, backfill it in batches, switch reads and writes, then drop the old one.",
        bad: [
            RuleExample("ALTER TABLE orders ALTER COLUMN total_cents TYPE ↓bigint"),
            RuleExample("ALTER TABLE users ALTER COLUMN email TYPE ↓varchar(100) USING substr(email, 1, 100)"),
        ],
        good: [
            RuleExample("CREATE TABLE users (id bigint PRIMARY KEY, name varchar(50));\nALTER TABLE users ALTER COLUMN name TYPE varchar(200)"),
            RuleExample("CREATE TABLE orders (id bigint PRIMARY KEY, status varchar(20));\nALTER TABLE orders ALTER COLUMN status TYPE text"),
        ])

    public static let statementKinds: [NodeKind]? = [.alterTableStmt]

    public static func check(_ context: RuleContext) {
        guard let alter = context.alterCommandsOnExistingTable() else { return }
        for (subtype, command) in alter.commands where subtype == .alterColumnType {
            guard let column = command[.name]?.string, let typeName = command[.def, .typeName] else { continue }
            let newType = TypeText.of(typeName)
            let oldType = context.schema.table(alter.table)?.column(named: column)?.type
            let hasUsing = command[.def, .rawDefault] != nil
            if !hasUsing, isBinaryCoercible(from: oldType, to: newType) { continue }
            let from = oldType.map { "from \($0) " } ?? ""
            context.report(typeName, FindingText(
                message: "changing \(alter.table).\(column) \(from)to \(newType) rewrites \(alter.table) under an access exclusive lock",
                help: "add a new column, backfill it in batches, switch over, then drop the old column"))
        }
    }

    /// Type changes PostgreSQL performs without rewriting the table.
    static func isBinaryCoercible(from old: String?, to new: String) -> Bool {
        guard let old else { return false }
        if old == new { return true }
        if new == "text" || new == "character varying" {
            return old == "text" || old.hasPrefix("character varying")
        }
        if let oldLength = modifier(old, of: "character varying"), let newLength = modifier(new, of: "character varying") {
            return newLength.first ?? 0 >= oldLength.first ?? .max
        }
        if let oldNumeric = modifier(old, of: "numeric") {
            if new == "numeric" { return true }
            if let newNumeric = modifier(new, of: "numeric"), oldNumeric.count == 2, newNumeric.count == 2 {
                return newNumeric[1] == oldNumeric[1] && newNumeric[0] >= oldNumeric[0]
            }
        }
        return false
    }

    /// `character varying(20)` → [20]; nil when `type` is not `base(…)`.
    static func modifier(_ type: String, of base: String) -> [Int]? {
        guard type.hasPrefix(base + "("), type.hasSuffix(")") else { return nil }
        return type.dropFirst(base.count + 1).dropLast().split(separator: ",").compactMap { Int($0) }
    }
}
