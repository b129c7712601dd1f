import Foundation
import SargableCore

/// Running git, for what only git knows: which files a change touched, where the work tree's root
/// is, which files .gitignore ignores.
enum Git {
    struct Output {
        let status: Int32
        let text: String
        let errors: String

        /// The first line git wrote to stderr, for one-line error messages.
        var reason: String { errors.split(whereSeparator: \.isNewline).first.map(String.init) ?? "exit \(status)" }
    }

    /// Runs `git arguments` (in `directory`), feeding it `input`; throws only when git cannot be started.
    static func run(_ arguments: [String], in directory: String? = nil, input: [UInt8] = []) throws -> Output {
        let git = Subprocess("git", (directory.map { ["-C", $0] } ?? []) + ["-c", "core.quotePath=off"] + arguments,
                             input: .bytes(input))
        let result = try git.run()
        return Output(status: result.status, text: result.outputText, errors: result.errorText)
    }

    /// False when no git work tree can hold `directory`: no `.git` in it or any parent, and no
    /// `GIT_DIR`, which is where git itself looks. Answered without starting git, which costs a
    /// directory lint outside a repository (a CI checkout's build output, a shared corpus) more
    /// wall time than linting hundreds of files.
    static func mayBeInWorkTree(_ directory: String) -> Bool {
        if getenv("GIT_DIR") != nil { return true }
        var path = LintInputs.canonicalPath(directory)
        while true {
            if access(path + "/.git", F_OK) == 0 { return true }
            guard let slash = path.lastIndex(of: "/"), path != "/" else { return false }
            path = slash == path.startIndex ? "/" : String(path[..<slash])
        }
    }

    /// The files among `files`, all found by walking `directory`, that .gitignore (or
    /// .git/info/exclude, or the global excludes file) ignores; none outside a work tree, and none
    /// when `directory` is itself ignored: whoever names an ignored directory wants it read.
    static func ignored(_ files: [String], walkedFrom directory: String) -> Set<String> {
        guard !files.isEmpty, mayBeInWorkTree(directory) else { return [] }
        if let itself = try? run(["check-ignore", "-q", LintInputs.canonicalPath(directory) + "/"], in: directory),
           itself.status != 1 {
            return []
        }
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        let relative = files.map { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 }
        let input: [UInt8] = relative.flatMap { Array($0.utf8) + [UInt8(0)] }
        // 0: some are ignored, 1: none, 128: not a work tree (nothing to respect).
        guard let result = try? run(["check-ignore", "-z", "--stdin"], in: directory, input: input), result.status == 0 else {
            return []
        }
        return Set(result.text.split(separator: "\0").map { prefix + $0 })
    }
}
