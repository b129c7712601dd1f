import SargableCore
import SargableLint
import SargableSyntax

public enum DetachPartitionNotConcurrent: SQLRule {
    public static let metadata = RuleMetadata(
        id: "detach-partition-not-concurrent",
        title: "DETACH PARTITION without CONCURRENTLY",
        severity: .warning,
        category: .migration,
        rationale: """
        `ALTER TABLE parent DETACH PARTITION p` takes an ACCESS EXCLUSIVE lock on the parent: every \
        query on the partitioned table waits. Since PostgreSQL 14 `DETACH PARTITION … CONCURRENTLY` \
        takes only SHARE UPDATE EXCLUSIVE (outside a transaction block). Not reported below 14 \
        (`postgres-version`), where there is no alternative.
        """,
        fix: "`ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY;` in a migration that runs outside a transaction.",
        bad: [RuleExample("ALTER TABLE ↓events DETACH PARTITION events_2023")],
        good: [RuleExample("ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY")])

    public static let statementKinds: [NodeKind]? = [.alterTableStmt]

    public static func check(_ context: RuleContext) {
        guard context.postgresVersion >= 14, let alter = context.alterCommandsOnExistingTable() else { return }
        for (subtype, command) in alter.commands where subtype == .detachPartition && command[.def, .concurrent]?.bool != true {
            let partition = command[.def, .name]?.relationName?.description ?? "the partition"
            context.report(alter.relation, FindingText(
                message: "detaching \(partition) from \(alter.table) takes an access exclusive lock on \(alter.table)",
                help: "detach partition … concurrently (postgresql 14+, outside a transaction block)"))
        }
    }
}
