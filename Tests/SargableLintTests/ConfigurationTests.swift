import SargableCore
import SargableLint
import SargableRules
import SargableSyntax
import Testing

private let rules = RuleRegistry.configurableRules

@Test func yamlAndTomlReadTheSameSettings() throws {
    let yaml = """
    # team settings
    postgres-version: 13
    exclude:
      - legacy/*.sql
      - "vendor/**"
    rules:
      select-star: off
      unbounded-select: error
      offset-pagination:
        severity: info
        threshold: 500   # our pages are small
    """
    let toml = """
    # team settings
    postgres-version = 13
    exclude = ["legacy/*.sql", "vendor/**"]

    [rules]
    select-star = "off"
    unbounded-select = "error"

    [rules.offset-pagination]
    severity = "info"
    threshold = 500 # our pages are small
    """
    for (text, path) in [(yaml, ".sargable.yml"), (toml, ".sargable.toml")] {
        let configuration = try Configuration.parse(text, path: path, rules: rules)
        #expect(configuration.postgresVersion == 13)
        #expect(configuration.exclude == ["legacy/*.sql", "vendor/**"])
        #expect(!configuration.isEnabled("select-star"))
        #expect(configuration.severity(of: "unbounded-select", default: .warning) == .error)
        #expect(configuration.severity(of: "offset-pagination", default: .warning) == .info)
        #expect(configuration.options["offset-pagination"]?["threshold"] == .integer(500))
    }
}

@Test(arguments: [
    ("rules:\n  select-stra: off\n", ".sargable.yml", 2, "unknown rule 'select-stra'"),
    ("postgres-version: 15\nfail-on: error\n", ".sargable.yml", 2, "unknown key 'fail-on'"),
    ("rules:\n  offset-pagination:\n    treshold: 10\n", ".sargable.yml", 3, "unknown option 'treshold' for rule offset-pagination"),
    ("rules:\n  offset-pagination:\n    threshold: many\n", ".sargable.yml", 3, "offset-pagination.threshold must be an integer"),
    ("rules:\n  select-star: loud\n", ".sargable.yml", 2, "select-star: expected off, on, info, warning or error"),
    ("[rules]\nselect-star = \"off\"\n\n[rulez]\nx = 1\n", ".sargable.toml", 4, "unknown key 'rulez'"),
    ("[rules]\nnope = \"off\"\n", ".sargable.toml", 2, "unknown rule 'nope'"),
])
func configurationErrorsNameFileAndLine(text: String, path: String, line: Int, message: String) {
    #expect {
        _ = try Configuration.parse(text, path: path, rules: rules)
    } throws: { error in
        guard let error = error as? ConfigurationError else { return false }
        return error.path == path && error.line == line && error.message.hasPrefix(message)
    }
}

@Test func configurationChangesWhatTheLinterReports() throws {
    let sql = "SELECT * FROM orders ORDER BY id LIMIT 10 OFFSET 600;\n"
    let document = SQLDocument(path: "q.sql", text: sql)
    let defaults = Linter(rules: RuleRegistry.sqlRules).lint([document])
    #expect(defaults.findings.map(\.rule).sorted() == ["select-star"])

    let configuration = try Configuration.parse("""
    rules:
      select-star: error
      offset-pagination:
        threshold: 500
    """, path: ".sargable.yml", rules: rules)
    let configured = Linter(rules: RuleRegistry.sqlRules, configuration: configuration).lint([document])
    #expect(configured.findings.map { "\($0.rule):\($0.severity)" }.sorted() == ["offset-pagination:warning", "select-star:error"])
}

@Test func excludedPathsAreNotLinted() throws {
    let configuration = try Configuration.parse("exclude: [legacy/*.sql]\n", path: ".sargable.yml", rules: rules)
    let documents = [
        SQLDocument(path: "db/legacy/old.sql", text: "DELETE FROM orders;"),
        SQLDocument(path: "db/new.sql", text: "DELETE FROM orders;"),
    ]
    let report = Linter(rules: RuleRegistry.sqlRules, configuration: configuration).lint(documents)
    #expect(report.files == 1)
    #expect(report.findings.compactMap(\.file) == ["db/new.sql"])
}

@Test func postgresVersionFromConfigurationReachesRules() throws {
    let sql = "ALTER TABLE orders ADD COLUMN region text DEFAULT 'eu';"
    let document = SQLDocument(path: "m.sql", text: sql)
    let modern = Linter(rules: RuleRegistry.sqlRules).lint([document])
    #expect(!modern.findings.contains { $0.rule == "adding-volatile-default" })
    let old = try Configuration.parse("postgres-version: 10\n", path: ".sargable.yml", rules: rules)
    let legacy = Linter(rules: RuleRegistry.sqlRules, configuration: old).lint([document])
    #expect(legacy.findings.filter { $0.rule == "adding-volatile-default" }.count == 1)
}
