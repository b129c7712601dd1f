import SargableTesting
import Shop
import Testing

// Each test gets its own database copied from a template holding ../../Migrations (loaded once
// per content), as TestDatabase.current; statements are captured on the server.
@Suite(.postgres(migrations: "../../Migrations"))
struct OrderStoreTests {
    @Test func summariesAreOneQueryWhateverTheNumberOfCustomers() async throws {
        let store = try OrderStore(connectionString: TestDatabase.require().connectionString)
        try await expectNoNPlusOne {
            _ = try store.summaries(of: Array(1 ... 50))
        }
        try await expectQueries(.exactly(1), .select, on: "orders") {
            _ = try store.summaries(of: [1, 2, 3])
        }
    }

    @Test func summariesDoNotGrowWithTheData() async throws {
        let database = try TestDatabase.require()
        let store = try OrderStore(connectionString: database.connectionString)
        try await expectConstantQueries(scales: [2, 10], populate: { n in
            try database.execute("INSERT INTO customers SELECT 100000 + g, 'new' || g || '@example.com' FROM generate_series(1, \(n)) g ON CONFLICT DO NOTHING")
        }) {
            let customers = try database.query("SELECT id FROM customers WHERE id > 100000").rows.compactMap { $0.int("id") }
            _ = try store.summaries(of: customers)
        }
    }

    @Test func aCustomersOrdersComeThroughTheIndex() throws {
        try expectPlan(of: OrderStore.ordersOfCustomer, parameters: ["7"]) { plan in
            plan.uses(index: "orders_customer_id_idx")
            plan.noSeqScan(on: "orders")
        }
    }

    @Test func thePlanOfTheOrdersPageIsPinned() throws {
        // __Snapshots__/OrderStoreTests/orders-of-a-customer.plan; record again with
        // SARGABLE_RECORD_SNAPSHOTS=failed when a plan change is intended.
        try expectPlanSnapshot(of: OrderStore.ordersOfCustomer, parameters: ["7"], named: "orders-of-a-customer")
    }
}
