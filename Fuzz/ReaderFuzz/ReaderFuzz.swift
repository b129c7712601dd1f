import SargableCore
import SargableLint
import SargableLogs
import SargableRules
import SargableSyntax
#if canImport(Glibc)
import Glibc
#endif

/// One fuzz input through one of sargable's readers. The first byte chooses the reader, the rest
/// is the input, so one corpus covers them all and libFuzzer's mutations can move a sample from
/// one reader to another. A reader may reject its input however it likes; it must not trap, crash
/// or hang.
enum ReaderFuzz {
    enum Reader: CaseIterable {
        case sql
        case log(LogFormat?)
        case yamlConfiguration, tomlConfiguration

        static let allCases: [Reader] = [.sql, .log(nil)] + LogFormat.allCases.map { .log($0) }
            + [.yamlConfiguration, .tomlConfiguration]
    }

    static func run(_ input: [UInt8]) {
        guard let selector = input.first else { return }
        let body = Array(input.dropFirst())
        switch Reader.allCases[Int(selector) % Reader.allCases.count] {
        case .sql: lintAndFingerprint(body)
        case .log(let format): analyze(body, format: format)
        case .yamlConfiguration: _ = try? Configuration.parse(decoded(body), path: "fuzz.yml", rules: RuleRegistry.configurableRules)
        case .tomlConfiguration: _ = try? Configuration.parse(decoded(body), path: "fuzz.toml", rules: RuleRegistry.configurableRules)
        }
    }

    /// What `sargable lint` and `sargable fingerprint` do with one file.
    private static func lintAndFingerprint(_ bytes: [UInt8]) {
        let file = SourceFile(path: "fuzz.sql", contents: bytes)
        _ = Linter(rules: RuleRegistry.sqlRules).lint(files: [file])
        LargeStack.run {
            for statement in SQLDocument(file: file, parsing: false).statements {
                _ = try? PsqlVariables.tolerating(statement.text) { (text) throws(SyntaxError) in
                    (try PgQuery.fingerprint(text), try PgQuery.normalize(text))
                }
            }
        }
    }

    /// What `sargable analyze` does with one input, read from a file as the command reads it.
    private static func analyze(_ bytes: [UInt8], format: LogFormat?) {
        guard let path = InputFile.shared.replace(with: bytes) else { return }
        _ = LogAnalysis.run(paths: [path], settings: LogAnalysis.Settings(format: format))
    }

    private static func decoded(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}

/// A file the log readers open by path, rewritten for each input. It is unlinked at once and
/// reached through /proc/self/fd, so a crash leaves nothing behind.
private final class InputFile: Sendable {
    // libFuzzer calls the target from one thread, so one file serves every input.
    static let shared = InputFile()
    private let descriptor: Int32

    private init() {
        var template = Array("/tmp/sargable-fuzz-XXXXXX".utf8CString)
        descriptor = mkstemp(&template)
        if descriptor >= 0 { unlink(template) }
    }

    func replace(with bytes: [UInt8]) -> String? {
        guard descriptor >= 0, ftruncate(descriptor, 0) == 0 else { return nil }
        let written = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        return written == bytes.count ? "/proc/self/fd/\(descriptor)" : nil
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    ReaderFuzz.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

#if SARGABLE_LIBFUZZER
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ body: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// SwiftPM links an executable's entry point under this name; libFuzzer's driver takes over from here.
@_cdecl("sargable_fuzz_main")
func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments, fuzzOneInput)
}
#else
/// Without libFuzzer (the ordinary build), the same target replays inputs: each file named, or
/// every file in each directory named, once — how a crash the fuzzer saved is reproduced.
@main
struct ReplayInputs {
    static func main() {
        let (paths, errors) = InputFiles.expand(Array(CommandLine.arguments.dropFirst()), extensions: [""])
        for error in errors { print("sargable-fuzz: \(error)") }
        var replayed = 0
        for path in paths {
            guard let bytes = try? InputFiles.read(path) else { continue }
            ReaderFuzz.run(bytes)
            replayed += 1
        }
        print("sargable-fuzz: replayed \(replayed) inputs")
        exit(errors.isEmpty ? 0 : 2)
    }
}
#endif
