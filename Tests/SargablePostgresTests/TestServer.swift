import Foundation
import SargablePostgres
import SargableSyntax
import Testing

/// One throwaway server for the whole test process; each suite works in its own database.
enum TestServer {
    static let shared: Result<TemporaryPostgres, Error> = Result { try TemporaryPostgres.start() }

    static func server() throws -> TemporaryPostgres { try shared.get() }

    /// The repository root, from this file's path.
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Creates an empty database with a unique name.
    static func freshDatabase(_ prefix: String) throws -> (conninfo: String, connection: Connection) {
        let conninfo = try server().createDatabase(uniqueName(prefix))
        return (conninfo, try Connection(conninfo))
    }

    /// A copy of the sample domain (samples/migrations/*.sql, then samples/database/seed.sql),
    /// loaded once and copied per suite with CREATE DATABASE … TEMPLATE.
    static func freshSampleDatabase(_ prefix: String) throws -> (conninfo: String, connection: Connection) {
        let template = try sampleTemplate.get()
        let name = uniqueName(prefix)
        try Connection(server().connectionString()).execute(
            "CREATE DATABASE \(Connection.quoteIdentifier(name)) TEMPLATE \(Connection.quoteIdentifier(template))")
        let conninfo = try server().connectionString(database: name)
        return (conninfo, try Connection(conninfo))
    }

    private static let sampleTemplate: Result<String, Error> = Result {
        let name = "sample_template"
        try server().createDatabase(name)
        try loadSampleDomain(into: server().connectionString(database: name))
        return name
    }

    /// Its connection closes on return, before the database is used as a template.
    private static func loadSampleDomain(into conninfo: String) throws {
        let connection = try Connection(conninfo)
        let migrations = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot + "/samples/migrations")
            .filter { $0.hasSuffix(".sql") }.sorted()
        for file in migrations { try runScript(repositoryRoot + "/samples/migrations/" + file, on: connection) }
        try runScript(repositoryRoot + "/samples/database/seed.sql", on: connection)
    }

    /// Runs a SQL file one statement at a time (CREATE INDEX CONCURRENTLY cannot share a transaction).
    static func runScript(_ path: String, on connection: Connection) throws {
        let document = SQLDocument(path: path, text: try String(contentsOfFile: path, encoding: .utf8))
        for statement in document.statements { try connection.execute(statement.text) }
    }

    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
    }
}
