import SargableLogs
import Testing

@Suite struct LoggedParametersTests {
    @Test func readsQuotedValuesNullsAndDoubledQuotes() {
        #expect(LoggedParameters.values("$1 = '42', $2 = NULL, $3 = 'it''s, here'") == ["42", nil, "it's, here"])
    }

    @Test func refusesTruncatedOrMisnumberedValues() {
        #expect(LoggedParameters.values("$1 = 'abcdef...'") == nil)
        #expect(LoggedParameters.values("$2 = '1'") == nil)
        #expect(LoggedParameters.values("$1 = '1', $2 = 'unterminated") == nil)
        #expect(LoggedParameters.values("") == nil)
    }
}
