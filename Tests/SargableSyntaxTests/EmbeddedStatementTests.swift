import SargableCore
import Testing
@testable import SargableSyntax

/// The SQL inside DO blocks, read through libpg_query's PL/pgSQL parser.
@Suite("statements inside DO blocks")
struct EmbeddedStatementTests {
    private func embedded(_ text: String) throws -> (SQLDocument, [EmbeddedStatement]) {
        let document = SQLDocument(path: "m.sql", text: text)
        let statement = try #require(document.parse().last)
        let root = try #require(statement.root)
        return (document, SQLDocument.embeddedStatements(in: statement.source, root: root))
    }

    @Test func statementsAreFoundWhereTheyAreWritten() throws {
        let (document, statements) = try embedded("""
        SELECT 1;
        DO $$
        DECLARE existing text;
        BEGIN
            SELECT string_agg(attname, ',') INTO existing FROM pg_attribute WHERE attrelid = 'reactions'::regclass;
            ALTER TABLE reactions ADD COLUMN remoteid varchar(26);
            IF COALESCE(existing, '') <> 'postid' THEN
                ALTER TABLE reactions
                    DROP CONSTRAINT IF EXISTS reactions_pkey,
                    ADD PRIMARY KEY (postid, userid, emojiname);
            ELSIF existing = 'x' THEN
                CREATE INDEX reactions_x ON reactions (x);
            END IF;
            FOR i IN 1..3 LOOP
                UPDATE reactions SET n = i;
            END LOOP;
        EXCEPTION WHEN others THEN
            DROP TABLE reactions;
        END $$;
        """)
        #expect(statements.map { document.file.text(of: $0.source.range) } == statements.map(\.source.text))
        // SELECT … INTO is kept without its INTO clause, so it is not the text written: not returned.
        #expect(statements.map { $0.source.text.split(separator: " ").prefix(2).joined(separator: " ") } == [
            "ALTER TABLE", "ALTER TABLE", "CREATE INDEX", "UPDATE reactions", "DROP TABLE",
        ])
        #expect(statements.map(\.isConditional) == [false, true, true, true, true])
        // Parsed on their own, located in the file.
        let key = try #require(SQLDocument.parseAlone(statements[1].source).root)
        #expect(key.kind == .alterTableStmt)
        #expect(document.file.position(ofByte: statements[1].source.range.lowerBound) == SourcePosition(line: 8, column: 9))
    }

    @Test("not PL/pgSQL or not a DO block: nothing inside", arguments: [
        "DO LANGUAGE plperl $$ print 1 $$",
        "CREATE TABLE t (id int)",
        "DO $$ BEGIN EXECUTE 'CREATE INDEX i ON t (a)'; END $$",
    ])
    func nothingToRead(sql: String) throws {
        #expect(try embedded(sql).1.isEmpty)
    }
}
