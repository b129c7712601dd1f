import Foundation
import SargableCore
#if canImport(Glibc)
import Glibc
#endif

/// Where `lint` takes its paths from when they are not on the command line: the SQL files a git
/// change touched (`--changed`), or a list of paths (`--files-from`). Both may be empty, which is
/// a clean run with a note, not a usage error: "nothing changed" is a normal state in CI.
enum LintInputs {
    /// The default of a bare `--changed`: the uncommitted changes.
    static let defaultChangedBase = "HEAD"

    /// `lint --changed` with no `=BASE`: an ArgumentParser option always takes a value, so the bare
    /// spelling gets its default here, before parsing (`--changed BASE` would take a path as the base).
    static func givingBareChangedItsDefault(_ arguments: [String]) -> [String] {
        guard arguments.first == "lint" else { return arguments }
        let end = arguments.firstIndex(of: "--") ?? arguments.endIndex
        return arguments[..<end].map { $0 == "--changed" ? "--changed=\(defaultChangedBase)" : $0 } + arguments[end...]
    }

    /// The `.sql` files under `pathspecs` (the working directory when none) that differ from the
    /// merge base of `base` and HEAD, in the working tree or the index, plus untracked ones not
    /// ignored. Deleted files are left out: there is nothing to lint.
    static func changedSQLFiles(since base: String, under pathspecs: [String]) throws -> [String] {
        let scope = ["--"] + (pathspecs.isEmpty ? ["."] : pathspecs)
        // Before the first commit HEAD names nothing: against it, every staged file is a change.
        let unborn = base == defaultChangedBase && (try? git(["rev-parse", "--verify", "-q", "HEAD"])) == nil
            && (try? git(["rev-parse", "--git-dir"])) != nil
        let changed = unborn ? try git(["ls-files", "-z", "--cached"] + scope)
            : try git(["diff", "--name-only", "-z", "--diff-filter=d", "--relative", "--merge-base", base] + scope)
        let untracked = try git(["ls-files", "-z", "--others", "--exclude-standard"] + scope)
        let files = (changed + untracked).split(separator: "\0").map(String.init)
        // A staged file deleted since is not there to lint.
        return Array(Set(files)).filter { $0.hasSuffix(".sql") && access($0, F_OK) == 0 }.sorted()
    }

    /// The working directory, resolved (getcwd gives no symlinks).
    static func currentDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The root of the git work tree around the working directory, if there is one: SARIF URIs
    /// are relative to it, as code scanning reads them.
    static func repositoryRoot() -> String? {
        guard let output = try? git(["rev-parse", "--show-toplevel"]) else { return nil }
        let root = output.trimmingCharacters(in: .newlines)
        return root.isEmpty ? nil : root
    }

    /// The paths in a list, one a line (`git diff --name-only` output); blank lines are ignored and
    /// files that no longer exist (deleted in the change being linted) are skipped with a note.
    static func listedFiles(in list: String) throws -> [String] {
        let bytes: [UInt8]
        do { bytes = try InputFiles.read(list) } catch { throw CommandFailure(error.description) }
        var paths: [String] = []
        for line in String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let path = String(line)
            guard !path.allSatisfy(\.isWhitespace) else { continue }
            guard access(path, F_OK) == 0 else {
                Terminal.note("skipped \(path) from \(InputFiles.displayName(list)): it does not exist (deleted?)")
                continue
            }
            paths.append(path)
        }
        return paths
    }

    /// The canonical path of each file, to recognise one file named two ways (`./a.sql`, `a.sql`).
    static func canonicalPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Runs git and returns its output; a failure ends the command with git's message.
    private static func git(_ arguments: [String]) throws -> String {
        let result: Git.Output
        do { result = try Git.run(arguments) } catch { throw CommandFailure("--changed needs git: \(error.localizedDescription)") }
        guard result.status == 0 else { throw CommandFailure("--changed: git \(arguments[0]) failed: \(result.reason)") }
        return result.text
    }
}
