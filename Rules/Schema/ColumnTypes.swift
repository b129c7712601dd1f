import SargableAnalysis
import SargableLint
import SargableSchema
import SargableSyntax

/// The column types a CREATE TABLE or ALTER TABLE (ADD COLUMN, ALTER COLUMN … TYPE) writes, for the
/// rules about type choices.
enum ColumnTypes {
    struct Written {
        let table: RelationName
        let column: String
        /// The `TypeName` node (where a finding goes) and its text (`character varying(20)`).
        let typeName: Node
        let type: String
    }

    /// The statement's column definitions with their types, worked out once for the rules that read them.
    static func written(in context: RuleContext) -> [Written] {
        context.memoized(ColumnTypes.self) { columns(in: context) }
    }

    private static func columns(in context: RuleContext) -> [Written] {
        let root = context.root
        guard root.kind == .createStmt || root.kind == .alterTableStmt, let table = root[.relation]?.relationName else { return [] }
        // ALTER COLUMN … TYPE names the column on the command, not on its ColumnDef.
        var alteredNames: [Int: String] = [:]
        for command in root[.cmds]?.elements ?? [] where command.as(AlterTableCmd.self)?.subtype == .alterColumnType {
            if let name = command[.name]?.string, let definition = command[.def], let location = definition[.typeName]?.location {
                alteredNames[location] = name
            }
        }
        return context.nodes(.columnDef).compactMap { definition in
            guard let typeName = definition[.typeName],
                  let column = definition[.colname]?.string ?? typeName.location.flatMap({ alteredNames[$0] }) else { return nil }
            return Written(table: table, column: column, typeName: typeName, type: TypeText.of(typeName))
        }
    }
}
