import Foundation
import SargablePostgres
import SargableSyntax

/// What every test database starts with: migration and seed files (a directory stands for its
/// `*.sql` files in name order) and inline SQL, run in the order given.
public struct DatabaseSetup: Sendable, Hashable {
    public enum Step: Sendable, Hashable {
        case file(String)
        case sql(String)
    }

    public var steps: [Step]

    public init(_ steps: [Step] = []) { self.steps = steps }

    /// `migrations` then `seed` (files or directories) then `sql`; relative paths are resolved
    /// against `directory` (the test file's directory, for the trait).
    public init(migrations: [String] = [], seed: [String] = [], sql: [String] = [], relativeTo directory: String? = nil) {
        func resolved(_ path: String) -> String {
            guard let directory, !path.hasPrefix("/") else { return path }
            return URL(fileURLWithPath: directory).appendingPathComponent(path).standardizedFileURL.path
        }
        steps = (migrations + seed).map { .file(resolved($0)) } + sql.map { .sql($0) }
    }

    /// One runnable piece: a file's text, or inline SQL.
    struct Script {
        var name: String
        var text: String

        /// One statement at a time: `CREATE INDEX CONCURRENTLY` cannot share a transaction.
        func run(on connection: Connection) throws {
            let document = SQLDocument(path: name, text: text)
            for statement in document.statements {
                do {
                    try connection.execute(statement.text)
                } catch {
                    throw SetupError("\(name): statement \(statement.ordinal + 1) failed: \(error)")
                }
            }
        }
    }

    /// The scripts in order, directories expanded.
    func scripts() throws -> [Script] {
        var scripts: [Script] = []
        for step in steps {
            switch step {
            case .sql(let text): scripts.append(Script(name: "inline SQL", text: text))
            case .file(let path):
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                    throw SetupError("\(path): no such file or directory")
                }
                let files = isDirectory.boolValue
                    ? try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".sql") }.sorted().map { path + "/" + $0 }
                    : [path]
                for file in files {
                    guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                        throw SetupError("\(file): cannot be read as UTF-8 text")
                    }
                    scripts.append(Script(name: file, text: text))
                }
            }
        }
        return scripts
    }

    /// A hash of the scripts' names and texts: the template's name, so that changing a migration
    /// makes a new template and an unchanged one is reused.
    func contentKey() throws -> String {
        // FNV-1a: stable across processes and runs, unlike `Hasher`.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func add(_ text: String) {
            for byte in text.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
            hash ^= 0xff
            hash = hash &* 0x0000_0100_0000_01b3
        }
        for script in try scripts() {
            add((script.name as NSString).lastPathComponent)
            add(script.text)
        }
        return String(hash, radix: 16)
    }
}

/// A setup file that is missing, unreadable or fails to load.
public struct SetupError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
