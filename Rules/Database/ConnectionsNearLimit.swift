import SargableCore
import SargableLint
import SargableSchema

public enum ConnectionsNearLimit: HealthRule {
    public static let metadata = RuleMetadata(
        id: "connections-near-limit",
        title: "Connections close to max_connections",
        severity: .warning,
        category: .database,
        rationale: """
        Each connection is a server process with its own memory; past max_connections minus the \
        slots reserved for superusers, new clients are refused. Reported when the client \
        connections in pg_stat_activity reach `percent` of the usable slots. The finding (and \
        `sargable doctor`'s Connections section) gives the pool size per application node that \
        keeps every node's pool within the limit: (max_connections − reserved) / `app-nodes`.
        """,
        fix: "Put a pooler (PgBouncer in transaction mode) in front, or size each node's pool from the formula; raise max_connections only with the memory to back it.",
        bad: [RuleExample("""
            -- any connection reaches 1% of the usable slots
            ↓SELECT 1;
            """, options: ["percent": .integer(1)])],
        good: [RuleExample("""
            SELECT 1;
            """)])

    public static let percent = TypedOption<Int>("percent", default: 80, "share of the usable connection slots in use that is reported")
    public static let appNodes = TypedOption<Int>("app-nodes", default: 1, "application nodes sharing the server, for the pool size per node")
    public static var options: [RuleOption] { [percent.declaration, appNodes.declaration] }
    public static var section: HealthSection { .connections }

    public static func check(_ server: ServerHealth, options: [String: RuleOption.Value]) -> [DatabaseFinding] {
        guard let sizing = PoolSizing(server, appNodes: appNodes.value(in: options)),
              server.connections * 100 >= sizing.usable * percent.value(in: options) else { return [] }
        return [finding(about: nil,
                        message: "\(server.connections) of \(sizing.usable) usable connections are in use (\(sizing.formula))",
                        help: "pool connections: at most \(sizing.perNode) per application node, or put PgBouncer in front")]
    }
}

/// The pool-sizing arithmetic of the checklist, with its numbers.
public struct PoolSizing: Sendable {
    public let maxConnections: Int
    public let reserved: Int
    public let appNodes: Int

    public init?(_ server: ServerHealth, appNodes: Int) {
        guard let max = server.settings["max_connections"].flatMap({ Int($0.value) }) else { return nil }
        maxConnections = max
        // PostgreSQL 16 adds reserved_connections (for pg_use_reserved_connections) to the superuser slots.
        reserved = ["superuser_reserved_connections", "reserved_connections"]
            .compactMap { server.settings[$0].flatMap { Int($0.value) } }.reduce(0, +)
        self.appNodes = Swift.max(1, appNodes)
    }

    public var usable: Int { Swift.max(1, maxConnections - reserved) }
    public var perNode: Int { usable / appNodes }

    /// `max_connections 100 − 3 reserved = 97 usable; / 2 app nodes = 48 per node's pool`.
    public var formula: String {
        "max_connections \(maxConnections) − \(reserved) reserved = \(usable) usable; / \(appNodes) app node\(appNodes == 1 ? "" : "s") = \(perNode) per node's pool"
    }
}
