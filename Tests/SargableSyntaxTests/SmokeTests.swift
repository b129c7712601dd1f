import Testing
@testable import SargableSyntax

@Test func splitsAroundMetaCommandsAndCopyData() {
    let document = SQLDocument(path: "x.sql", text: "select 1;\n\\set x 1\nselec 2;\nCOPY t FROM stdin;\n1\t'2\n\\.\nselect 3;\n")
    #expect(document.statements.map(\.text) == ["select 1", "selec 2", "COPY t FROM stdin", "select 3"])
    #expect(document.notes.map(\.kind) == [.psqlMetaCommand, .copyData])
}
