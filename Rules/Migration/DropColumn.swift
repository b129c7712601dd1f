import SargableCore
import SargableLint
import SargableSyntax

public enum DropColumn: SQLRule {
    public static let metadata = RuleMetadata(
        id: "drop-column",
        title: "Dropping a column of an existing table",
        severity: .info,
        category: .migration,
        rationale: """
        Code of the running release that selects or inserts the column fails as soon as the drop \
        commits; ORMs that list every column fail even when no feature uses it.
        """,
        fix: "Stop using the column in a release first (ignore it in the ORM), then drop it in a later migration.",
        bad: [RuleExample("ALTER TABLE users DROP COLUMN ↓name")],
        good: [RuleExample("CREATE TABLE scratch (id bigint PRIMARY KEY, note text);\nALTER TABLE scratch DROP COLUMN note")])

    public static let statementKinds: [NodeKind]? = [.alterTableStmt]

    public static func check(_ context: RuleContext) {
        guard let alter = context.alterCommandsOnExistingTable() else { return }
        for (subtype, command) in alter.commands where subtype == .dropColumn {
            let column = command[.name]?.string ?? "?"
            let offset = columnNameOffset(column, in: context) ?? context.startOffset(of: alter.relation)
            context.report(byteOffset: offset, FindingText(
                message: "dropping \(alter.table).\(column) breaks code of the running release that still reads it",
                help: "release code that no longer uses \(column) first, then drop it"))
        }
    }

    /// The column's name token after DROP COLUMN, found with the scanner (the command has no location).
    static func columnNameOffset(_ column: String, in context: RuleContext) -> Int? {
        let start = context.statement.range.lowerBound
        guard let tokens = try? PgQuery.scan(context.statement.text) else { return nil }
        var afterDrop = false
        for token in tokens {
            let word = context.document.file.text(of: token.range.lowerBound + start ..< token.range.upperBound + start)
            if token.kind == .keyword, word.lowercased() == "drop" { afterDrop = true; continue }
            if afterDrop, token.kind == .identifier || token.kind == .keyword,
               word == column || word.lowercased() == column || word == "\"\(column)\"" {
                return token.range.lowerBound + start
            }
        }
        return nil
    }
}
