import SargableCore
import SargableLint
import SargableSyntax

public enum IdentifierTooLong: SQLRule {
    public static let metadata = RuleMetadata(
        id: "identifier-too-long",
        title: "Identifier longer than 63 bytes",
        severity: .warning,
        category: .schema,
        rationale: """
        PostgreSQL cuts every identifier to 63 bytes (NAMEDATALEN − 1) with only a notice: the \
        object gets a name the migration never wrote, two long names that share their first 63 \
        bytes collide, and code or later migrations that use the full name fail.
        """,
        fix: "Shorten the name to 63 bytes or fewer (count bytes: non-ASCII letters take two or more).",
        bad: [RuleExample("CREATE INDEX ↓idx_channel_members_by_channel_and_user_and_last_viewed_at_and_mention_count ON channelmembers (channelid, userid)")],
        good: [RuleExample("CREATE INDEX idx_channelmembers_channel_user_viewed ON channelmembers (channelid, userid)")])

    static let limit = 63

    public static let statementKinds: [NodeKind]? = [.createStmt, .alterTableStmt, .indexStmt, .renameStmt, .viewStmt, .createSeqStmt]

    public static func check(_ context: RuleContext) {
        // The parser has already cut the names in the tree: the scanner's tokens have them as written.
        // Most DDL has no name that long: skip the statement's scan then.
        guard SQLDocument.mayContainIdentifier(longerThan: limit, in: context.statement.text) else { return }
        let start = context.statement.range.lowerBound
        for token in context.statementTokens where token.kind == .identifier {
            var name = context.document.file.text(of: token.range.lowerBound + start ..< token.range.upperBound + start)
            if name.hasPrefix("\""), name.hasSuffix("\""), name.count >= 2 { name = String(name.dropFirst().dropLast()) }
            guard name.utf8.count > limit else { continue }
            context.report(byteOffset: token.range.lowerBound + start, FindingText(
                message: "identifier \(name) is \(name.utf8.count) bytes: postgresql cuts it to \(limit)",
                help: "shorten it to \(limit) bytes or fewer"))
        }
    }
}
