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

    @Option(help: "Cancel a statement that runs longer than this (e.g. 30s, 500ms); the client gives up 2 s later.")
    var statementTimeout = Milliseconds(30_000)

    @Option(help: "Cancel a statement that waits longer than this for a lock.")
    var lockTimeout = Milliseconds(2_000)

    var limits: StatementLimits {
        StatementLimits(statementTimeoutMilliseconds: statementTimeout.value, lockTimeoutMilliseconds: lockTimeout.value)
    }

    /// Connects, or fails the command with one line that names the target but never the password.
    /// The connection's statements are cancelled on Ctrl-C (`Interrupts`).
    func connect() throws -> Connection {
        let connection: Connection
        do {
            connection = try Connection(database ?? "")
        } catch {
            throw CommandFailure(error.description)
        }
        Interrupts.shared.watch(connection)
        return connection
    }
}

/// `30s`, `500ms`, `2min`, or a bare number of milliseconds (PostgreSQL's units for timeouts).
struct Milliseconds: ExpressibleByArgument {
    let value: Int

    init?(argument: String) {
        let units: [(suffix: String, factor: Int)] = [("ms", 1), ("min", 60_000), ("s", 1000), ("", 1)]
        for unit in units where argument.hasSuffix(unit.suffix) {
            guard let number = Int(argument.dropLast(unit.suffix.count)), number >= 0 else { continue }
            let (product, overflow) = number.multipliedReportingOverflow(by: unit.factor)
            // PostgreSQL's timeouts are int milliseconds.
            guard !overflow, product <= Int(Int32.max) else { return nil }
            value = product
            return
        }
        return nil
    }

    init(_ value: Int) { self.value = value }

    var defaultValueDescription: String { value % 1000 == 0 ? "\(value / 1000)s" : "\(value)ms" }
}
