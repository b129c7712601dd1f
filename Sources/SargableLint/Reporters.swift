import SargableCore
import SargableSyntax

/// ANSI colours of every text report (lint, explain, analyze), so a severity looks the same in each.
public struct TextStyle: Sendable {
    public let enabled: Bool

    public init(enabled: Bool) { self.enabled = enabled }

    func wrap(_ code: String, _ text: String) -> String { enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    public func bold(_ text: String) -> String { wrap("1", text) }
    public func blue(_ text: String) -> String { wrap("1;34", text) }
    public func severity(_ severity: Severity, _ text: String) -> String {
        switch severity {
        case .error: wrap("1;31", text)
        case .warning: wrap("1;33", text)
        case .info: wrap("1;36", text)
        }
    }
}

/// Output formats of `sargable lint`. Text is for people; JSON, SARIF and GitHub workflow commands
/// carry the same facts for machines.
public enum LintReporter {
    // MARK: - Text

    /// rustc/squawk-style frames: `warning[select-star]: …`, `--> file:line:col`, the line, a caret
    /// under the node, `help: …` and where to read more (the hosted catalogue's section, and the
    /// command that prints it). ANSI colour only when `colour` is set.
    public static func text(_ report: LintReport, rules: [RuleMetadata], colour: Bool,
                            catalogueURL: String = defaultCatalogueURL) -> String {
        let style = TextStyle(enabled: colour)
        let known = Set(rules.map(\.id))
        let documents = Dictionary(report.documents.map { ($0.file.path, $0) }, uniquingKeysWith: { first, _ in first })
        var out = ""
        for finding in report.findings {
            out += style.severity(finding.severity, "\(finding.severity.rawValue)[\(finding.rule)]")
            out += style.bold(": \(finding.message)") + "\n"
            guard let file = finding.file, let span = finding.span else {
                out += "  = help: \(finding.help)\n\n"
                continue
            }
            let gutter = String(repeating: " ", count: String(span.start.line).count)
            out += "\(gutter)\(style.blue("-->")) \(file):\(span.start.line):\(span.start.column)\n"
            if let document = documents[file] {
                let line = document.file.line(span.start.line)
                let width = span.end.line == span.start.line ? max(1, span.end.column - span.start.column) : 1
                let lead = String(line.unicodeScalars.prefix(span.start.column - 1).map { $0 == "\t" ? "\t" : " " })
                out += "\(gutter) \(style.blue("|"))\n"
                out += "\(style.blue(String(span.start.line))) \(style.blue("|")) \(line)\n"
                out += "\(gutter) \(style.blue("|")) \(lead)\(style.severity(finding.severity, String(repeating: "^", count: width)))\n"
            }
            out += "\(gutter) \(style.blue("=")) \(style.bold("help")): \(finding.help)\n"
            if let replacement = finding.replacement {
                out += "\(gutter) \(style.blue("=")) \(style.bold("suggestion")): \(replacement)\n"
            }
            if known.contains(finding.rule) {
                // A link that resolves outside a checkout, and the way to read it offline.
                out += "\(gutter) \(style.blue("=")) \(style.bold("see")): \(catalogueURL)#\(finding.rule) (sargable rules explain \(finding.rule))\n"
            }
            out += "\n"
        }
        out += summaryLine(report) + "\n"
        return out
    }

    public static func summaryLine(_ report: LintReport) -> String {
        let findings = findingCount(report.findings)
        var line = "\(findings) in \(report.files) file\(report.files == 1 ? "" : "s"), \(report.statements) statement\(report.statements == 1 ? "" : "s")"
        if !report.errors.isEmpty {
            line += "; \(report.errors.count) statement\(report.errors.count == 1 ? "" : "s") could not be read"
        }
        return line
    }


    /// `no findings`, `3 findings (1 error, 2 warnings)`.
    public static func findingCount(_ findings: [Finding]) -> String {
        let counts = Severity.allCases.reversed().compactMap { severity -> String? in
            let count = findings.filter { $0.severity == severity }.count
            return count == 0 ? nil : "\(count) \(severity.rawValue)\(count == 1 ? "" : "s")"
        }
        return findings.isEmpty ? "no findings" : "\(findings.count) finding\(findings.count == 1 ? "" : "s") (\(counts.joined(separator: ", ")))"
    }

    // MARK: - JSON

    /// `{"version":1,"findings":[…],"errors":[…],"notes":[…],"summary":{…}}`, keys in the documented order.
    /// Written directly: on a large corpus Foundation's encoder took longer than all the rules.
    public static func json(_ report: LintReport) -> String {
        String(decoding: jsonBytes(report), as: UTF8.self)
    }

    /// `json` as UTF-8 bytes, for writing out without a String in between (a String re-checks
    /// every byte: on a large report, about 1% of a lint).
    public static func jsonBytes(_ report: LintReport) -> [UInt8] {
        Array(jsonChunks(report, threads: 1).joined())
    }

    /// `jsonBytes` in pieces to write one after the other, the findings encoded on up to `threads`
    /// threads: on the regression corpus (11.6K findings) one thread encoding them took ~12 ms of a
    /// 145 ms run, all of it after the parallel lint.
    public static func jsonChunks(_ report: LintReport, threads: Int) -> [[UInt8]] {
        let findings = report.findings
        // A thread costs more than encoding a few hundred findings; on one thread, pieces only cost a join.
        let pieces = threads <= 1 || findings.count < 2_000 ? 1 : threads * 4
        let bounds = (0 ... pieces).map { findings.count * $0 / pieces }
        var chunks = WorkerThreads.parallelMap(Array(0 ..< pieces), threads: threads, stackBytes: 1 << 20) { piece in
            var out = JSONBytes()
            let range = bounds[piece] ..< bounds[piece + 1]
            out.bytes.reserveCapacity(range.count * 320 + 32)
            if piece == 0 { out.append("{\"version\":1,\"findings\":[") }
            for index in range {
                if index > 0 { out.append(",") }
                out.finding(findings[index])
            }
            return out.bytes
        }
        var out = JSONBytes()
        out.bytes.reserveCapacity(report.errors.count * 120 + 128)
        out.append("],\"errors\":[")
        for (index, error) in report.errors.enumerated() {
            if index > 0 { out.append(",") }
            out.append("{\"file\":")
            out.string(error.file)
            out.append(",\"line\":")
            out.integer(error.line)
            out.append(",\"column\":")
            out.integer(error.column)
            out.append(",\"message\":")
            out.string(error.message)
            out.append("}")
        }
        out.append("],\"notes\":[")
        var firstNote = true
        for document in report.documents {
            for note in document.notes {
                if !firstNote { out.append(",") }
                firstNote = false
                let position = document.file.position(ofByte: note.range.lowerBound)
                out.append("{\"file\":")
                out.string(document.file.path)
                out.append(",\"line\":")
                out.integer(position.line)
                out.append(",\"column\":")
                out.integer(position.column)
                out.append(",\"kind\":")
                out.string(note.kind.rawValue)
                out.append(",\"message\":")
                out.string(note.message)
                out.append("}")
            }
        }
        out.append("],\"summary\":{\"files\":")
        out.integer(report.files)
        out.append(",\"statements\":")
        out.integer(report.statements)
        out.append(",\"findings\":")
        out.integer(report.findings.count)
        out.append(",\"errors\":")
        out.integer(report.errors.count)
        out.append("}}")
        chunks.append(out.bytes)
        return chunks
    }

    // MARK: - SARIF

    /// Where the rule catalogue is hosted; `helpUri` and the text report's links point into it.
    public static let defaultCatalogueURL = "https://github.com/sargable/sargable/blob/main/Rules/README.md"

    /// The rule id syntax errors are reported under in SARIF, where every problem is a result.
    public static let syntaxErrorRule = "syntax-error"

    public struct SARIFDocument: Encodable {
        enum CodingKeys: String, CodingKey { case schema = "$schema", version, runs }
        let schema = "https://json.schemastore.org/sarif-2.1.0.json"
        let version = "2.1.0"
        let runs: [Run]

        struct Run: Encodable {
            let tool: Tool
            let originalUriBaseIds: [String: ArtifactLocation]?
            // Columns count Unicode scalars (SourcePosition), not SARIF's default UTF-16 units.
            let columnKind = "unicodeCodePoints"
            let results: [Result]
            let invocations: [Invocation]
        }
        struct Tool: Encodable { let driver: Driver }
        struct Driver: Encodable {
            let name = "sargable"
            let informationUri = "https://github.com/sargable/sargable"
            let version: String
            let rules: [Rule]
        }
        struct Text: Encodable { let text: String }
        struct HelpText: Encodable { let text: String; let markdown: String }
        struct Rule: Encodable {
            let id: String
            let name: String
            let shortDescription: Text
            let fullDescription: Text
            let helpUri: String
            let help: HelpText
            let defaultConfiguration: Configuration
            let properties: Properties
        }
        struct Configuration: Encodable { let level: String }
        struct Properties: Encodable { let category: String; let tags: [String] }
        struct Result: Encodable {
            let ruleId: String
            let ruleIndex: Int?
            let level: String
            let message: Text
            let locations: [Location]
            let partialFingerprints: [String: String]
            let fixes: [Fix]?
        }
        struct Location: Encodable { let physicalLocation: PhysicalLocation }
        struct PhysicalLocation: Encodable {
            let artifactLocation: ArtifactLocation
            let region: Region?
        }
        struct ArtifactLocation: Encodable { let uri: String; var uriBaseId: String? = nil }
        struct Region: Encodable { let startLine: Int, startColumn: Int, endLine: Int, endColumn: Int }
        struct Fix: Encodable {
            let description: Text
            let artifactChanges: [ArtifactChange]
        }
        struct ArtifactChange: Encodable {
            let artifactLocation: ArtifactLocation
            let replacements: [Replacement]
        }
        struct Replacement: Encodable {
            let deletedRegion: Region
            let insertedContent: Text
        }
        struct Invocation: Encodable {
            let executionSuccessful: Bool
            let toolExecutionNotifications: [Notification]
        }
        struct Notification: Encodable {
            let level: String
            let message: Text
            let locations: [Location]
        }
    }

    /// Where SARIF URIs start from: relative URIs under `root` (the repository root, so code
    /// scanning matches them to its files) with the `%SRCROOT%` base id; relative paths in the
    /// report are read from `workingDirectory`. Without a root, paths stay as they are.
    public struct SARIFPaths: Sendable {
        public var root: String?
        public var workingDirectory: String?
        public var catalogueURL: String

        public init(root: String? = nil, workingDirectory: String? = nil, catalogueURL: String = LintReporter.defaultCatalogueURL) {
            self.root = root
            self.workingDirectory = workingDirectory
            self.catalogueURL = catalogueURL
        }
    }

    static let rootBaseId = "%SRCROOT%"

    /// SARIF 2.1.0 as GitHub code scanning uses it: every rule with its help and `helpUri`; every
    /// result with a location (URIs relative to the root, percent-encoded), a fingerprint that
    /// survives the code moving, and a fix when the finding has a replacement. Syntax errors are
    /// results too (`syntax-error`), and tool notifications as well. A finding still without a file
    /// (from a live catalog, about an object no linted file names) cannot be a result, since code
    /// scanning refuses results without a location: it becomes a notification.
    public static func sarif(_ report: LintReport, rules: [RuleMetadata], version: String,
                             paths: SARIFPaths = SARIFPaths()) -> SARIFDocument {
        let syntaxError = RuleMetadata(
            id: syntaxErrorRule, title: "statement that does not parse", severity: .error, category: .meta,
            rationale: "PostgreSQL's parser rejects the statement: it fails when run, and no rule can check it.",
            fix: "fix the syntax; the message names the token where parsing stopped")
        let allRules = rules + [syntaxError]
        let ruleIndex = Dictionary(allRules.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        let sarifRules = allRules.map { rule in
            SARIFDocument.Rule(
                id: rule.id, name: rule.id.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(),
                shortDescription: .init(text: rule.title), fullDescription: .init(text: rule.rationale),
                helpUri: "\(paths.catalogueURL)#\(rule.id)",
                help: .init(text: rule.fix, markdown: "\(rule.fix)\n\nSee [\(rule.id)](\(paths.catalogueURL)#\(rule.id))."),
                defaultConfiguration: .init(level: sarifLevel(rule.severity)),
                properties: .init(category: rule.category.rawValue, tags: [rule.category.rawValue]))
        }
        let documents = Dictionary(report.documents.map { ($0.file.path, $0) }, uniquingKeysWith: { first, _ in first })
        var fingerprints = FingerprintCounter()
        var results: [SARIFDocument.Result] = []
        var notifications: [SARIFDocument.Notification] = []

        for finding in report.findings {
            let message = SARIFDocument.Text(text: "\(finding.message). Help: \(finding.help)")
            guard let file = finding.file, let artifact = artifactLocation(file, paths) else {
                notifications.append(.init(level: sarifLevel(finding.severity), message: .init(text: "\(finding.rule): \(message.text)"),
                                           locations: []))
                continue
            }
            let region = finding.span.map { SARIFDocument.Region(startLine: $0.start.line, startColumn: $0.start.column,
                                                                  endLine: $0.end.line, endColumn: $0.end.column) }
            let lineText = finding.span.flatMap { span in documents[file].map { $0.file.line(span.start.line) } } ?? ""
            let fixes = finding.replacement.flatMap { replacement in region.map { region in
                [SARIFDocument.Fix(description: .init(text: "replace with \(replacement)"), artifactChanges: [
                    .init(artifactLocation: artifact, replacements: [.init(deletedRegion: region, insertedContent: .init(text: replacement))]),
                ])]
            } }
            results.append(.init(
                ruleId: finding.rule, ruleIndex: ruleIndex[finding.rule], level: sarifLevel(finding.severity), message: message,
                locations: [.init(physicalLocation: .init(artifactLocation: artifact, region: region))],
                partialFingerprints: [fingerprintKey: fingerprints.next(finding.rule, artifact.uri, finding.message, lineText)],
                fixes: fixes))
        }
        for error in report.errors {
            let region = SARIFDocument.Region(startLine: error.line, startColumn: error.column, endLine: error.line, endColumn: error.column + 1)
            let artifact = artifactLocation(error.file, paths)
            let locations = artifact.map { [SARIFDocument.Location(physicalLocation: .init(artifactLocation: $0, region: region))] } ?? []
            notifications.append(.init(level: "error", message: .init(text: error.message), locations: locations))
            guard let artifact else { continue }
            let lineText = documents[error.file].map { $0.file.line(error.line) } ?? ""
            results.append(.init(
                ruleId: syntaxErrorRule, ruleIndex: ruleIndex[syntaxErrorRule], level: "error", message: .init(text: error.message),
                locations: locations,
                partialFingerprints: [fingerprintKey: fingerprints.next(syntaxErrorRule, artifact.uri, error.message, lineText)],
                fixes: nil))
        }
        let baseIds = paths.root.map { [rootBaseId: SARIFDocument.ArtifactLocation(uri: fileURI(directory: $0))] }
        return SARIFDocument(runs: [.init(
            tool: .init(driver: .init(version: version, rules: sarifRules)), originalUriBaseIds: baseIds, results: results,
            invocations: [.init(executionSuccessful: true, toolExecutionNotifications: notifications)])])
    }

    static let fingerprintKey = "sargable/v1"

    /// A result's identity without its line number, so moving code does not make an old finding
    /// look new: rule, file, message and the text of its line, plus which occurrence of that it
    /// is. FNV-1a: stable across runs and platforms, unlike Hasher.
    struct FingerprintCounter {
        private var seen: [String: Int] = [:]

        mutating func next(_ parts: String...) -> String {
            let key = parts.map { Substring($0).trimmingCharacters() }.joined(separator: "\u{0}")
            let occurrence = seen[key, default: 0]
            seen[key] = occurrence + 1
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in (key + "\u{0}\(occurrence)").utf8 {
                hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            }
            let hex = String(hash, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }
    }

    /// A path as SARIF wants it: relative to the root (with its base id) when under it, otherwise
    /// an absolute `file:` URI; nil for standard input without `--stdin-filepath`.
    static func artifactLocation(_ path: String, _ paths: SARIFPaths) -> SARIFDocument.ArtifactLocation? {
        guard path != InputFiles.standardInputName else { return nil }
        guard let root = paths.root else { return .init(uri: percentEncoded(path)) }
        let absolute = normalized(path.hasPrefix("/") ? path : (paths.workingDirectory ?? root) + "/" + path)
        let prefix = root.hasSuffix("/") ? root : root + "/"
        if absolute.hasPrefix(prefix) {
            return .init(uri: percentEncoded(String(absolute.dropFirst(prefix.count))), uriBaseId: rootBaseId)
        }
        return .init(uri: "file://" + percentEncoded(absolute))
    }

    static func fileURI(directory: String) -> String {
        "file://" + percentEncoded(directory.hasSuffix("/") ? directory : directory + "/")
    }

    /// `a/./b/../c` → `a/c`, on the text alone (symlinks are the caller's business).
    static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { _ = parts.popLast(); continue }
            parts.append(part)
        }
        return (path.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
    }

    /// RFC 3986 percent-encoding of a path: every byte but unreserved characters and `/`.
    static func percentEncoded(_ path: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "a") ... UInt8(ascii: "z"), UInt8(ascii: "A") ... UInt8(ascii: "Z"), UInt8(ascii: "0") ... UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                bytes.append(byte)
            default:
                bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func sarifLevel(_ severity: Severity) -> String {
        switch severity {
        case .error: "error"
        case .warning: "warning"
        case .info: "note"
        }
    }

    // MARK: - GitHub workflow commands

    /// `::warning file=q.sql,line=2,col=8,endLine=2,endColumn=9,title=select-star::message`
    public static func github(_ report: LintReport) -> String {
        var out = ""
        for finding in report.findings {
            let command = switch finding.severity {
            case .error: "error"
            case .warning: "warning"
            case .info: "notice"
            }
            var properties: [String] = []
            if let file = finding.file { properties.append("file=\(escapeProperty(file))") }
            if let span = finding.span {
                properties += ["line=\(span.start.line)", "col=\(span.start.column)",
                               "endLine=\(span.end.line)", "endColumn=\(span.end.column)"]
            }
            properties.append("title=\(escapeProperty(finding.rule))")
            out += "::\(command) \(properties.joined(separator: ","))::\(escapeData("\(finding.message)\nhelp: \(finding.help)"))\n"
        }
        for error in report.errors {
            out += "::error file=\(escapeProperty(error.file)),line=\(error.line),col=\(error.column),title=syntax error::\(escapeData(error.message))\n"
        }
        return out
    }

    /// A workflow command's message: `%`, CR and LF escaped (GitHub's rule).
    public static func escapeData(_ text: String) -> String {
        text.replacingAll("%", with: "%25").replacingAll("\r", with: "%0D").replacingAll("\n", with: "%0A")
    }

    /// A workflow command's property value: also `:` and `,`.
    public static func escapeProperty(_ text: String) -> String {
        escapeData(text).replacingAll(":", with: "%3A").replacingAll(",", with: "%2C")
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        guard contains(target) else { return self }
        var result = ""
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}

/// A JSON text built as UTF-8 bytes (no intermediate strings: a large report has 10,000s of findings).
struct JSONBytes {
    var bytes: [UInt8] = []

    mutating func finding(_ finding: Finding) {
        append("{\"rule\":")
        string(finding.rule)
        append(",\"severity\":")
        string(finding.severity.rawValue)
        if let file = finding.file {
            append(",\"file\":")
            string(file)
        }
        if let span = finding.span {
            append(",\"line\":")
            integer(span.start.line)
            append(",\"column\":")
            integer(span.start.column)
            append(",\"endLine\":")
            integer(span.end.line)
            append(",\"endColumn\":")
            integer(span.end.column)
        }
        append(",\"message\":")
        string(finding.message)
        append(",\"help\":")
        string(finding.help)
        if let replacement = finding.replacement {
            append(",\"replacement\":")
            string(replacement)
        }
        append("}")
    }

    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func integer(_ value: Int) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        // Digits from the right into a buffer on the stack: no array per number.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    /// A string literal: quotes, backslashes and control characters escaped (RFC 8259). The bytes
    /// between escapes are copied a run at a time.
    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            guard let base = utf8.baseAddress else { return }
            let count = utf8.count
            var runStart = 0
            var index = 0
            while index < count {
                let byte = base[index]
                index += 1
                guard byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: index - 1 - runStart))
                runStart = index
                switch byte {
                case 0x0A: append("\\n")
                case 0x0D: append("\\r")
                case 0x09: append("\\t")
                case 0 ..< 0x20:
                    let hex: StaticString = "0123456789abcdef"
                    append("\\u00")
                    hex.withUTF8Buffer { digits in
                        bytes.append(digits[Int(byte >> 4)])
                        bytes.append(digits[Int(byte & 0x0F)])
                    }
                default:
                    bytes.append(UInt8(ascii: "\\"))
                    bytes.append(byte)
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: count - runStart))
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
