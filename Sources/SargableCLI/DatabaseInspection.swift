import SargableCore
import SargableLint
import SargablePostgres
import SargableRules
import SargableSchema

/// What `lint --database` adds: the live catalog as the schema the replay starts from, and the
/// checks only a live catalog can answer (the linter applies configuration and suppressions).
enum DatabaseInspection {
    static func inspect(_ options: DatabaseOptions) throws -> (schema: SchemaModel, findings: [DatabaseFinding]) {
        let (schema, _) = try read(options, what: "the catalog") { connection, limits throws(PostgresError) in
            try Catalog.read(connection, limits: limits)
        }
        return (schema, DatabaseChecks.run(schema))
    }

    /// Connects and reads under the options' limits; a failure is one line naming `what` and the
    /// target (`cannot read the catalog of host=db: …`), Ctrl-C ends the command. Returns the
    /// target too, for reports that name it.
    static func read<T>(_ options: DatabaseOptions, what: String,
                        _ body: (Connection, StatementLimits) throws(PostgresError) -> T) throws -> (T, target: String) {
        let connection = try options.connect()
        let result: T
        do {
            result = try body(connection, options.limits)
        } catch {
            try Interrupts.shared.checkpoint()
            throw CommandFailure("cannot read \(what) of \(connection.target): \(options.limits.describe(error))")
        }
        try Interrupts.shared.checkpoint()
        return (result, connection.target)
    }
}
