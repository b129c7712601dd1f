import SargableAnalysis
import SargableCore
import SargableLint
import SargableSyntax

public enum AddConstraintBuildsIndex: SQLRule {
    public static let metadata = RuleMetadata(
        id: "add-constraint-builds-index",
        title: "ADD UNIQUE, PRIMARY KEY or EXCLUDE that builds its index under the table's lock",
        severity: .warning,
        category: .migration,
        rationale: """
        Adding a UNIQUE, PRIMARY KEY or EXCLUDE constraint to an existing table builds its index \
        while holding an ACCESS EXCLUSIVE lock: no reads or writes until every row is indexed. A \
        unique index built beforehand with CREATE UNIQUE INDEX CONCURRENTLY can be attached instead \
        (`USING INDEX`), which only takes the lock for a moment. An EXCLUDE constraint has no such \
        path.
        """,
        fix: """
        `CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);` then \
        `ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;` (for a \
        primary key the columns must be NOT NULL first: see set-not-null).
        """,
        bad: [
            RuleExample("ALTER TABLE users ADD ↓CONSTRAINT users_email_key UNIQUE (email)"),
            RuleExample("ALTER TABLE ONLY reactions ADD ↓CONSTRAINT reactions_pkey PRIMARY KEY (postid, userid)"),
            RuleExample("ALTER TABLE bookings ADD ↓CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&)"),
            RuleExample("ALTER TABLE users ADD COLUMN handle text ↓UNIQUE"),
        ],
        good: [
            RuleExample("CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);\nALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key"),
            RuleExample("CREATE TABLE teams (id varchar(26) NOT NULL);\nALTER TABLE ONLY teams ADD CONSTRAINT teams_pkey PRIMARY KEY (id)"),
        ])

    public static let statementKinds: [NodeKind]? = [.alterTableStmt]

    public static func check(_ context: RuleContext) {
        guard let alter = context.alterCommandsOnExistingTable() else { return }
        for (subtype, command) in alter.commands {
            let constraints: [Node]
            switch subtype {
            case .addConstraint: constraints = command[.def].map { [$0] } ?? []
            case .addColumn: constraints = command[.def, .constraints]?.elements ?? []
            default: continue
            }
            for constraint in constraints where constraint[.indexname] == nil {
                let what: String
                switch constraint.as(Constraint.self)?.contype {
                case .unique?: what = "unique constraint"
                case .primary?: what = "primary key"
                case .exclusion?: what = "exclusion constraint"
                default: continue
                }
                let help = constraint.as(Constraint.self)?.contype == .exclusion
                    ? "build it when the table is small or during a maintenance window: an exclusion constraint cannot use an existing index"
                    : "create unique index concurrently first, then add the constraint using index"
                context.report(constraint, FindingText(
                    message: "adding a \(what) to \(alter.table) builds its index under an access exclusive lock",
                    help: help))
            }
        }
    }
}
