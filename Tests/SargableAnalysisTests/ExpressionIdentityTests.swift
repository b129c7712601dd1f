import SargableAnalysis
import SargableSchema
import SargableSyntax
import Testing

/// The expression of `SELECT <sql>`, as a query or index definition holds it.
func expression(_ sql: String) throws -> Node {
    try #require(ExpressionIdentity.parse(sql), "\(sql) is one expression")
}

@Suite("structural expression identity")
struct ExpressionIdentityTests {
    @Test(arguments: [
        ("deleted_at IS NULL", "archived_at IS NULL"),
        ("c IS NULL", "c IS NOT NULL"),
        ("status = 'active'", "status = 'archived'"),
        ("lower(email)", "upper(email)"),
        ("a + b", "a - b"),
        ("a AND b", "a OR b"),
        ("x = 1", "x = 1.0"),
        // Beyond ExpressionText's depth the text is `…` for both; the structures still differ.
        (String(repeating: "(", count: 30) + "a + 1" + String(repeating: ")", count: 30) + " + 1",
         String(repeating: "(", count: 30) + "a + 2" + String(repeating: ")", count: 30) + " + 1"),
        // Shapes ExpressionText prints by their node kind.
        ("CASE WHEN a THEN 1 END", "CASE WHEN b THEN 1 END"),
        ("a IS TRUE", "a IS FALSE"),
    ])
    func differentExpressionsDiffer(_ pair: (String, String)) throws {
        let left = ExpressionIdentity.expression(try expression(pair.0))
        let right = ExpressionIdentity.expression(try expression(pair.1))
        #expect(left != right)
        #expect(IndexKey.expression(left) != IndexKey.expression(right))
    }

    @Test(arguments: [
        ("deleted_at IS NULL", "((deleted_at) is null)"),
        ("lower(email)", "LOWER( email )"),
        // A query qualifies its columns; an index expression names them bare.
        ("lower(u.email)", "lower(email)"),
        // How pg_get_expr and pg_get_indexdef print what CREATE INDEX was given.
        ("lower(email::text)", "lower((email)::text)"),
        ("region IS NOT NULL AND deleted_at IS NULL", "((region IS NOT NULL) AND (deleted_at IS NULL))"),
    ])
    func spellingsOfOneExpressionAreEqual(_ pair: (String, String)) throws {
        #expect(ExpressionIdentity.expression(try expression(pair.0)) == ExpressionIdentity.expression(sql: pair.1))
    }

    @Test func textThatIsNotOneExpressionEqualsNothing() {
        for text in ["lower(", "1 FROM users", "a, b", "1 AS x"] {
            let unreadable = ExpressionIdentity.expression(sql: text)
            #expect(unreadable.structure == nil)
            #expect(unreadable != ExpressionIdentity.expression(sql: text), "\(text) is never the same as itself")
        }
        // A value written by hand has text only until it is normalised.
        let handWritten: IndexExpression = "lower(email)"
        #expect(handWritten != ExpressionIdentity.expression(sql: "lower(email)"))
    }

    @Test func normalisingASchemaReadsHandWrittenExpressionsOnce() throws {
        var schema = SchemaModel()
        let users = RelationName(name: "users")
        schema.setTable(Table(name: users, indexes: [
            Index(name: "users_lower_email_idx", table: users, keys: [.expression("lower((email)::text)")],
                  predicate: "(deleted_at IS NULL)"),
        ]))
        let index = try #require(ExpressionIdentity.normalised(schema).table(users)?.indexes.first)
        #expect(index.keys == [.expression(ExpressionIdentity.expression(try expression("lower(email::text)")))])
        #expect(index.predicate == ExpressionIdentity.expression(try expression("deleted_at IS NULL")))
        // The text stays as written, for messages.
        #expect(index.keys.map(\.description) == ["(lower((email)::text))"])
    }
}

@Test func whereAnExpressionSitsIsNotPartOfItsIdentity() throws {
    let tree = try PgQuery.parse("SELECT 1 FROM users WHERE lower(email) = lower(email)")
    let comparison = try #require(tree.firstStatement?[.whereClause])
    let left = try #require(comparison[.lexpr]), right = try #require(comparison[.rexpr])
    #expect(ExpressionIdentity.structure(of: left) == ExpressionIdentity.structure(of: right))
}
