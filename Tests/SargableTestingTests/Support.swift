import Foundation
import SargablePostgres
import SargableTesting

/// The schema every test here starts from: enough rows that the planner prefers indexes where
/// they exist (the template is loaded once and ANALYZEd).
let shopSchema = """
    CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL);
    CREATE TABLE orders (id int PRIMARY KEY, user_id int NOT NULL REFERENCES users, total_cents int NOT NULL, note text);
    CREATE INDEX orders_user_id_idx ON orders (user_id);
    INSERT INTO users SELECT g, 'user' || g || '@example.com' FROM generate_series(1, 1000) g;
    INSERT INTO orders SELECT g, 1 + g % 1000, g * 7 % 10000, repeat('x', g % 50) FROM generate_series(1, 20000) g;
    """

let shop = DatabaseSetup(sql: [shopSchema])

/// A database of `setup` whose expectations report into a list the test reads; dropped after.
func withShop(_ setup: DatabaseSetup = shop, _ body: (TestDatabase, CollectingReporter) async throws -> Void) async throws {
    let reporter = CollectingReporter()
    let database = try TestDatabase.create(setup, label: "lib", reporter: reporter)
    // Dropped whatever happened: these tests make expectations fail on purpose.
    defer { database.drop() }
    try await body(database, reporter)
}

/// The code under test's own connection: a plain libpq client, not Sargable's.
func application(_ database: TestDatabase) throws -> Connection {
    try Connection(database.connectionString, applicationName: "shop-app")
}
