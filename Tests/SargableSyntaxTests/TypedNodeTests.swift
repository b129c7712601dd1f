import Foundation
import SargableCore
import Testing
@testable import SargableSyntax

@Suite("typed parse-tree views")
struct TypedNodeTests {
    @Test func viewsReadFieldsWithTheirProtoTypes() throws {
        let sql = "SELECT a FROM t WHERE a = 1 AND b IS NOT NULL ORDER BY a DESC"
        let select = try #require(try PgQuery.parse(sql).firstStatement?.as(SelectStmt.self))
        let relation = try #require(select.fromClause.first?.as(RangeVar.self))
        #expect(relation.relname == "t")
        #expect(relation.inh)
        let and = try #require(select.whereClause?.as(BoolExpr.self))
        #expect(and.boolop == .and)
        let comparison = try #require(and.args.first?.as(AExpr.self))
        #expect(comparison.kind == .op)
        #expect(comparison.name.compactMap { $0.as(StringNode.self)?.sval } == ["="])
        #expect(and.args.last?.as(NullTest.self)?.nulltesttype == .notNull)
        #expect(select.sortClause.first?.as(SortBy.self)?.sortbyDir == .desc)
        // A view of another kind is nil, not a misread.
        #expect(select.whereClause?.as(AExpr.self) == nil)
    }

    @Test func ddlEnumsAreTyped() throws {
        let tree = try PgQuery.parse("""
            CREATE TABLE x (id int PRIMARY KEY, owner int REFERENCES users);
            ALTER TABLE x ADD COLUMN c text, DROP COLUMN d;
            DROP INDEX i;
            """)
        let create = try #require(tree.statements[0].as(CreateStmt.self))
        #expect(create.relation?.relname == "x")
        let columns = create.tableElts.compactMap { $0.as(ColumnDef.self) }
        #expect(columns.map(\.colname) == ["id", "owner"])
        #expect(columns.flatMap { $0.constraints.compactMap { $0.as(Constraint.self)?.contype } } == [.primary, .foreign])
        let alter = try #require(tree.statements[1].as(AlterTableStmt.self))
        #expect(alter.cmds.compactMap { $0.as(AlterTableCmd.self)?.subtype } == [.addColumn, .dropColumn])
        #expect(tree.statements[2].as(DropStmt.self)?.removeType == .index)
    }

    @Test func scannerTokenCodesAreNamed() throws {
        let tokens = try PgQuery.scan("SELECT 'x'; -- c")
        #expect(tokens.map { TokenCode(rawValue: $0.code) } == [.select, .sconst, .semicolon, .sqlComment])
    }

    /// The generated file is what the generator makes of the installed proto (like Rules/README.md).
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/include/pg_query/pg_query.proto"),
                   "needs libpg-query-dev's pg_query.proto"),
          arguments: ["SargableSyntax/Generated/NodeNames.swift", "SargableSyntax/Generated/NodeTypes.swift",
                      "CPgQueryScanner/tree_fields.inc"])
    func generatedFileIsCurrent(path: String) throws {
        let name = URL(fileURLWithPath: path).lastPathComponent
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let result = try Subprocess("python3", [root.appendingPathComponent("scripts/generate-node-names.py").path, "--stdout", name],
                                    errors: .inherit).run()
        let generated = Data(result.output)
        #expect(result.status == 0)
        let committed = try Data(contentsOf: root.appendingPathComponent("Sources/\(path)"))
        #expect(committed == generated, "Sources/\(path) is stale: run scripts/generate-node-names.py")
    }
}
