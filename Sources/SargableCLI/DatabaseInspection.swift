import SargableCore
import SargableLint
import SargablePostgres
import SargableRules
import SargableSchema

/// What `lint --database` adds: the live catalog as the schema the replay starts from, and the
/// checks only a live catalog can answer, filtered and re-graded by the configuration.
enum DatabaseInspection {
    static func inspect(_ options: DatabaseOptions, configuration: Configuration) throws -> (schema: SchemaModel, findings: [Finding]) {
        let connection = try options.connect()
        let schema: SchemaModel
        do {
            schema = try Catalog.read(connection, limits: options.limits)
        } catch {
            try Interrupts.shared.checkpoint()
            throw CommandFailure("cannot read the catalog of \(connection.target): \(options.limits.describe(error))")
        }
        try Interrupts.shared.checkpoint()
        let findings = DatabaseChecks.run(schema).compactMap { finding -> Finding? in
            guard configuration.isEnabled(finding.rule) else { return nil }
            var graded = finding
            graded.severity = configuration.severity(of: finding.rule, default: finding.severity)
            return graded
        }
        return (schema, findings)
    }
}
