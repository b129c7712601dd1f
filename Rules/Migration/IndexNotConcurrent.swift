import SargableAnalysis
import SargableCore
import SargableLint
import SargableSchema
import SargableSyntax

public enum IndexNotConcurrent: SQLRule {
    public static let metadata = RuleMetadata(
        id: "index-not-concurrent",
        title: "CREATE/DROP INDEX or REINDEX without CONCURRENTLY on an existing table",
        severity: .warning,
        category: .migration,
        rationale: """
        CREATE INDEX takes a SHARE lock that blocks every INSERT, UPDATE and DELETE on the table until \
        the index is built, minutes on a large table; DROP INDEX and REINDEX take locks that block reads \
        as well. A table created earlier in the same file is new and empty, so it is not reported.
        """,
        fix: """
        Use `CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY`, `REINDEX … CONCURRENTLY`, each \
        outside a transaction block (one statement per migration, or a non-transactional migration). \
        A partitioned table rejects CONCURRENTLY: create the index `ON ONLY` the parent (instant, \
        invalid until every partition has one), create each partition's index concurrently, and \
        `ALTER INDEX parent_idx ATTACH PARTITION partition_idx` each of them.
        """,
        bad: [
            RuleExample("↓CREATE INDEX↑ orders_status_idx ON orders (status)"),
            RuleExample("↓DROP INDEX↑ orders_status_idx"),
            RuleExample("↓REINDEX TABLE↑ orders"),
        ],
        good: [
            RuleExample("CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status)"),
            RuleExample("CREATE TABLE events (id bigint PRIMARY KEY, kind text);\nCREATE INDEX events_kind_idx ON events (kind)"),
            RuleExample("DROP INDEX CONCURRENTLY orders_status_idx"),
            RuleExample("REINDEX TABLE CONCURRENTLY orders"),
            RuleExample("CREATE INDEX events_at_idx ON ONLY events (at);\nCREATE INDEX CONCURRENTLY events_2024_at_idx ON events_2024 (at);\nALTER INDEX events_at_idx ATTACH PARTITION events_2024_at_idx"),
        ])

    /// Reports at the statement's leading keywords with `… CONCURRENTLY` as the replacement when they
    /// read exactly `keywords`; otherwise at the first keyword, without one.
    private static func report(_ context: RuleContext, keywords: [String], _ text: FindingText) {
        var text = text
        if let leading = context.leadingWords(keywords.count), leading.words == keywords {
            let written = context.document.file.text(of: leading.range)
            text.replacement = written + (written == written.lowercased() ? " concurrently" : " CONCURRENTLY")
            context.report(range: leading.range, text)
        } else {
            context.reportAtStatement(text)
        }
    }

    public static let statementKinds: [NodeKind]? = [.indexStmt, .dropStmt, .reindexStmt]

    public static func check(_ context: RuleContext) {
        let root = context.root
        switch root.kind {
        case .indexStmt:
            guard root[.concurrent]?.bool != true, let relation = root[.relation], let table = relation.relationName,
                  !context.isNewTable(table) else { return }
            // `ON ONLY parent` creates the parent's (invalid) index without building anything.
            if relation[.inh]?.bool != true { return }
            if context.schema.table(table)?.isPartitioned == true {
                context.reportAtStatement(FindingText(
                    message: "create index on partitioned \(table) builds every partition's index while blocking writes, and concurrently is not allowed on it",
                    help: "create index … on only \(table), create index concurrently on each partition, then alter index … attach partition each one"))
                return
            }
            report(context, keywords: root[.unique]?.bool == true ? ["CREATE", "UNIQUE", "INDEX"] : ["CREATE", "INDEX"], FindingText(
                message: "create index on \(table) without concurrently blocks writes to \(table) until the index is built",
                help: "create index concurrently (outside a transaction block)"))
        case .dropStmt:
            guard root.as(DropStmt.self)?.removeType == .index, root[.concurrent]?.bool != true else { return }
            let tables = SchemaReplay.droppedNames(root).compactMap { context.schema.index(named: $0)?.table }
            if !tables.isEmpty, tables.allSatisfy(context.isNewTable) { return }
            let table = tables.first?.description ?? "its table"
            report(context, keywords: ["DROP", "INDEX"], FindingText(
                message: "drop index without concurrently locks \(table) against reads and writes",
                help: "drop index concurrently (outside a transaction block)"))
        case .reindexStmt:
            let concurrent = (root[.params]?.elements ?? []).contains { $0[.defname]?.string == "concurrently" }
            guard !concurrent else { return }
            if let name = root[.relation]?.relationName {
                let table = root.as(ReindexStmt.self)?.kind == .index ? context.schema.index(named: name)?.table : name
                if let table, context.isNewTable(table) { return }
            }
            // The object kind is the keyword after REINDEX: `.index` → INDEX.
            let object = root.as(ReindexStmt.self)?.kind.map { String(describing: $0).uppercased() } ?? ""
            report(context, keywords: ["REINDEX", object], FindingText(message: "reindex without concurrently blocks writes (and reads that use the index)",
                                                                      help: "reindex … concurrently (PostgreSQL 12+)"))
        default:
            return
        }
    }
}
