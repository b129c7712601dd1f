/// The values of a `DETAIL:  parameters: $1 = '42', $2 = NULL` line, as the server writes them
/// for the extended protocol: each value quoted with doubled quotes inside, or NULL.
public enum LoggedParameters {
    /// Values in `$n` order, or nil when the text is not that shape (truncated by
    /// `log_parameter_max_length`, numbered out of order): guessing a value would plan another query.
    public static func values(_ text: String) -> [String?]? {
        var values: [String?] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            guard rest.hasPrefix("$") else { return nil }
            rest = rest.dropFirst()
            let digits = rest.prefix(while: \.isNumber)
            guard Int(digits) == values.count + 1 else { return nil }
            rest = rest.dropFirst(digits.count)
            guard rest.hasPrefix(" = ") else { return nil }
            rest = rest.dropFirst(3)
            if rest.hasPrefix("NULL") {
                values.append(nil)
                rest = rest.dropFirst(4)
            } else {
                guard rest.hasPrefix("'") else { return nil }
                rest = rest.dropFirst()
                var value = ""
                var closed = false
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if character == "'" {
                        if rest.first == "'" {
                            value.append("'")
                            rest = rest.dropFirst()
                        } else {
                            closed = true
                            break
                        }
                    } else {
                        value.append(character)
                    }
                }
                // `log_parameter_max_length` cuts a value and ends it with `...'`: not the value
                // (a value that really ends so loses only its custom plan).
                guard closed, !value.hasSuffix("...") else { return nil }
                values.append(value)
            }
            if rest.hasPrefix(", ") { rest = rest.dropFirst(2) } else if !rest.isEmpty { return nil }
        }
        return values.isEmpty ? nil : values
    }
}
