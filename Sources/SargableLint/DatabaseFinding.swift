import SargableCore
import SargableSchema

/// A finding on a live database's catalog about one object: an index or a table. The linter places
/// it at the statement of the linted files that creates the object, so that statement's
/// suppressions apply (`-- sargable-ignore unused-index: kept for month-end reports`); failing
/// that, at the statement that creates its table, or at the first that names either. A finding
/// about the server itself (a setting) has no object and is reported on the database.
@dynamicMemberLookup
public struct DatabaseFinding: Sendable, Hashable {
    public var object: RelationName?
    /// The table of an index the finding is about.
    public var table: RelationName?
    public var finding: Finding

    public init(object: RelationName?, table: RelationName? = nil, finding: Finding) {
        self.object = object
        self.table = table
        self.finding = finding
    }

    public subscript<Value>(dynamicMember keyPath: KeyPath<Finding, Value>) -> Value { finding[keyPath: keyPath] }
}
