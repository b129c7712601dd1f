import SargableAnalysis
import SargableCore
import SargableLint
import SargableSchema
import SargableSyntax

public enum MissingLockTimeout: SQLRule {
    public static let metadata = RuleMetadata(
        id: "missing-lock-timeout",
        title: "ACCESS EXCLUSIVE DDL on an existing table without lock_timeout",
        severity: .warning,
        category: .migration,
        rationale: """
        An ALTER TABLE, DROP, TRUNCATE or rename waits for an ACCESS EXCLUSIVE lock behind every \
        running query on the table, and while it waits every new query on the table queues behind \
        it: one long SELECT turns a millisecond change into an outage. `lock_timeout` makes the \
        statement give up instead (retry later). Statements on tables created earlier in the file, \
        and DDL that takes a weaker lock (VALIDATE CONSTRAINT, SET STATISTICS, a NOT VALID foreign \
        key), are not reported. Reported once per file, at the first such statement.
        """,
        fix: """
        Start the migration with `SET lock_timeout = '2s';` (and `SET statement_timeout` for the \
        statements that scan), and retry the migration when it times out.
        """,
        bad: [
            RuleExample("↓ALTER TABLE users ADD COLUMN nickname text;\nALTER TABLE users ADD COLUMN avatar_url text"),
            RuleExample("SET lock_timeout = 0;\n↓DROP TABLE legacy_sessions"),
            RuleExample("BEGIN;\nSET LOCAL lock_timeout = '2s';\nCOMMIT;\n↓ALTER TABLE orders RENAME COLUMN total TO total_cents"),
        ],
        good: [
            RuleExample("SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text"),
            RuleExample("CREATE TABLE events (id bigint PRIMARY KEY);\nALTER TABLE events ADD COLUMN kind text"),
            RuleExample("ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk"),
        ])

    /// ALTER TABLE commands that take a lock weaker than ACCESS EXCLUSIVE.
    static let weakerLocks: Set<AlterTableType> = [
        .validateConstraint, .validateConstraintRecurse, .setStatistics, .clusterOn, .dropCluster,
        .setRelOptions, .resetRelOptions, .enableTrig, .enableAlwaysTrig, .enableReplicaTrig, .disableTrig,
        .enableTrigAll, .disableTrigAll, .enableTrigUser, .disableTrigUser, .attachPartition,
    ]

    /// The existing table an ACCESS EXCLUSIVE statement locks, or nil.
    static func lockedTable(_ context: RuleContext) -> RelationName? {
        let root = context.root
        switch root.kind {
        case .alterTableStmt:
            guard let alter = context.alterCommandsOnExistingTable() else { return nil }
            let exclusive = alter.commands.contains { subtype, command in
                if weakerLocks.contains(subtype) { return false }
                // A foreign key takes SHARE ROW EXCLUSIVE; DETACH … CONCURRENTLY SHARE UPDATE EXCLUSIVE.
                if subtype == .addConstraint, command[.def]?.as(Constraint.self)?.contype == .foreign { return false }
                if subtype == .detachPartition, command[.def, .concurrent]?.bool == true { return false }
                return true
            }
            return exclusive ? alter.table : nil
        case .dropStmt:
            let drop = root.as(DropStmt.self)
            let tables: [RelationName]
            switch drop?.removeType {
            case .table?: tables = SchemaReplay.droppedNames(root)
            case .index? where root[.concurrent]?.bool != true:
                tables = SchemaReplay.droppedNames(root).compactMap { context.schema.index(named: $0)?.table }
            default: return nil
            }
            return tables.first { !context.isNewTable($0) }
        case .truncateStmt:
            return (root[.relations]?.elements ?? []).compactMap(\.relationName).first { !context.isNewTable($0) }
        case .renameStmt:
            guard [.table, .column].contains(root.as(RenameStmt.self)?.renameType),
                  let table = root[.relation]?.relationName, !context.isNewTable(table) else { return nil }
            return table
        default:
            return nil
        }
    }

    public static let statementKinds: [NodeKind]? = [.alterTableStmt, .dropStmt, .truncateStmt, .renameStmt]

    public static func check(_ context: RuleContext) {
        guard !context.session.hasLockTimeout, let table = lockedTable(context) else { return }
        // One finding per file: one SET at the top of the file fixes every statement after it.
        context.reportOncePerFile(FindingText(
            message: "this statement waits for an access exclusive lock on \(table) with no lock_timeout set: every query on \(table) queues behind it (and so may later statements of the file)",
            help: "set lock_timeout = '2s' at the start of the migration, and retry when it times out"))
    }
}
