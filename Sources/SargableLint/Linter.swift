import SargableAnalysis
import SargableCore
import SargableSchema
import SargableSyntax

/// A statement that could not be read: a syntax error or a problem with the file's text.
public struct LintError: Sendable, Hashable, Codable {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }
}

/// What one lint run found.
public struct LintReport: Sendable {
    /// In file order (as linted: sorted by path), then by position.
    public var findings: [Finding] = []
    public var errors: [LintError] = []
    public var files = 0
    public var statements = 0
    /// The documents linted, for reporters that draw code frames.
    public var documents: [SQLDocument] = []
    /// The schema after replaying every file.
    public var schema = SchemaModel()

    public init(findings: [Finding] = []) { self.findings = findings }

    /// True when some finding is at or above `threshold`.
    public func fails(at threshold: Severity) -> Bool { findings.contains { $0.severity >= threshold } }
}

/// Lints SQL documents: replays their DDL into a schema model, runs every enabled rule on every
/// statement, applies configuration and suppression comments.
///
/// Files go through a pipeline (`WorkerThreads.pipeline`) in the order of the migration history
/// (`MigrationStep`: versions in order; a down file sees the schema its up file produced and
/// changes nothing after it): each is split and parsed once, on any worker; the replay takes the
/// files in that order, hands each the schema as it stood before it (only the tables the file
/// names) and applies its DDL; then a worker lints the file, replaying its own DDL (DO blocks' too)
/// as it goes, so every statement sees the schema "so far", and frees its trees. Findings that
/// depend on later files (an index that arrives in a later migration) are decided on the final schema.
public struct Linter: Sendable {
    public static let unusedSuppressionRule = "unused-suppression"

    public let rules: [any SQLRule.Type]
    public let configuration: Configuration
    /// The schema the replay starts from: empty, or read from a live database.
    public let baseSchema: SchemaModel
    /// Worker threads for parsing and linting.
    public var threads = LargeStack.defaultThreadCount

    /// A rule the configuration leaves on, with what the hot loop needs read out of its metadata once.
    private struct EnabledRule: Sendable {
        let rule: any SQLRule.Type
        let settings: RuleSettings
        let statementKinds: [NodeKind]?
    }

    /// For each kind some rule names in `statementKinds`, the enabled rules that read statements of
    /// that kind, in catalogue order; statements of any other kind get `rulesForEveryKind`. A list,
    /// not a dictionary: a few kinds, and a generic type keyed by `NodeKind` costs the process a
    /// scan of every protocol conformance at start (to find `NodeKind: Hashable`).
    private let rulesByStatementKind: [(kind: NodeKind, rules: [EnabledRule])]
    /// The enabled rules without `statementKinds` (they read every statement).
    private let rulesForEveryKind: [EnabledRule]
    /// Severity of every rule after configuration.
    private let severities: [String: Severity]
    /// Rules only a live catalog answers: a suppression of one silences nothing without a database.
    private let catalogOnlyRules: Set<String>
    /// Rules the configuration leaves off (turned off, or opt-in and not turned on).
    private let offRules: Set<String>

    /// `catalogue` names the other rules whose ids may appear in suppressions and configuration, and
    /// whose findings may be handed to `lint` (database checks).
    public init(rules: [any SQLRule.Type], catalogue: [any DocumentedRule.Type] = [], configuration: Configuration = Configuration(),
                baseSchema: SchemaModel = SchemaModel()) {
        self.rules = rules
        self.configuration = configuration
        // Rules compare index expressions by structure: read any the base schema has only as text, once.
        self.baseSchema = ExpressionIdentity.normalised(baseSchema)
        let metadata = rules.map { $0.metadata }
        let enabledRules = zip(rules, metadata).filter { configuration.isEnabled($0.1.id, byDefault: $0.1.isEnabledByDefault) }.map { rule, metadata in
            EnabledRule(rule: rule, settings: RuleSettings(id: metadata.id, options: configuration.optionValues(of: metadata.id, declared: rule.options)),
                        statementKinds: rule.statementKinds)
        }
        // One pass in catalogue order: a rule for every kind joins every list (and the lists made
        // after it start with it); a rule for some kinds joins theirs.
        var everyKind: [EnabledRule] = []
        var byKind: [(kind: NodeKind, rules: [EnabledRule])] = []
        for rule in enabledRules {
            guard let kinds = rule.statementKinds else {
                everyKind.append(rule)
                for position in byKind.indices { byKind[position].rules.append(rule) }
                continue
            }
            for kind in kinds {
                if let position = byKind.firstIndex(where: { $0.kind == kind }) {
                    byKind[position].rules.append(rule)
                } else {
                    byKind.append((kind, everyKind + [rule]))
                }
            }
        }
        rulesForEveryKind = everyKind
        rulesByStatementKind = byKind
        let known = metadata + catalogue.map { $0.metadata }
        severities = Dictionary(known.map { ($0.id, configuration.severity(of: $0.id, default: $0.severity)) },
                                uniquingKeysWith: { first, _ in first })
        catalogOnlyRules = Set(catalogue.filter { $0.input == .catalog }.map { $0.metadata.id })
            .subtracting(metadata.map(\.id))
        offRules = Set(known.filter { !configuration.isEnabled($0.id, byDefault: $0.isEnabledByDefault) }.map(\.id))
    }

    private struct FileResult: Sendable {
        var findings: [Finding] = []
        var suppressions: [Suppression] = []
        /// For each suppression, the rules it silenced so far.
        var usedSuppressions: [Set<String>] = []
        var deferred: [DeferredFinding] = []
        var errors: [LintError] = []
        /// Rules that reported their once-per-file finding.
        var reportedOnce: Set<String> = []
    }

    /// Lints `documents` (replayed in migration order, reported in path order); `schemaDocuments` feed the schema model but are not reported on.
    /// `databaseFindings`, when a database was inspected, are reported with the files' findings.
    public func lint(_ documents: [SQLDocument], schemaDocuments: [SQLDocument] = [],
                     databaseFindings: [DatabaseFinding]? = nil) -> LintReport {
        let linted = inReplayOrder(documents.filter { !configuration.isExcluded($0.file.path) }, path: \.file.path)
        // Schema files are a migration history too: in its order, down files feeding nothing.
        let schema = inReplayOrder(schemaDocuments, path: \.file.path)
        return lint((schema + linted).map(Source.document), schemaCount: schemaDocuments.count, databaseFindings: databaseFindings)
    }

    /// Lints one text as the file `path`: `Linter().lint(sql: "SELECT * FROM users")`.
    public func lint(sql: String, path: String = "query.sql") -> LintReport {
        lint([SQLDocument(path: path, text: sql)])
    }

    /// Lints files, splitting and parsing each once, as the pipeline reaches it (the fast path for
    /// the command line).
    public func lint(files: [SourceFile], schemaFiles: [SourceFile] = [], databaseFindings: [DatabaseFinding]? = nil) -> LintReport {
        let linted = inReplayOrder(files.filter { !configuration.isExcluded($0.path) }, path: \.path)
        let schema = inReplayOrder(schemaFiles, path: \.path)
        return lint((schema + linted).map(Source.file), schemaCount: schemaFiles.count, databaseFindings: databaseFindings)
    }

    /// A file to lint: text the pipeline splits, or a document a caller split.
    private enum Source: Sendable {
        case file(SourceFile)
        case document(SQLDocument)
    }

    /// Files in the order the migration history runs them (`MigrationStep`): the up chain by
    /// version, each down file right after the up file whose schema it is linted against.
    private func inReplayOrder<File>(_ files: [File], path: (File) -> String) -> [File] {
        files.map { (MigrationStep(path: path($0), layout: configuration.migrationLayout), $0) }.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// What the replay and the lint job need from a file's parse. Its trees live until the file is
    /// linted: a tree's tape is tens of times its statement's text, and the pipeline keeps only a
    /// few files between parse and lint.
    private struct ParsedFile: Sendable {
        let document: SQLDocument
        /// Every statement, with its tree or syntax error, in file order.
        let statements: [ParsedStatement]
        let syntaxErrors: [(error: SyntaxError, source: StatementSource)]
        /// The trees of the statements that change the schema, DO blocks' included, in order.
        let schemaChanges: [Node]
        /// The parsed statements of each DO block, by the DO statement's ordinal.
        let embedded: [Int: [(statement: EmbeddedStatement, root: Node)]]
        /// Every relation the file names, and the indexes it drops, renames or rebuilds: the part of
        /// the schema its rules and its own replay can see.
        let relationNames: Set<RelationName>
        let indexNames: Set<RelationName>
        /// The tables and indexes the file creates, at their statement's start: where a database
        /// finding about one of them is placed.
        let createdObjects: [RelationName: Int]
        /// Every relation and index the file names, at the start of the first statement naming it:
        /// where a database finding goes when no linted file creates its object.
        let mentionedObjects: [RelationName: Int]

        private struct Collector {
            var statements: [ParsedStatement] = []
            var syntaxErrors: [(error: SyntaxError, source: StatementSource)] = []
            var schemaChanges: [Node] = []
            var embedded: [Int: [(statement: EmbeddedStatement, root: Node)]] = [:]
            var relations = Set<RelationName>()
            var indexNames = Set<RelationName>()
            var createdObjects: [RelationName: Int] = [:]
            var mentionedObjects: [RelationName: Int] = [:]

            mutating func add(_ statement: ParsedStatement) {
                statements.append(statement)
                guard let root = statement.root else {
                    if let error = statement.error { syntaxErrors.append((error, statement.source)) }
                    return
                }
                if SchemaReplay.changesSchema(root) { schemaChanges.append(root) }
                // DDL a DO block runs changes the schema like any other (it may run: it counts).
                for (embedded, inner) in Linter.parsedEmbeddedStatements(in: statement.source, root: root) {
                    self.embedded[statement.source.ordinal, default: []].append((embedded, inner))
                    if SchemaReplay.changesSchema(inner) { schemaChanges.append(inner) }
                    relations.formUnion(StatementIndex.relations(in: inner))
                    indexNames.formUnion(SchemaReplay.indexesNamed(by: inner))
                    if inner.kind == .dropStmt { relations.formUnion(SchemaReplay.droppedNames(inner)) }
                }
                let named = StatementIndex.relations(in: root), indexes = SchemaReplay.indexesNamed(by: root)
                relations.formUnion(named)
                indexNames.formUnion(indexes)
                if root.kind == .dropStmt { relations.formUnion(SchemaReplay.droppedNames(root)) }
                for object in Array(named) + indexes where mentionedObjects[object] == nil {
                    mentionedObjects[object] = statement.source.range.lowerBound
                }
                if let created = SchemaReplay.createdObject(root), createdObjects[created] == nil {
                    createdObjects[created] = statement.source.range.lowerBound
                }
            }
        }

        /// Splits and parses a file in one pass (the document keeps no trees: this does), or
        /// parses a caller's document.
        init(_ source: Source) {
            var collector = Collector()
            switch source {
            case .file(let file):
                let document = SQLDocument(file: file, streaming: { collector.add($0) })
                self.init(document: document, collector)
            case .document(let document):
                document.forEachParsed { collector.add($0) }
                self.init(document: document, collector)
            }
        }

        private init(document: SQLDocument, _ collector: Collector) {
            self.document = document
            statements = collector.statements
            syntaxErrors = collector.syntaxErrors
            schemaChanges = collector.schemaChanges
            embedded = collector.embedded
            relationNames = collector.relations
            indexNames = collector.indexNames
            createdObjects = collector.createdObjects
            mentionedObjects = collector.mentionedObjects
        }
    }

    /// What the report needs of one file once it is linted (of a schema file: its errors).
    private struct LintedFile: Sendable {
        let document: SQLDocument
        let statementCount: Int
        let createdObjects: [RelationName: Int]
        let mentionedObjects: [RelationName: Int]
        let result: FileResult
    }

    private func lint(_ sources: [Source], schemaCount: Int, databaseFindings: [DatabaseFinding]?) -> LintReport {
        let layout = configuration.migrationLayout
        // The replay is the pipeline's fold: one file at a time, in history order. The lint job
        // gets the file's parse and its schema, and frees the parse when done, on its worker.
        let (outcomes, replay) = LargeStack.pipeline(
            sources, threads: threads, state: SchemaReplay(base: baseSchema),
            prepare: { ParsedFile($0) },
            fold: { replay, position, parsed -> (file: ParsedFile, schema: SchemaModel?) in
                // Only the tables the file names: a copy of the whole model per file would cost
                // more than linting it.
                let schema = position < schemaCount ? nil : replay.schema.subset(relations: parsed.relationNames, indexes: parsed.indexNames)
                // A down file undoes its migration: the history goes on without it.
                if MigrationStep(path: parsed.document.file.path, layout: layout).direction == .up {
                    replay.beginFile()
                    for root in parsed.schemaChanges { replay.apply(root) }
                }
                return (parsed, schema)
            },
            finish: { _, replayed in
                let file = replayed.file
                var result = FileResult()
                if let schema = replayed.schema { result = lintFile(file, schema: schema) } else { result.errors = errors(in: file) }
                return LintedFile(document: file.document, statementCount: file.statements.count, createdObjects: file.createdObjects,
                                  mentionedObjects: file.mentionedObjects, result: result)
            })
        let finalSchema = replay.schema
        let lintedFiles = outcomes.dropFirst(schemaCount)
        let linted = lintedFiles.map(\.document)
        let results = lintedFiles.map(\.result)
        let createdObjects = lintedFiles.map(\.createdObjects)
        let mentionedObjects = lintedFiles.map(\.mentionedObjects)

        var report = LintReport()
        report.files = linted.count
        report.statements = lintedFiles.reduce(0) { $0 + $1.statementCount }
        report.schema = finalSchema
        report.errors = outcomes.prefix(schemaCount).flatMap(\.result.errors)
        var unplaced: [DatabaseFinding] = []
        // Reported in path order, whatever order the history ran the files in.
        let reportOrder = linted.indices.sorted { linted[$0].file.path < linted[$1].file.path }
        report.documents = reportOrder.map { linted[$0] }
        var placements: [Int: [(finding: DatabaseFinding, offset: Int)]] = [:]
        for databaseFinding in (databaseFindings ?? []).compactMap({ configuration.graded($0, \.finding) }) {
            if let (position, offset) = Self.place(databaseFinding, in: reportOrder, created: createdObjects, mentioned: mentionedObjects) {
                placements[position, default: []].append((databaseFinding, offset))
            } else {
                unplaced.append(databaseFinding)
            }
        }
        for position in reportOrder {
            let document = linted[position], result = results[position]
            var findings = result.findings
            var used = result.usedSuppressions
            for deferred in result.deferred {
                guard let text = deferred.decide(finalSchema) else { continue }
                findings += silence([finding(deferred.rule, text, in: document, range: deferred.byteRange)],
                                    by: result.suppressions, used: &used)
            }
            if let here = placements[position] {
                let placed = here.map { databaseFinding, offset in
                    var finding = databaseFinding.finding
                    finding.file = document.file.path
                    finding.span = document.file.span(of: offset ..< offset + document.tokenLength(at: offset))
                    return finding
                }
                findings += silence(placed, by: result.suppressions, used: &used)
            }
            findings += unusedSuppressions(result.suppressions, used: used, in: document, inspectedDatabase: databaseFindings != nil)
            // Sorted by index: sorting the findings themselves copies each one (its strings) as it goes.
            report.findings.append(contentsOf: findings.indices.sorted { Self.order(findings[$0], findings[$1]) }.lazy.map { findings[$0] })
            report.errors.append(contentsOf: result.errors)
        }
        // Objects no linted file creates: reported on the database itself.
        report.findings += unplaced.map(\.finding)
        return report
    }

    /// The linted file (its position) and statement a database finding is reported at: the first
    /// file in path order (`order`) that creates its object, else its index's table; failing both,
    /// the first statement that names the object, else the table. Nil when no linted file has
    /// either, or the finding has no object (a server setting).
    private static func place(_ finding: DatabaseFinding, in order: [Int], created: [[RelationName: Int]],
                              mentioned: [[RelationName: Int]]) -> (position: Int, offset: Int)? {
        for objects in [created, mentioned] {
            for name in [finding.object, finding.table].compactMap(\.self) {
                if let position = order.first(where: { objects[$0][name] != nil }), let offset = objects[position][name] {
                    return (position, offset)
                }
            }
        }
        return nil
    }

    private static func order(_ lhs: Finding, _ rhs: Finding) -> Bool {
        let left = lhs.span?.byteRange.lowerBound ?? 0, right = rhs.span?.byteRange.lowerBound ?? 0
        return left != right ? left < right : lhs.rule < rhs.rule
    }

    private var postgresVersion: Int {
        configuration.postgresVersion ?? baseSchema.serverVersion ?? Configuration.defaultPostgresVersion
    }

    private func lintFile(_ file: ParsedFile, schema: SchemaModel) -> FileResult {
        let document = file.document
        var result = FileResult()
        result.errors = errors(in: file)
        var replay = SchemaReplay(base: schema)
        var session = SessionState(fileRunsInTransaction: configuration.migrationsRunInTransaction)
        for statement in file.statements {
            guard let root = statement.root else { continue }
            check(root, StatementIndex(root), statement.source, document: document, replay: replay, session: session, into: &result)
            // The rule context is gone by now, so the replay mutates its schema in place (no copy).
            if SchemaReplay.changesSchema(root) { replay.apply(root) }
            session.apply(root)
            for (embedded, inner) in file.embedded[statement.source.ordinal] ?? [] {
                check(inner, StatementIndex(inner), embedded.source, document: document, replay: replay, session: session, into: &result,
                      note: embedded.isConditional ? " (in a conditional branch of a do block: it may run)" : " (in a do block)")
                if SchemaReplay.changesSchema(inner) { replay.apply(inner) }
            }
        }
        result.suppressions = Suppression.all(in: document)
        result.usedSuppressions = Array(repeating: [], count: result.suppressions.count)
        result.findings = silence(result.findings, by: result.suppressions, used: &result.usedSuppressions)
        return result
    }

    /// The statements a DO block runs that parse, with their trees.
    private static func parsedEmbeddedStatements(in statement: StatementSource, root: Node) -> [(statement: EmbeddedStatement, root: Node)] {
        SQLDocument.embeddedStatements(in: statement, root: root).compactMap { embedded in
            SQLDocument.parseAlone(embedded.source).root.map { (embedded, $0) }
        }
    }

    private func check(_ root: Node, _ index: StatementIndex, _ statement: StatementSource, document: SQLDocument,
                       replay: SchemaReplay, session: SessionState, into result: inout FileResult, note: String = "") {
        let context = StatementContext(root: root, index: index, statement: statement, document: document, schema: replay.schema,
                                       newTables: replay.newTables, indexLookup: replay.indexLookup, postgresVersion: postgresVersion,
                                       session: session)
        let rules = root.kind.flatMap { kind in rulesByStatementKind.first { $0.kind == kind }?.rules } ?? rulesForEveryKind
        // One context for all of the statement's rules, handed each rule's settings in turn: a
        // context per rule, and a copy of each list entry, cost about 45 retains and releases a
        // statement (the rules themselves only borrow the context).
        if let first = rules.first {
            var ruleContext = RuleContext(context, settings: first.settings)
            rules.withUnsafeBufferPointer { enabled in
                for index in enabled.indices {
                    ruleContext.settings = enabled[index].settings
                    enabled[index].rule.check(ruleContext)
                }
            }
        }
        // A statement inside a DO block: its findings say so (it may run only on some branch).
        @Sendable func noted(_ text: FindingText) -> FindingText {
            var text = text
            text.message += note
            return text
        }
        for report in context.reported {
            if report.oncePerFile, !result.reportedOnce.insert(report.rule).inserted { continue }
            result.findings.append(finding(report.rule, noted(report.text), in: document, range: report.range))
        }
        if note.isEmpty {
            result.deferred.append(contentsOf: context.deferred)
        } else {
            result.deferred += context.deferred.map { deferred in
                var wrapped = deferred
                wrapped.decide = { schema in deferred.decide(schema).map(noted) }
                return wrapped
            }
        }
    }

    private func errors(in file: ParsedFile) -> [LintError] {
        let document = file.document
        var located = document.diagnostics.map { document.locate($0) }
        for (error, source) in file.syntaxErrors { located.append(document.locate(error, in: source)) }
        return located.sorted { $0.byteOffset < $1.byteOffset }.map {
            LintError(file: $0.path, line: $0.position.line, column: $0.position.column, message: $0.message)
        }
    }

    private func finding(_ rule: String, _ text: FindingText, in document: SQLDocument, range: Range<Int>) -> Finding {
        Finding(rule: rule, severity: severities[rule] ?? .warning,
                message: text.message, help: text.help, file: document.file.path,
                span: document.file.span(of: range), replacement: text.replacement)
    }

    /// Drops the findings a suppression covers, recording which suppressions were used.
    private func silence(_ findings: [Finding], by suppressions: [Suppression], used: inout [Set<String>]) -> [Finding] {
        guard !suppressions.isEmpty else { return findings }
        var kept: [Finding] = []
        for finding in findings {
            let offset = finding.span?.byteRange.lowerBound ?? 0
            var silenced = false
            for (index, suppression) in suppressions.enumerated()
            where suppression.rules.contains(finding.rule) && suppression.covers(offset) {
                used[index].insert(finding.rule)
                silenced = true
            }
            if !silenced { kept.append(finding) }
        }
        return kept
    }

    /// `unused-suppression` findings for suppressions (or rule ids in them) that silenced nothing.
    private func unusedSuppressions(_ suppressions: [Suppression], used: [Set<String>], in document: SQLDocument,
                                    inspectedDatabase: Bool) -> [Finding] {
        guard !suppressions.isEmpty else { return [] }
        let knownRules = Set(severities.keys)
        guard !offRules.contains(Self.unusedSuppressionRule),
              knownRules.contains(Self.unusedSuppressionRule) else { return [] }
        var result: [Finding] = []
        for (index, suppression) in suppressions.enumerated() {
            for rule in suppression.rules where !used[index].contains(rule) {
                let text: FindingText
                if !knownRules.contains(rule) {
                    text = FindingText(message: "suppression names unknown rule '\(rule)'",
                                       help: "use a rule id from `sargable rules`")
                } else if offRules.contains(rule) {
                    continue  // the configuration turned the rule off; the comment is not wrong
                } else if !inspectedDatabase, catalogOnlyRules.contains(rule) {
                    continue  // only `--database` can tell whether it silences something
                } else {
                    text = FindingText(message: "suppression of \(rule) silenced nothing",
                                       help: "remove `\(rule)` from the sargable-ignore comment")
                }
                result.append(finding(Self.unusedSuppressionRule, text, in: document, range: suppression.commentRange))
            }
        }
        return result
    }
}
