import Foundation
import SargableCLI
import SargableCore
import SargableLint
import SargableRules
import SargableSyntax
import Testing

private func report(_ sql: String, path: String = "q.sql") -> LintReport {
    Linter(rules: RuleRegistry.sqlRules).lint([SQLDocument(path: path, text: sql)])
}

@Test func textReportDrawsAFrameWithCaretHelpAndLink() {
    let text = LintReporter.text(report("-- é\nSELECT * FROM users WHERE id = $1;\n"), rules: RuleRegistry.allMetadata, colour: false)
    #expect(text == """
    warning[select-star]: select * returns every column of users
     --> q.sql:2:8
      |
    2 | SELECT * FROM users WHERE id = $1;
      |        ^
      = help: list the columns the caller uses
      = see: https://github.com/sargable/sargable/blob/main/Rules/README.md#select-star (sargable rules explain select-star)

    1 finding (1 warning) in 1 file, 1 statement

    """)
}

@Test func colourOnlyWhenAsked() {
    let sample = report("DELETE FROM orders;")
    #expect(!LintReporter.text(sample, rules: RuleRegistry.allMetadata, colour: false).contains("\u{1B}["))
    #expect(LintReporter.text(sample, rules: RuleRegistry.allMetadata, colour: true).contains("\u{1B}[1;33mwarning[unfiltered-write]"))
}

@Test func jsonHasTheDocumentedShape() throws {
    let json = LintReporter.json(report("SELECT 1;\nSELECT * FROM t WHERE id = 1;\nSELEC 2;\n"))
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    #expect(object["version"] as? Int == 1)
    let findings = try #require(object["findings"] as? [[String: Any]])
    #expect(findings.count == 1)
    let finding = findings[0]
    #expect(finding["rule"] as? String == "select-star")
    #expect(finding["severity"] as? String == "warning")
    #expect(finding["file"] as? String == "q.sql")
    #expect(finding["line"] as? Int == 2 && finding["column"] as? Int == 8)
    #expect(finding["endLine"] as? Int == 2 && finding["endColumn"] as? Int == 9)
    #expect(finding["message"] is String && finding["help"] is String)
    let errors = try #require(object["errors"] as? [[String: Any]])
    #expect(errors.count == 1)
    #expect(errors[0]["file"] as? String == "q.sql" && errors[0]["line"] as? Int == 3 && errors[0]["column"] as? Int == 1)
    #expect(errors[0]["message"] as? String == "syntax error at or near \"SELEC\"")
    let summary = try #require(object["summary"] as? [String: Int])
    #expect(summary == ["files": 1, "statements": 3, "findings": 1, "errors": 1])
}

@Test func jsonEncodedInPiecesOnSeveralThreadsIsTheSameDocument() throws {
    // Enough findings that the encoder splits them; every piece boundary must keep one comma.
    let many = report(String(repeating: "SELECT * FROM t WHERE id = 1;\n", count: 2_500))
    #expect(many.findings.count == 2_500)
    let pieces = LintReporter.jsonChunks(many, threads: 2)
    #expect(pieces.count > 2)
    let joined = Array(pieces.joined())
    #expect(joined == LintReporter.jsonBytes(many))
    let object = try #require(try JSONSerialization.jsonObject(with: Data(joined)) as? [String: Any])
    let findings = try #require(object["findings"] as? [[String: Any]])
    #expect(findings.count == 2_500)
    #expect(findings.map { $0["line"] as? Int } == (1 ... 2_500).map { $0 })
}

@Test func jsonEscapesStrings() throws {
    var findings = report("DELETE FROM orders;", path: "dir \"q\"\\\u{1}\té.sql")
    findings.findings[0].help = "line one\nline two"
    let json = LintReporter.json(findings)
    #expect(json.contains(#""file":"dir \"q\"\\\u0001\té.sql""#))
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    let finding = try #require((object["findings"] as? [[String: Any]])?.first)
    #expect(finding["file"] as? String == "dir \"q\"\\\u{1}\té.sql")
    #expect(finding["help"] as? String == "line one\nline two")
}

@Test func sarifIsVersion210WithRulesAndPhysicalLocations() throws {
    let sarif = JSONText.encode(LintReporter.sarif(report("DELETE FROM orders;"), rules: RuleRegistry.allMetadata, version: "0.1.0"))
    let object = try #require(try JSONSerialization.jsonObject(with: Data(sarif.utf8)) as? [String: Any])
    #expect(object["version"] as? String == "2.1.0")
    #expect(object["$schema"] as? String == "https://json.schemastore.org/sarif-2.1.0.json")
    let run = try #require((object["runs"] as? [[String: Any]])?.first)
    let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
    let rules = try #require(driver["rules"] as? [[String: Any]])
    // Every rule, and syntax errors, which are results too.
    #expect(rules.map { $0["id"] as? String } == RuleRegistry.allMetadata.map(\.id) + ["syntax-error"])
    #expect(rules.allSatisfy { ($0["help"] as? [String: Any])?["text"] is String && ($0["shortDescription"] as? [String: Any])?["text"] is String })
    let result = try #require((run["results"] as? [[String: Any]])?.first)
    #expect(result["ruleId"] as? String == "unfiltered-write")
    #expect(result["level"] as? String == "warning")
    let index = try #require(result["ruleIndex"] as? Int)
    #expect(rules[index]["id"] as? String == "unfiltered-write")
    let location = try #require(((result["locations"] as? [[String: Any]])?.first?["physicalLocation"]) as? [String: Any])
    #expect((location["artifactLocation"] as? [String: Any])?["uri"] as? String == "q.sql")
    let region = try #require(location["region"] as? [String: Int])
    #expect(region == ["startLine": 1, "startColumn": 13, "endLine": 1, "endColumn": 19])
}

@Test func githubWorkflowCommandsEscapeData() {
    let output = LintReporter.github(report("DELETE FROM orders;\nSELEC 1;", path: "db/a,b.sql"))
    #expect(output == """
    ::warning file=db/a%2Cb.sql,line=1,col=13,endLine=1,endColumn=19,title=unfiltered-write::delete from orders has no where clause: it changes every row%0Ahelp: add a where clause, or batch the change by key ranges
    ::error file=db/a%2Cb.sql,line=2,col=1,title=syntax error::syntax error at or near "SELEC"

    """)
}
