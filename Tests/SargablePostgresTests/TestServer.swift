import Foundation
import SargablePostgres
import Testing

/// One throwaway server for the whole test process; each suite works in its own database.
enum TestServer {
    static let shared: Result<TemporaryPostgres, Error> = Result { try TemporaryPostgres.start() }

    static var isAvailable: Bool { TemporaryPostgres.isAvailable }

    static func server() throws -> TemporaryPostgres { try shared.get() }

    /// Creates a database with a unique name and returns a connection to it.
    static func freshDatabase(_ prefix: String) throws -> (conninfo: String, connection: Connection) {
        let name = "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
        let conninfo = try server().createDatabase(name)
        return (conninfo, try Connection(conninfo))
    }
}
