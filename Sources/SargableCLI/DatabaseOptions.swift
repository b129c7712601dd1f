import ArgumentParser
import SargablePostgres

/// `--database`, shared by every command that talks to PostgreSQL.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database"),
            help: ArgumentHelp("""
                A libpq connection string ('host=db dbname=app user=alice') or a postgresql:// URI. \
                Without it, the PG* environment variables, ~/.pgpass and service files apply, as with psql.
                """, valueName: "conninfo|uri"))
    var database: String?

    /// Connects, or fails the command with one line that names the target but never the password.
    func connect() throws -> Connection {
        do {
            return try Connection(database ?? "")
        } catch {
            throw CommandFailure(error.description)
        }
    }
}

/// `30s`, `500ms`, `2min`, or a bare number of milliseconds (PostgreSQL's units for timeouts).
struct Milliseconds: ExpressibleByArgument {
    let value: Int

    init?(argument: String) {
        let units: [(suffix: String, factor: Int)] = [("ms", 1), ("min", 60_000), ("s", 1000), ("", 1)]
        for unit in units where argument.hasSuffix(unit.suffix) {
            guard let number = Int(argument.dropLast(unit.suffix.count)), number >= 0 else { continue }
            value = number * unit.factor
            return
        }
        return nil
    }

    init(_ value: Int) { self.value = value }

    var defaultValueDescription: String { value % 1000 == 0 ? "\(value / 1000)s" : "\(value)ms" }
}
