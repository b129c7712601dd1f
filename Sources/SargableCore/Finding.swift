/// A problem found by a rule, in a file, a plan or a workload. Every command reports this shape.
public struct Finding: Sendable, Hashable, Codable, CustomStringConvertible {
    public var rule: String
    public var severity: Severity
    /// What is wrong, naming the table and column: `foreign key orders.user_id has no index`.
    public var message: String
    /// What to do, in the imperative: `create index concurrently on orders (user_id)`.
    public var help: String
    /// The file as the path was given (nil for findings on a plan or a database).
    public var file: String?
    public var span: SourceSpan?
    /// A safe replacement for the text in `span`, when one exists.
    public var replacement: String?

    public init(rule: String, severity: Severity, message: String, help: String,
                file: String? = nil, span: SourceSpan? = nil, replacement: String? = nil) {
        self.rule = rule
        self.severity = severity
        self.message = message
        self.help = help
        self.file = file
        self.span = span
        self.replacement = replacement
    }

    /// `queries/users.sql:1:8: warning[select-star]: message`, as compilers print a diagnostic.
    public var description: String {
        let location = span?.description ?? file
        return (location.map { $0 + ": " } ?? "") + "\(severity.rawValue)[\(rule)]: \(message)"
    }
}
