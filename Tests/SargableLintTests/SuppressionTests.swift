import SargableCore
import SargableLint
import SargableRules
import SargableSyntax
import Testing

private func lint(_ sql: String) -> [Finding] {
    Linter(rules: RuleRegistry.sqlRules).lint([SQLDocument(path: "s.sql", text: sql)]).findings
}

@Test func ignoreCommentSilencesOnlyTheNextStatement() {
    let findings = lint("""
    -- sargable-ignore select-star, unbounded-select: the export needs every column
    SELECT * FROM users;
    SELECT * FROM users;
    """)
    #expect(findings.map(\.rule).sorted() == ["select-star", "unbounded-select"])
    #expect(findings.allSatisfy { $0.span?.start.line == 3 })
}

@Test func ignoreFileSilencesTheWholeFile() {
    let findings = lint("""
    DELETE FROM orders;
    /* sargable-ignore-file unfiltered-write */
    UPDATE users SET status = 'x';
    """)
    #expect(findings.isEmpty)
}

@Test func unusedAndUnknownSuppressionsAreReported() {
    let findings = lint("""
    -- sargable-ignore select-star: nothing to silence here
    SELECT id FROM users WHERE id = $1;
    -- sargable-ignore unfiltered-writes: misspelt
    DELETE FROM orders;
    """)
    #expect(findings.map(\.rule) == ["unused-suppression", "unused-suppression", "unfiltered-write"])
    #expect(findings[0].message == "suppression of select-star silenced nothing")
    #expect(findings[1].message == "suppression names unknown rule 'unfiltered-writes'")
    #expect(findings.map { $0.span?.start.line } == [1, 3, 4])
}

@Test func suppressionTextInsideAStringIsNotAComment() {
    // The scanner, not a regex, finds comments: this literal suppresses nothing.
    let findings = lint("SELECT '-- sargable-ignore select-star: no' AS note, * FROM users WHERE id = 1;")
    #expect(findings.map(\.rule) == ["select-star"])
}
