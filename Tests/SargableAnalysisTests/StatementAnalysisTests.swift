import SargableAnalysis
import SargableSchema
import SargableSyntax
import Testing

private func analysis(_ sql: String, schema: SchemaModel = SchemaModel()) throws -> StatementAnalysis {
    StatementAnalysis(try #require(try PgQuery.parse(sql).firstStatement), schema: schema)
}

private let users = RelationName(name: "users"), orders = RelationName(name: "orders")
private let items = RelationName(name: "order_items")

@Suite("what a statement means, for the advisor")
struct StatementAnalysisTests {
    @Test func columnPredicatesCarryTheirOperatorClass() throws {
        let block = try #require(try analysis("""
            SELECT id FROM orders
            WHERE status = 'paid' AND user_id = $1 AND created_at >= $2 AND created_at < $3
              AND region IN ('eu', 'us') AND shop_id = ANY($4) AND deleted_at IS NULL AND coupon IS NOT NULL
              AND sku LIKE 'AB-%' AND note LIKE '%x' AND total_cents BETWEEN 1 AND 10 AND 5 < quantity
            """).blocks.first)
        #expect(block.relations == ["orders": orders])
        let found = block.predicates(on: orders).map { "\($0.column.column) \($0.comparison)" }
        #expect(found == [
            "status equality", "user_id equality", "created_at range", "created_at range", "region inList",
            "shop_id inList", "deleted_at isNull", "coupon isNotNull", "sku prefixLike", "total_cents range", "quantity range",
        ])
    }

    @Test func aliasesAndJoinKeysResolveToTables() throws {
        let block = try #require(try analysis("""
            SELECT u.email, o.id, o.total_cents * 2 AS doubled FROM users u
            JOIN orders o ON o.user_id = u.id
            WHERE u.status = 'active' ORDER BY o.created_at DESC, u.id LIMIT 20
            """).blocks.first)
        #expect(block.relations == ["u": users, "o": orders])
        #expect(block.columnPredicates.contains(ColumnPredicate(column: ColumnOf(orders, "user_id"), comparison: .joinKey(ColumnOf(users, "id")))))
        #expect(block.columnPredicates.contains(ColumnPredicate(column: ColumnOf(users, "id"), comparison: .joinKey(ColumnOf(orders, "user_id")))))
        #expect(block.predicates(on: users).map(\.column.column) == ["status", "id"], "WHERE, then each ON")
        #expect(block.orderBy == [OrderKey(key: .column(ColumnOf(orders, "created_at")), descending: true),
                                  OrderKey(key: .column(ColumnOf(users, "id")), descending: false)])
        #expect(block.limit == .constant(20))
        #expect(block.returnedColumns.prefix(2) == [.column(ColumnOf(users, "email")), .column(ColumnOf(orders, "id"))])
        guard case .expression(let doubled) = block.returnedColumns.last else { Issue.record("a computed column"); return }
        #expect(doubled.text == "(total_cents * 2)")
    }

    @Test func expressionPredicatesMatchTheirIndexExpression() throws {
        let block = try #require(try analysis("SELECT id FROM users WHERE lower(email) = lower($1)").blocks.first)
        let predicate = try #require(block.expressionPredicates.first)
        #expect(predicate.relation == users && predicate.comparison == .equality)
        // The advisor's candidate is the index expression that serves it.
        let index = try #require(ExpressionIdentity.parse("lower(email)"))
        #expect(predicate.expression == ExpressionIdentity.expression(index))
        #expect(block.columnPredicates.isEmpty)
    }

    @Test func ctesAndSubqueriesAreBlocksOfTheirOwn() throws {
        let result = try analysis("""
            WITH recent AS (SELECT user_id FROM orders WHERE created_at > now() - interval '1 day')
            SELECT u.id FROM users u JOIN recent r ON r.user_id = u.id
            WHERE u.id IN (SELECT user_id FROM order_items WHERE quantity > 10)
            """)
        #expect(result.blocks.count == 3)
        // `recent` is the CTE, not a table; its columns belong to no table of the outer block.
        let outer = try #require(result.blocks.last)
        #expect(outer.relations == ["u": users])
        #expect(outer.columnPredicates.contains(ColumnPredicate(column: ColumnOf(users, "id"), comparison: .joinKey(ColumnOf(nil, "user_id")))))
        #expect(result.blocks.first?.predicates(on: orders).map(\.comparison) == [.range])
        #expect(result.blocks.contains { $0.predicates(on: items).map(\.comparison) == [.range] })
        #expect(result.relationsRead.sorted() == [items, orders, users])
        #expect(result.relationsWritten.isEmpty)
    }

    @Test func aTableNamedLikeACteElsewhereIsStillATable() throws {
        let result = try analysis("SELECT * FROM public.recent, (WITH recent AS (SELECT 1 AS x) SELECT x FROM recent) s")
        #expect(result.relationsRead == [RelationName(name: "recent")])
    }

    @Test func writesNameTheirTargetAndTheColumnsTheySet() throws {
        let update = try analysis("UPDATE orders SET status = 'shipped', shipped_at = now() WHERE id = $1 RETURNING id")
        let block = try #require(update.blocks.first)
        #expect(block.kind == .update && block.target == orders)
        #expect(block.setColumns == [ColumnOf(orders, "status"), ColumnOf(orders, "shipped_at")])
        #expect(block.predicates(on: orders).map(\.comparison) == [.equality])
        #expect(block.returnedColumns == [.column(ColumnOf(orders, "id"))])
        #expect(update.relationsWritten == [orders])

        let insert = try analysis("INSERT INTO order_items (order_id, product_id) SELECT id, 7 FROM orders WHERE user_id = 3")
        #expect(insert.relationsWritten == [items])
        #expect(insert.blocks.last?.setColumns == [ColumnOf(items, "order_id"), ColumnOf(items, "product_id")])
        #expect(insert.blocks.first?.predicates(on: orders).map(\.comparison) == [.equality])

        let delete = try analysis("DELETE FROM orders o USING users u WHERE o.user_id = u.id AND u.banned")
        #expect(delete.relationsWritten == [orders])
        #expect(delete.relationsRead.sorted() == [orders, users])
    }

    @Test func groupByKeysAndUnionSidesAreRead() throws {
        let grouped = try #require(try analysis("SELECT status, count(*) FROM orders GROUP BY status, date_trunc('day', created_at)").blocks.first)
        #expect(grouped.groupBy.first == OrderKey(key: .column(ColumnOf(orders, "status")), descending: false))
        guard case .expression(let day)? = grouped.groupBy.last?.key else { Issue.record("an expression key"); return }
        #expect(day.text == "date_trunc('day', created_at)")
        let union = try analysis("SELECT id FROM users WHERE id = 1 UNION SELECT user_id FROM orders WHERE id = 2")
        #expect(union.blocks.count == 2)
        #expect(union.relationsRead == [users, orders])
    }

    @Test func theSchemaResolvesUnqualifiedColumnsOfAJoin() throws {
        var schema = SchemaModel()
        schema.setTable(Table(name: users, columns: [Column(name: "id", type: "bigint"), Column(name: "email", type: "text")]))
        schema.setTable(Table(name: orders, columns: [Column(name: "id", type: "bigint"), Column(name: "total_cents", type: "int")]))
        let block = try #require(try analysis("SELECT 1 FROM users JOIN orders ON true WHERE email = $1 AND total_cents > 5 AND id = 1",
                                              schema: schema).blocks.first)
        #expect(block.columnPredicates.map(\.column) == [ColumnOf(users, "email"), ColumnOf(orders, "total_cents"), ColumnOf(nil, "id")])
    }
}
