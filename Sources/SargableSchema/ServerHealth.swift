/// What the health checks read from a live server besides its schema: settings (server-wide and
/// per role / database), login roles, statistics age, connections and index bloat.
public struct ServerHealth: Sendable {
    public var schema: SchemaModel
    /// The database connected to: per-database settings and statistics are this one's.
    public var database: String
    /// Server-wide values by name, as a session with no per-role or per-database setting sees them.
    public var settings: [String: ServerSetting]
    /// `ALTER ROLE … SET` / `ALTER DATABASE … SET` for this database or all (`pg_db_role_setting`).
    public var overrides: [SettingOverride]
    /// Roles that can log in.
    public var loginRoles: [LoginRole]
    /// Seconds the statistics of this database have been collected, and whether they were ever reset.
    public var statisticsAgeSeconds: Int
    public var statisticsEverReset: Bool
    /// Client connections in `pg_stat_activity` when read.
    public var connections: Int
    /// The most sessions open at once in the server's logs, when logs were given.
    public var loggedPeak: LoggedSessionPeak?
    /// Per b-tree index of at least 1 MB: its estimated bloat.
    public var indexBloat: [RelationName: IndexBloat]

    public init(schema: SchemaModel = SchemaModel(), database: String = "", settings: [String: ServerSetting] = [:],
                overrides: [SettingOverride] = [], loginRoles: [LoginRole] = [], statisticsAgeSeconds: Int = 0,
                statisticsEverReset: Bool = false, connections: Int = 0, indexBloat: [RelationName: IndexBloat] = [:]) {
        self.schema = schema
        self.database = database
        self.settings = settings
        self.overrides = overrides
        self.loginRoles = loginRoles
        self.statisticsAgeSeconds = statisticsAgeSeconds
        self.statisticsEverReset = statisticsEverReset
        self.connections = connections
        self.indexBloat = indexBloat
    }

    /// Roles that can log in and are not superusers: the application's.
    public var applicationRoles: [String] { loginRoles.filter { !$0.isSuperuser }.map(\.name).sorted() }

    /// The value a session of `role` in this database starts with: role-and-database, then role,
    /// then database (`ALTER DATABASE`, `ALTER ROLE ALL IN DATABASE`), then `ALTER ROLE ALL`
    /// settings win over the server's, as PostgreSQL applies them.
    public func value(of name: String, forRole role: String?) -> String? {
        let applicable = overrides.filter { $0.name == name }
        func first(role wanted: String?, database: String?) -> String? {
            applicable.first { $0.role == wanted && $0.database == database }?.value
        }
        if let role, let value = first(role: role, database: database) ?? first(role: role, database: nil) { return value }
        return first(role: nil, database: database) ?? first(role: nil, database: nil) ?? settings[name]?.value
    }

    /// A duration setting in milliseconds for a session of `role` (nil when unreadable).
    public func milliseconds(of name: String, forRole role: String? = nil) -> Int? {
        value(of: name, forRole: role).flatMap { ServerSetting.milliseconds($0, unit: settings[name]?.unit) }
    }

    /// The libraries a `*_preload_libraries` setting of the server loads.
    public func libraries(_ setting: String) -> [String] { settings[setting].map { Self.libraries($0.value) } ?? [] }

    /// `pg_stat_statements, "auto_explain"` as names: quotes and spaces are not part of them.
    public static func libraries(_ list: String) -> [String] {
        list.split(separator: ",").map { $0.filter { $0 != " " && $0 != "\"" } }.filter { !$0.isEmpty }
    }

    /// `3 days`, `5 hours`, `12 minutes`: how long the statistics have been collected.
    public var statisticsAge: String {
        let (seconds, ever) = (statisticsAgeSeconds, statisticsEverReset)
        let age = seconds >= 172_800 ? "\(seconds / 86_400) days" : seconds >= 7_200 ? "\(seconds / 3_600) hours"
            : "\(seconds / 60) minutes"
        return ever ? "statistics reset \(age) ago" : "statistics never reset (at least \(age) old)"
    }
}

/// The most sessions a server's logs show open at once: `sessions`, and where and how it was
/// found (`12 sessions at app.log:40 (from log_connections and log_disconnections)`).
public struct LoggedSessionPeak: Sendable, Hashable {
    public var sessions: Int
    public var source: String
    /// False when estimated from statement times (a lower bound).
    public var exact: Bool

    public init(sessions: Int, source: String, exact: Bool) {
        self.sessions = sessions
        self.source = source
        self.exact = exact
    }
}

/// One row of `pg_settings`.
public struct ServerSetting: Sendable, Hashable {
    public var name: String
    /// In the setting's base unit (`-1`, `1000`, `on`, `pg_stat_statements`).
    public var value: String
    /// The base unit (`ms`, `s`, `min`, `kB`), nil for unitless settings.
    public var unit: String?

    public init(name: String, value: String, unit: String? = nil) {
        self.name = name
        self.value = value
        self.unit = unit
    }

    public var isOn: Bool { value == "on" }

    /// A boolean as PostgreSQL reads one in SET or pg_db_role_setting (`on`, `true`, `yes`, `1`,
    /// and their prefixes PostgreSQL accepts such as `t`).
    public static func isTrue(_ text: String) -> Bool {
        let word = text.lowercased().trimmingPrefix("'").filter { $0 != "'" && $0 != " " }
        return word == "on" || word == "1" || (!word.isEmpty && ("true".hasPrefix(word) || "yes".hasPrefix(word)))
    }

    /// A duration as PostgreSQL reads one (`30s`, `500ms`, `2min`, or a bare number in the
    /// setting's base `unit`) in milliseconds; nil when it is not one.
    public static func milliseconds(_ text: String, unit: String?) -> Int? {
        let units: [(suffix: String, factor: Double)] = [("us", 0.001), ("ms", 1), ("min", 60_000), ("s", 1000), ("h", 3_600_000), ("d", 86_400_000)]
        let trimmed = text.filter { $0 != " " }
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            guard let number = Double(trimmed.dropLast(suffix.count)) else { continue }
            return Int(number * factor)
        }
        guard let number = Double(trimmed) else { return nil }
        let base = units.first { $0.suffix == (unit ?? "ms") }?.factor ?? 1
        return Int(number * base)
    }
}

/// One setting of `pg_db_role_setting`: for a role (nil: every role) in a database (nil: every database).
public struct SettingOverride: Sendable, Hashable {
    public var role: String?
    public var database: String?
    public var name: String
    public var value: String

    public init(role: String?, database: String?, name: String, value: String) {
        self.role = role
        self.database = database
        self.name = name
        self.value = value
    }
}

/// A role that can log in, as the health checks read it.
public struct LoginRole: Sendable, Hashable {
    public var name: String
    public var isSuperuser: Bool

    public init(name: String, isSuperuser: Bool) {
        self.name = name
        self.isSuperuser = isSuperuser
    }
}

/// How much of a b-tree index is free space, and how that was found out.
public struct IndexBloat: Sendable, Hashable {
    public enum Method: String, Sendable, Hashable {
        /// `pgstatindex()` read every page: measured.
        case pgstattuple
        /// From row estimates and column widths (`pg_stats`): an estimate.
        case statistics
    }

    /// 0 … 100.
    public var percent: Int
    public var wastedBytes: Int
    public var method: Method

    public init(percent: Int, wastedBytes: Int, method: Method) {
        self.percent = percent
        self.wastedBytes = wastedBytes
        self.method = method
    }
}
