/// What `sargable advise` reports (`--format json` is this, encoded): the ranked indexes with their
/// evidence, the drops, the suggestions HypoPG cannot cost, and what the search cost.
public struct Advice: Sendable, Codable {
    public var version = 1
    /// `ms` when the workload's statements were timed (logs, pg_stat_statements): costs are then
    /// estimated milliseconds of the observed period; `cost` otherwise: planner cost × weight.
    public var unit: String
    /// The workload's cost with the existing indexes, and with the recommendations added.
    public var baselineCost: Double
    public var recommendedCost: Double
    public var whatIfCalls: Int
    public var cacheHits: Int
    public var candidates: Int
    public var statements: Int
    public var budgetBytes: Int?
    public var recommendations: [Recommendation] = []
    public var drops: [DropSuggestion] = []
    public var uncosted: [UncostedSuggestion] = []
    /// Candidates that would speed reads up but cost more in writes than they save.
    public var rejectedForWrites: [RejectedCandidate] = []
    public var notes: [String] = []
    /// Statements that could not be costed, one line each with their origin.
    public var problems: [String] = []
    public var elapsedSeconds: Double = 0

    /// Share of the baseline cost the recommendations remove.
    public var improvement: Double { baselineCost > 0 ? 1 - recommendedCost / baselineCost : 0 }
}

public struct Recommendation: Sendable, Codable {
    public var rank: Int
    public var schema: String
    public var table: String
    /// `CREATE INDEX CONCURRENTLY IF NOT EXISTS name ON …`, ready for a migration.
    public var definition: String
    /// The definition as costed (HypoPG's input, unnamed).
    public var hypotheticalDefinition: String
    public var name: String
    public var reason: String
    /// HypoPG's estimate, which the budget counts (comparable with the literature).
    public var estimatedSizeBytes: Int
    /// The estimate corrected for B-tree deduplication of repeated keys (PostgreSQL 13+).
    public var deduplicatedSizeBytes: Int
    /// Workload cost removed, net of write overhead, when it was chosen.
    public var benefit: Double
    public var writeOverhead: Double
    /// The table's writes since statistics were reset (`pg_stat_user_tables`), for the reader to
    /// weigh against the workload's own writes, which `writeOverhead` charges.
    public var tableWrites: String?
    /// How much the workload's cost rises if this index alone is left out of the recommendations.
    public var contribution: Double
    /// Share of the workload's baseline cost in the statements this index serves.
    public var workloadShareServed: Double
    public var statements: [ServedStatement]
    /// Other candidates on the same table it was preferred to.
    public var alternatives: [String]
    public var verification: Verification?
}

public struct ServedStatement: Sendable, Codable {
    public var fingerprint: String
    public var origin: String
    public var calls: Int
    public var costBefore: Double
    public var costAfter: Double
    /// `Seq Scan on orders → Index Scan`.
    public var replaces: String?
    /// What the plan the log holds did on the index's table, measured (auto_explain).
    public var logged: LoggedScan?
}

/// A scan of a logged (auto_explain) plan: what the statement really did on a table.
public struct LoggedScan: Sendable, Codable {
    /// `Seq Scan on orders`.
    public var node: String
    /// Rows returned over all loops; nil when the plan was logged without ANALYZE.
    public var rows: Double?
    /// Rows its filter read and threw away, over all loops.
    public var rowsRemovedByFilter: Double?
    public var milliseconds: Double?
}

public struct DropSuggestion: Sendable, Codable {
    public var table: String
    public var index: String
    public var definition: String
    public var reason: String
    public var scans: Int?
    public var sizeBytes: Int?
}

public struct UncostedSuggestion: Sendable, Codable {
    public var table: String
    public var definition: String
    public var reason: String
}

public struct RejectedCandidate: Sendable, Codable {
    public var definition: String
    public var readBenefit: Double
    public var writeOverhead: Double
}

/// `--verify`: what a real build measured.
public struct Verification: Sendable, Codable {
    public var buildSeconds: Double
    public var sizeBytes: Int?
    public var statements: [MeasuredStatement]
    /// True when the served statements ran faster in all (median of runs) with the index.
    public var pays: Bool

    public struct MeasuredStatement: Sendable, Codable {
        public var fingerprint: String
        public var beforeMs: Double
        public var afterMs: Double
        public var usesIndex: Bool
        public var speedup: Double { afterMs > 0 ? beforeMs / afterMs : 0 }
    }
}
