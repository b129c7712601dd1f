import SargableCore
import SargableLint
import SargablePostgres
import SargableRules
import SargableSchema

/// What `lint --database` adds: the live catalog as the schema the replay starts from, and the
/// checks only a live catalog can answer (the linter applies configuration and suppressions).
enum DatabaseInspection {
    static func inspect(_ options: DatabaseOptions) throws -> (schema: SchemaModel, findings: [DatabaseFinding]) {
        let connection = try options.connect()
        let schema: SchemaModel
        do {
            schema = try Catalog.read(connection, limits: options.limits)
        } catch {
            try Interrupts.shared.checkpoint()
            throw CommandFailure("cannot read the catalog of \(connection.target): \(options.limits.describe(error))")
        }
        try Interrupts.shared.checkpoint()
        return (schema, DatabaseChecks.run(schema))
    }
}
