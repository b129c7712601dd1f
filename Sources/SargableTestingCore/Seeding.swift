import SargablePostgres

extension TestDatabase {
    /// Inserts `rows` generated rows into `table` and ANALYZEs it, so plan assertions see the
    /// plans a real table size gets (a table of a few rows is always read by Seq Scan).
    /// `columns` maps each column to a SQL expression of `g`, the row number from 1:
    /// `seed("orders", rows: 10_000, ["user_id": "1 + g % 1000", "total_cents": "g * 7 % 5000"])`.
    public func seed(_ table: String, rows: Int, _ columns: KeyValuePairs<String, String>) throws {
        guard rows > 0, !columns.isEmpty else { throw SetupError("seed(\(table)) needs rows > 0 and at least one column") }
        let names = columns.map { Connection.quoteIdentifier($0.key) }.joined(separator: ", ")
        let values = columns.map(\.value).joined(separator: ", ")
        let quoted = table.split(separator: ".").map { Connection.quoteIdentifier(String($0)) }.joined(separator: ".")
        do {
            try execute("INSERT INTO \(quoted) (\(names)) SELECT \(values) FROM generate_series(1, \(rows)) AS g")
            try execute("ANALYZE \(quoted)")
        } catch {
            throw SetupError("seed(\(table)) failed: \(error)")
        }
    }
}
