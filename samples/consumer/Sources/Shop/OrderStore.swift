import SargablePostgres

public struct OrderSummary: Equatable, Sendable {
    public var customerID: Int
    public var orders: Int
    public var totalCents: Int
}

/// The application code under test: one query per page, whatever the number of customers.
public final class OrderStore {
    public static let ordersOfCustomer = "SELECT id, total_cents FROM orders WHERE customer_id = $1 ORDER BY placed_at DESC"
    static let summaries = """
        SELECT customer_id, count(*) AS orders, sum(total_cents) AS total FROM orders
        WHERE customer_id = ANY($1) GROUP BY customer_id ORDER BY customer_id
        """

    private let connection: Connection

    public init(connectionString: String) throws {
        connection = try Connection(connectionString, applicationName: "shop")
    }

    public func orders(ofCustomer id: Int) throws -> [Int] {
        try connection.query(Self.ordersOfCustomer, [String(id)]).rows.compactMap { $0.int("id") }
    }

    /// Every customer's summary in one statement (`= ANY($1)`), not one per customer.
    public func summaries(of customers: [Int]) throws -> [OrderSummary] {
        let keys = "{" + customers.map(String.init).joined(separator: ",") + "}"
        return try connection.query(Self.summaries, [keys]).rows.map { row in
            OrderSummary(customerID: row.int("customer_id") ?? 0, orders: row.int("orders") ?? 0, totalCents: row.int("total") ?? 0)
        }
    }
}
