/// A configuration document read from YAML or TOML, with the line of every key for error messages.
public indirect enum ConfigValue: Sendable {
    case scalar(String, line: Int)
    case list([ConfigValue], line: Int)
    case table([(key: String, line: Int, value: ConfigValue)], line: Int)

    public var line: Int {
        switch self {
        case .scalar(_, let line), .list(_, let line), .table(_, let line): line
        }
    }
}

/// A problem in a configuration file, with its line: `.sargable.yml:4: unknown rule 'select-stat'`.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let line: Int
    public let message: String

    public init(path: String, line: Int, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "\(path):\(line): \(message)" : "\(path): \(message)" }
}

/// Reads the subset of YAML that `.sargable.yml` needs: nested block mappings, block lists
/// (`- item`), flow lists (`[a, b]`), plain and quoted scalars, `#` comments. Anchors, multi-line
/// strings and flow mappings are rejected with the line, never guessed at. Public for the other
/// YAML inputs of the command line (`sargable check`).
public enum YAMLSubset {
    private struct Line {
        let number: Int
        let indent: Int
        let text: String
    }

    public static func read(_ text: String, path: String) throws(ConfigurationError) -> ConfigValue {
        var lines: [Line] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let stripped = stripComment(String(raw))
            let content = stripped.drop(while: { $0 == " " })
            if content.isEmpty || content == "---" { continue }
            if stripped.hasPrefix("\t") || content.hasPrefix("\t") {
                throw ConfigurationError(path: path, line: index + 1, message: "tabs are not allowed for indentation")
            }
            lines.append(Line(number: index + 1, indent: stripped.count - content.count,
                              text: String(content).trimmingTrailingSpaces()))
        }
        var position = 0
        guard !lines.isEmpty else { return .table([], line: 1) }
        let value = try block(&position, lines: lines, indent: lines[0].indent, path: path)
        if position < lines.count {
            throw ConfigurationError(path: path, line: lines[position].number, message: "unexpected indentation")
        }
        return value
    }

    private static func block(_ position: inout Int, lines: [Line], indent: Int, path: String) throws(ConfigurationError) -> ConfigValue {
        let first = lines[position]
        if first.text.hasPrefix("- ") || first.text == "-" {
            var items: [ConfigValue] = []
            while position < lines.count, lines[position].indent == indent, lines[position].text.hasPrefix("-") {
                let line = lines[position]
                let item = line.text.dropFirst().drop(while: { $0 == " " })
                guard !item.isEmpty else {
                    throw ConfigurationError(path: path, line: line.number, message: "empty list item")
                }
                items.append(try scalarOrFlow(String(item), line: line.number, path: path))
                position += 1
            }
            return .list(items, line: first.number)
        }
        var entries: [(key: String, line: Int, value: ConfigValue)] = []
        while position < lines.count, lines[position].indent == indent {
            let line = lines[position]
            guard let colon = keySeparator(line.text) else {
                throw ConfigurationError(path: path, line: line.number, message: "expected 'key: value'")
            }
            let key = unquote(String(line.text[..<colon]).trimmingTrailingSpaces())
            if entries.contains(where: { $0.key == key }) {
                throw ConfigurationError(path: path, line: line.number, message: "duplicate key '\(key)'")
            }
            let rest = line.text[line.text.index(after: colon)...].drop(while: { $0 == " " })
            position += 1
            if rest.isEmpty {
                if position < lines.count, lines[position].indent > indent {
                    entries.append((key, line.number, try block(&position, lines: lines, indent: lines[position].indent, path: path)))
                } else {
                    entries.append((key, line.number, .scalar("", line: line.number)))
                }
            } else {
                entries.append((key, line.number, try scalarOrFlow(String(rest), line: line.number, path: path)))
            }
        }
        return .table(entries, line: first.number)
    }

    private static func scalarOrFlow(_ text: String, line: Int, path: String) throws(ConfigurationError) -> ConfigValue {
        if text.hasPrefix("[") {
            return try FlowList.read(text, line: line, path: path)
        }
        if text.hasPrefix("{") || text.hasPrefix("&") || text.hasPrefix("*") || text.hasPrefix("|") || text.hasPrefix(">") {
            throw ConfigurationError(path: path, line: line, message: "unsupported YAML ('\(text.prefix(1))'); use plain keys, lists and scalars")
        }
        return .scalar(unquote(text), line: line)
    }

    /// The colon that ends a key (outside quotes, followed by a space or the end of the line).
    private static func keySeparator(_ text: String) -> String.Index? {
        firstUnquoted(in: text) { index in
            guard text[index] == ":" else { return false }
            let next = text.index(after: index)
            return next == text.endIndex || text[next] == " "
        }
    }

    /// The line without its comment: `#` outside quotes, at the start or after a space (YAML's rule).
    private static func stripComment(_ line: String) -> String {
        let hash = firstUnquoted(in: line) { index in
            line[index] == "#" && (index == line.startIndex || [" ", "\t"].contains(line[line.index(before: index)]))
        }
        return hash.map { String(line[..<$0]) } ?? line
    }
}

/// Reads the subset of TOML that `.sargable.toml` needs: `key = value`, `[table]` and `[a.b]`
/// headers, strings, integers, booleans and one-line arrays, `#` comments.
enum TOMLSubset {
    static func read(_ text: String, path: String) throws(ConfigurationError) -> ConfigValue {
        let root = MutableTable(line: 1)
        var currentPath: [String] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let line = stripComment(String(raw)).trimmingTrailingSpaces().drop(while: { $0 == " " || $0 == "\t" })
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), !line.hasPrefix("[[") else {
                    throw ConfigurationError(path: path, line: number, message: "expected '[table]'")
                }
                currentPath = line.dropFirst().dropLast().split(separator: ".").map {
                    unquote(String($0).trimmingTrailingSpaces().trimmingLeadingSpaces())
                }
                try root.ensureTable(currentPath, line: number, path: path)
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigurationError(path: path, line: number, message: "expected 'key = value'")
            }
            let key = unquote(String(line[..<equals]).trimmingTrailingSpaces())
            let valueText = String(line[line.index(after: equals)...]).trimmingLeadingSpaces()
            let value: ConfigValue
            if valueText.hasPrefix("[") {
                value = try FlowList.read(valueText, line: number, path: path)
            } else if valueText.hasPrefix("{") {
                throw ConfigurationError(path: path, line: number, message: "inline tables are not supported; use a [table] header")
            } else {
                value = .scalar(unquote(valueText), line: number)
            }
            try root.set(currentPath + [key], value: value, line: number, path: path)
        }
        return root.value
    }

    /// The line without its comment: from the first `#` outside quotes.
    private static func stripComment(_ line: String) -> String {
        firstUnquoted(in: line) { line[$0] == "#" }.map { String(line[..<$0]) } ?? line
    }

    private final class MutableTable {
        var entries: [(key: String, line: Int, value: Entry)] = []
        let line: Int
        enum Entry {
            case value(ConfigValue)
            case table(MutableTable)
        }

        init(line: Int) { self.line = line }

        var value: ConfigValue {
            .table(entries.map { entry in
                switch entry.value {
                case .value(let value): (entry.key, entry.line, value)
                case .table(let table): (entry.key, entry.line, table.value)
                }
            }, line: line)
        }

        func child(_ key: String, line: Int, path: String) throws(ConfigurationError) -> MutableTable {
            if let existing = entries.first(where: { $0.key == key }) {
                guard case .table(let table) = existing.value else {
                    throw ConfigurationError(path: path, line: line, message: "'\(key)' is already a value")
                }
                return table
            }
            let table = MutableTable(line: line)
            entries.append((key, line, .table(table)))
            return table
        }

        func ensureTable(_ keys: [String], line: Int, path: String) throws(ConfigurationError) {
            var table = self
            for key in keys { table = try table.child(key, line: line, path: path) }
        }

        func set(_ keys: [String], value: ConfigValue, line: Int, path: String) throws(ConfigurationError) {
            var table = self
            for key in keys.dropLast() { table = try table.child(key, line: line, path: path) }
            let last = keys[keys.count - 1]
            if table.entries.contains(where: { $0.key == last }) {
                throw ConfigurationError(path: path, line: line, message: "duplicate key '\(last)'")
            }
            table.entries.append((last, line, .value(value)))
        }
    }
}

/// `[a, "b", 3]` on one line, shared by both readers.
enum FlowList {
    static func read(_ text: String, line: Int, path: String) throws(ConfigurationError) -> ConfigValue {
        guard text.hasSuffix("]") else {
            throw ConfigurationError(path: path, line: line, message: "a list must close on the same line")
        }
        var items: [ConfigValue] = []
        var current = ""
        var quote: Character?
        for character in text.dropFirst().dropLast() {
            if let open = quote {
                if character == open { quote = nil }
                current.append(character)
            } else if character == "\"" || character == "'" {
                quote = character
                current.append(character)
            } else if character == "," {
                items.append(.scalar(unquote(current.trimmingTrailingSpaces().trimmingLeadingSpaces()), line: line))
                current = ""
            } else {
                current.append(character)
            }
        }
        let last = current.trimmingTrailingSpaces().trimmingLeadingSpaces()
        if !last.isEmpty { items.append(.scalar(unquote(last), line: line)) }
        return .list(items, line: line)
    }
}

/// The first position outside single- or double-quoted text where `matches` holds; the YAML and
/// TOML readers find keys and comments with it.
private func firstUnquoted(in text: String, where matches: (String.Index) -> Bool) -> String.Index? {
    var quote: Character?
    for index in text.indices {
        let character = text[index]
        if let open = quote {
            if character == open { quote = nil }
        } else if character == "\"" || character == "'" {
            quote = character
        } else if matches(index) {
            return index
        }
    }
    return nil
}

private func unquote(_ text: String) -> String {
    guard text.count >= 2, let first = text.first, first == "\"" || first == "'", text.last == first else { return text }
    return String(text.dropFirst().dropLast())
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var result = Substring(self)
        while let last = result.last, last == " " || last == "\t" || last == "\r" { result = result.dropLast() }
        return String(result)
    }

    func trimmingLeadingSpaces() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" }))
    }
}

extension Substring {
    func trimmingTrailingSpaces() -> Substring {
        var result = self
        while let last = result.last, last == " " || last == "\t" || last == "\r" { result = result.dropLast() }
        return result
    }
}
