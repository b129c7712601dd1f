import Foundation
import SargableCore
import Testing

/// The SARIF 2.1.0 JSON schema's constraints on every object `lint --format sarif` writes, transcribed
/// from the OASIS schema (SARIF 2.1.0 errata01, sarif-schema-2.1.0.json, as published in
/// github.com/oasis-tcs/sarif-spec, Schemata/sarif-schema-2.1.0.json). Each of these objects has
/// `"additionalProperties": false` there, so a property not listed is an error; the property
/// bag is the one open object. Properties sargable never writes are listed as `.any`.
private indirect enum Shape: Sendable {
    case any, string, boolean, uri, uriReference
    case integer(minimum: Int)
    case level  // "none" | "note" | "warning" | "error"
    case object(String)
    case array(Shape, minItems: Int)
    case map(Shape)  // an object whose every value has this shape
}

private struct Definition: Sendable {
    let properties: [String: Shape]
    let required: [String]
    var requiresOneOf: [String] = []  // anyOf: [{required: [a]}, {required: [b]}]
}

private let sarifSchema: [String: Definition] = [
    "log": .init(properties: ["$schema": .uri, "version": .string, "runs": .array(.object("run"), minItems: 0),
                              "inlineExternalProperties": .any, "properties": .object("propertyBag")],
                 required: ["version", "runs"]),
    "run": .init(properties: [
        "tool": .object("tool"), "invocations": .array(.object("invocation"), minItems: 0), "conversion": .any, "language": .any,
        "versionControlProvenance": .any, "originalUriBaseIds": .map(.object("artifactLocation")), "artifacts": .any,
        "logicalLocations": .any, "graphs": .any, "results": .array(.object("result"), minItems: 0), "automationDetails": .any,
        "runAggregates": .any, "baselineGuid": .any, "redactionTokens": .any, "defaultEncoding": .any,
        "defaultSourceLanguage": .any, "newlineSequences": .any, "columnKind": .string,
        "externalPropertyFileReferences": .any, "threadFlowLocations": .any, "taxonomies": .any, "addresses": .any,
        "translations": .any, "policies": .any, "webRequests": .any, "webResponses": .any, "specialLocations": .any,
        "properties": .object("propertyBag"),
    ], required: ["tool"]),
    "tool": .init(properties: ["driver": .object("toolComponent"), "extensions": .any, "properties": .object("propertyBag")],
                  required: ["driver"]),
    "toolComponent": .init(properties: [
        "guid": .any, "name": .string, "organization": .any, "product": .any, "productSuite": .any, "shortDescription": .any,
        "fullDescription": .any, "fullName": .any, "version": .string, "semanticVersion": .any, "dottedQuadFileVersion": .any,
        "releaseDateUtc": .any, "downloadUri": .any, "informationUri": .uri, "globalMessageStrings": .any,
        "notifications": .any, "rules": .array(.object("reportingDescriptor"), minItems: 0), "taxa": .any, "locations": .any,
        "language": .any, "contents": .any, "isComprehensive": .any, "localizedDataSemanticVersion": .any,
        "minimumRequiredLocalizedDataSemanticVersion": .any, "associatedComponent": .any, "translationMetadata": .any,
        "supportedTaxonomies": .any, "properties": .object("propertyBag"),
    ], required: ["name"]),
    "reportingDescriptor": .init(properties: [
        "id": .string, "deprecatedIds": .any, "guid": .any, "deprecatedGuids": .any, "name": .string, "deprecatedNames": .any,
        "shortDescription": .object("multiformatMessageString"), "fullDescription": .object("multiformatMessageString"),
        "messageStrings": .any, "defaultConfiguration": .object("reportingConfiguration"), "helpUri": .uri,
        "help": .object("multiformatMessageString"), "relationships": .any, "properties": .object("propertyBag"),
    ], required: ["id"]),
    "multiformatMessageString": .init(properties: ["text": .string, "markdown": .string, "properties": .object("propertyBag")],
                                      required: ["text"]),
    "reportingConfiguration": .init(properties: ["enabled": .boolean, "level": .level, "rank": .any, "parameters": .any,
                                                 "properties": .object("propertyBag")], required: []),
    "result": .init(properties: [
        "ruleId": .string, "ruleIndex": .integer(minimum: -1), "rule": .any, "kind": .any, "level": .level,
        "message": .object("message"), "analysisTarget": .any, "locations": .array(.object("location"), minItems: 0),
        "guid": .any, "correlationGuid": .any, "occurrenceCount": .any, "partialFingerprints": .map(.string),
        "fingerprints": .map(.string), "stacks": .any, "codeFlows": .any, "graphs": .any, "graphTraversals": .any,
        "relatedLocations": .any, "suppressions": .any, "baselineState": .any, "rank": .any, "attachments": .any,
        "hostedViewerUri": .any, "workItemUris": .any, "provenance": .any, "fixes": .array(.object("fix"), minItems: 0),
        "taxa": .any, "webRequest": .any, "webResponse": .any, "properties": .object("propertyBag"),
    ], required: ["message"]),
    "message": .init(properties: ["text": .string, "markdown": .string, "id": .string, "arguments": .any,
                                  "properties": .object("propertyBag")], required: [], requiresOneOf: ["text", "id"]),
    "location": .init(properties: ["id": .integer(minimum: -1), "physicalLocation": .object("physicalLocation"),
                                   "logicalLocations": .any, "message": .object("message"), "annotations": .any,
                                   "relationships": .any, "properties": .object("propertyBag")], required: []),
    "physicalLocation": .init(properties: ["address": .any, "artifactLocation": .object("artifactLocation"),
                                           "region": .object("region"), "contextRegion": .object("region"),
                                           "properties": .object("propertyBag")],
                              required: [], requiresOneOf: ["address", "artifactLocation"]),
    "artifactLocation": .init(properties: ["uri": .uriReference, "uriBaseId": .string, "index": .integer(minimum: -1),
                                           "description": .object("message"), "properties": .object("propertyBag")], required: []),
    "region": .init(properties: [
        "startLine": .integer(minimum: 1), "startColumn": .integer(minimum: 1), "endLine": .integer(minimum: 1),
        "endColumn": .integer(minimum: 1), "charOffset": .integer(minimum: -1), "charLength": .integer(minimum: 0),
        "byteOffset": .integer(minimum: -1), "byteLength": .integer(minimum: 0), "snippet": .any, "message": .object("message"),
        "sourceLanguage": .string, "properties": .object("propertyBag"),
    ], required: [], requiresOneOf: ["startLine", "charOffset", "byteOffset"]),
    "fix": .init(properties: ["description": .object("message"), "artifactChanges": .array(.object("artifactChange"), minItems: 1),
                              "properties": .object("propertyBag")], required: ["artifactChanges"]),
    "artifactChange": .init(properties: ["artifactLocation": .object("artifactLocation"),
                                         "replacements": .array(.object("replacement"), minItems: 1),
                                         "properties": .object("propertyBag")], required: ["artifactLocation", "replacements"]),
    "replacement": .init(properties: ["deletedRegion": .object("region"), "insertedContent": .object("artifactContent"),
                                      "properties": .object("propertyBag")], required: ["deletedRegion"]),
    "artifactContent": .init(properties: ["text": .string, "binary": .string, "rendered": .any, "properties": .object("propertyBag")],
                             required: []),
    "invocation": .init(properties: [
        "commandLine": .any, "arguments": .any, "responseFiles": .any, "startTimeUtc": .any, "endTimeUtc": .any, "exitCode": .any,
        "ruleConfigurationOverrides": .any, "notificationConfigurationOverrides": .any,
        "toolExecutionNotifications": .array(.object("notification"), minItems: 0),
        "toolConfigurationNotifications": .array(.object("notification"), minItems: 0), "exitCodeDescription": .any,
        "exitSignalName": .any, "exitSignalNumber": .any, "processStartFailureMessage": .any, "executionSuccessful": .boolean,
        "machine": .any, "account": .any, "processId": .any, "executableLocation": .any, "workingDirectory": .any,
        "environmentVariables": .any, "stdin": .any, "stdout": .any, "stderr": .any, "stdoutStderr": .any,
        "properties": .object("propertyBag"),
    ], required: ["executionSuccessful"]),
    "notification": .init(properties: ["locations": .array(.object("location"), minItems: 0), "message": .object("message"),
                                       "level": .level, "threadId": .any, "timeUtc": .any, "exception": .any, "descriptor": .any,
                                       "associatedRule": .any, "properties": .object("propertyBag")], required: ["message"]),
]

/// Every violation of `sarifSchema` in `value`, as `path: problem`.
private func violations(_ value: Any, _ shape: Shape, at path: String = "$") -> [String] {
    switch shape {
    case .any: return []
    case .string: return value is String ? [] : ["\(path): expected a string"]
    case .boolean: return value is Bool ? [] : ["\(path): expected a boolean"]
    case .uri, .uriReference:
        guard let text = value as? String else { return ["\(path): expected a URI string"] }
        guard let components = URLComponents(string: text) else { return ["\(path): '\(text)' is not a URI reference"] }
        if case .uri = shape, components.scheme == nil { return ["\(path): '\(text)' is not an absolute URI"] }
        return []
    case .integer(let minimum):
        guard let number = value as? Int else { return ["\(path): expected an integer"] }
        return number >= minimum ? [] : ["\(path): \(number) is below the minimum \(minimum)"]
    case .level:
        return ["none", "note", "warning", "error"].contains(value as? String ?? "") ? [] : ["\(path): not a level: \(value)"]
    case .array(let element, let minItems):
        guard let items = value as? [Any] else { return ["\(path): expected an array"] }
        return (items.count < minItems ? ["\(path): fewer than \(minItems) items"] : [])
            + items.enumerated().flatMap { violations($1, element, at: "\(path)[\($0)]") }
    case .map(let element):
        guard let object = value as? [String: Any] else { return ["\(path): expected an object"] }
        return object.flatMap { violations($1, element, at: "\(path).\($0)") }
    case .object("propertyBag"):
        guard let object = value as? [String: Any] else { return ["\(path): expected an object"] }
        guard let tags = object["tags"] else { return [] }
        guard let strings = tags as? [String], Set(strings).count == strings.count else { return ["\(path).tags: expected unique strings"] }
        return []
    case .object(let name):
        guard let object = value as? [String: Any] else { return ["\(path): expected an object (\(name))"] }
        guard let definition = sarifSchema[name] else { return ["\(path): no definition \(name)"] }
        var problems = definition.required.filter { object[$0] == nil }.map { "\(path): \(name) requires \($0)" }
        if !definition.requiresOneOf.isEmpty, !definition.requiresOneOf.contains(where: { object[$0] != nil }) {
            problems.append("\(path): \(name) requires one of \(definition.requiresOneOf)")
        }
        for (key, child) in object {
            guard let childShape = definition.properties[key] else {
                problems.append("\(path).\(key): not a property of \(name)")
                continue
            }
            problems += violations(child, childShape, at: "\(path).\(key)")
        }
        return problems
    }
}

/// Runs git in `directory`.
private func git(_ arguments: [String], in directory: URL) throws {
    let result = try Subprocess("git", ["-c", "user.name=test", "-c", "user.email=test@example.com"] + arguments,
                                directory: directory.path, output: .discard).run()
    try #require(result.status == 0, "\(result.errorText)")
}

/// The OASIS schema itself, vendored (see Fixtures/README.md for its source).
private let schemaPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures/sarif-schema-2.1.0.json").path

/// python3 with the `jsonschema` package: the one full JSON-schema validator available offline.
private let jsonSchemaValidatorAvailable: Bool = {
    (try? Subprocess("python3", ["-c", "import jsonschema"], output: .discard, errors: .discard).run())?.status == 0
}()

@Suite("the transcribed SARIF constraints")
struct SARIFSchemaTranscriptionTests {
    /// Each transcribed object has exactly the schema's properties, required ones and `anyOf`
    /// requirements, so the offline check cannot drift from the published schema.
    @Test func matchesTheVendoredSchema() throws {
        let schema = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: schemaPath))) as? [String: Any])
        let definitions = try #require(schema["definitions"] as? [String: [String: Any]])
        for (name, transcribed) in sarifSchema {
            let definition = try #require(name == "log" ? schema : definitions[name], "\(name) is not in the schema")
            #expect(definition["additionalProperties"] as? Bool == false, "\(name)")
            #expect(Set((definition["properties"] as? [String: Any] ?? [:]).keys) == Set(transcribed.properties.keys), "\(name)")
            #expect(Set(definition["required"] as? [String] ?? []) == Set(transcribed.required), "\(name)")
            let anyOf = (definition["anyOf"] as? [[String: Any]] ?? []).compactMap { ($0["required"] as? [String])?.first }
            #expect(Set(anyOf) == Set(transcribed.requiresOneOf), "\(name)")
        }
    }
}

@Suite("SARIF for GitHub code scanning")
struct SARIFTests {
    static let queries = "SELECT * FROM users WHERE id = 1;\nSELEC 1;\n"

    /// `lint --format sarif` on a repository's `db/my queries/é.sql`, run from `db/`.
    private func sarif(_ contents: String = queries) throws -> (log: [String: Any], root: TemporaryDirectory) {
        let root = try TemporaryDirectory()
        try root.write("db/my queries/é.sql", contents)
        try root.write("db/schema.sql", "CREATE TABLE users (id bigint PRIMARY KEY, email text, name text);\n")
        try git(["init", "-q"], in: root.url)
        let result = try Sargable.run(["lint", "--format", "sarif", "--schema", "schema.sql", "my queries"],
                                      directory: root.url.appendingPathComponent("db"))
        #expect(result.status == 1)
        let log = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        return (log, root)
    }

    private func results(_ log: [String: Any]) -> [[String: Any]] {
        ((log["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]]) ?? []
    }

    @Test func theTranscribedSchemaRejectsWhatTheSchemaRejects() {
        #expect(violations(["version": "2.1.0", "runs": []], .object("log")) == [])
        #expect(violations(["version": "2.1.0", "runs": [], "extra": 1], .object("log")) == ["$.extra: not a property of log"])
        #expect(violations(["runs": [["tool": ["driver": [:]], "results": [["message": [:]]]]]], .object("log")).sorted() == [
            "$.runs[0].results[0].message: message requires one of [\"text\", \"id\"]",
            "$.runs[0].tool.driver: toolComponent requires name", "$: log requires version",
        ])
        #expect(violations(["startLine": 0], .object("region")) == ["$.startLine: 0 is below the minimum 1"])
    }

    @Test func conformsToTheSARIFSchema() throws {
        let (log, _) = try sarif()
        #expect(violations(log, .object("log")) == [])
        #expect(log["version"] as? String == "2.1.0")
    }

    /// The whole schema (formats aside), by a real validator: Draft 4, as the schema declares.
    @Test(.enabled(if: jsonSchemaValidatorAvailable, "needs python3 with jsonschema (Debian: python3-jsonschema)"))
    func validatesAgainstThePublishedSchema() throws {
        let (log, root) = try sarif()
        let output = root.url.appendingPathComponent("lint.sarif")
        try JSONSerialization.data(withJSONObject: log).write(to: output)
        let script = """
            import json, sys, jsonschema
            schema, log = (json.load(open(path)) for path in sys.argv[1:3])
            errors = [f"{list(e.absolute_path)}: {e.message}" for e in jsonschema.Draft4Validator(schema).iter_errors(log)]
            print("\\n".join(errors)); sys.exit(1 if errors else 0)
            """
        let validator = Subprocess("python3", ["-c", script, schemaPath, output.path], errors: .inherit)
        let validation = try validator.run()
        #expect(validation.status == 0, "\(validation.outputText)")
        // The validator does reject what breaks the schema (a result without a message).
        var broken = log
        var runs = try #require(broken["runs"] as? [[String: Any]])
        var results = try #require(runs[0]["results"] as? [[String: Any]])
        results[0]["message"] = nil
        runs[0]["results"] = results
        broken["runs"] = runs
        try JSONSerialization.data(withJSONObject: broken).write(to: output)
        var again = validator
        again.output = .discard
        #expect(try again.run().status == 1)
    }

    /// GitHub's documented requirements ("SARIF support for code scanning"): a rule id, message text
    /// and at least one location with a URI and a start line per result; rules with a short and full
    /// description, help and helpUri; relative URIs resolved through originalUriBaseIds;
    /// partialFingerprints so alerts are tracked across changes.
    @Test func meetsGitHubsRequirements() throws {
        let (log, root) = try sarif()
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        let rules = try #require(driver["rules"] as? [[String: Any]])
        for rule in rules {
            #expect((rule["shortDescription"] as? [String: Any])?["text"] is String)
            #expect((rule["fullDescription"] as? [String: Any])?["text"] is String)
            #expect((rule["help"] as? [String: Any])?["text"] is String)
            #expect((rule["helpUri"] as? String)?.hasPrefix("https://") == true)
        }
        let baseIds = try #require(run["originalUriBaseIds"] as? [String: [String: String]])
        let rootURI = try #require(baseIds["%SRCROOT%"]?["uri"])
        #expect(URL(string: rootURI)?.path == root.url.resolvingSymlinksInPath().path)
        #expect(rootURI.hasSuffix("/"))

        let results = results(log)
        #expect(Set(results.compactMap { $0["ruleId"] as? String }).isSuperset(of: ["select-star", "syntax-error"]))
        for result in results {
            let ruleId = try #require(result["ruleId"] as? String)
            #expect((result["message"] as? [String: Any])?["text"] is String)
            let index = try #require(result["ruleIndex"] as? Int)
            #expect(rules[index]["id"] as? String == ruleId)
            let location = try #require((result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
            let artifact = try #require(location["artifactLocation"] as? [String: String])
            // Relative to the repository root, not to db/ where it ran; space and é percent-encoded.
            #expect(artifact == ["uri": "db/my%20queries/%C3%A9.sql", "uriBaseId": "%SRCROOT%"])
            #expect((location["region"] as? [String: Int])?["startLine"] != nil)
            #expect((result["partialFingerprints"] as? [String: String])?.isEmpty == false)
        }
    }

    @Test func aReplacementIsAFix() throws {
        let (log, _) = try sarif()
        let selectStar = try #require(results(log).first { $0["ruleId"] as? String == "select-star" })
        let change = try #require(((selectStar["fixes"] as? [[String: Any]])?.first?["artifactChanges"] as? [[String: Any]])?.first)
        let replacement = try #require((change["replacements"] as? [[String: Any]])?.first)
        #expect((replacement["insertedContent"] as? [String: String])?["text"] == "id, email, name")
        #expect(replacement["deletedRegion"] as? [String: Int] == ["startLine": 1, "startColumn": 8, "endLine": 1, "endColumn": 9])
    }

    @Test func fingerprintsSurviveTheCodeMoving() throws {
        func fingerprints(_ log: [String: Any]) -> [String: String] {
            Dictionary(results(log).map { ($0["ruleId"] as? String ?? "", ($0["partialFingerprints"] as? [String: String])?.values.first ?? "") },
                       uniquingKeysWith: { first, _ in first })
        }
        let before = try sarif().log
        let after = try sarif("-- a comment\n\n" + Self.queries).log
        #expect(fingerprints(before) == fingerprints(after))
        #expect(Set(fingerprints(before).values).count == fingerprints(before).count)
        let lines = { (log: [String: Any]) in
            results(log).compactMap { ((($0["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])?["region"] as? [String: Int])?["startLine"] }
        }
        #expect(lines(before) != lines(after))
    }

    /// Standard input has no location code scanning can show, unless `--stdin-filepath` names one.
    @Test func standardInputNeedsAPathToBeAResult() throws {
        let root = try TemporaryDirectory()
        try git(["init", "-q"], in: root.url)
        func run(_ extra: [String]) throws -> (results: [[String: Any]], notifications: [[String: Any]]) {
            let result = try Sargable.run(["lint", "--format", "sarif"] + extra + ["-"], stdin: "DELETE FROM orders;\n", directory: root.url)
            let log = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            #expect(violations(log, .object("log")) == [])
            let run = (log["runs"] as? [[String: Any]])?.first ?? [:]
            let invocation = (run["invocations"] as? [[String: Any]])?.first ?? [:]
            return (results(log), invocation["toolExecutionNotifications"] as? [[String: Any]] ?? [])
        }
        let anonymous = try run([])
        #expect(anonymous.results.isEmpty)
        #expect(anonymous.notifications.contains { (($0["message"] as? [String: Any])?["text"] as? String)?.hasPrefix("unfiltered-write: ") == true })
        let named = try run(["--stdin-filepath", "db/cleanup.sql"])
        let location = (named.results.first?["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any]
        #expect(location?["artifactLocation"] as? [String: String] == ["uri": "db/cleanup.sql", "uriBaseId": "%SRCROOT%"])
    }
}
