#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure to read input, worded for one line on stderr: `cannot read 'x.sql': No such file or directory`.
public struct InputError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "cannot read '\(path)': \(reason)" }
}

/// Reads the inputs named on a command line: files, directories (recursively, by extension, sorted)
/// and `-` for standard input.
public enum InputFiles {
    public static let standardInputName = "<stdin>"

    /// Expands `paths` into files. Directories yield their files whose names end in one of
    /// `extensions`, sorted by path; unreadable paths become errors and the rest still expand.
    public static func expand(_ paths: [String], extensions: [String]) -> (files: [String], errors: [InputError]) {
        var files: [String] = []
        var errors: [InputError] = []
        for path in paths {
            if path == "-" {
                files.append("-")
                continue
            }
            var info = stat()
            guard stat(path, &info) == 0 else {
                errors.append(InputError(path: path, reason: String(cString: strerror(errno))))
                continue
            }
            if info.st_mode & S_IFMT == S_IFDIR {
                var found: [String] = []
                walk(directory: path, extensions: extensions, into: &found, errors: &errors)
                files.append(contentsOf: found.sorted())
            } else {
                files.append(path)
            }
        }
        return (files, errors)
    }

    private static func walk(directory: String, extensions: [String], into found: inout [String],
                             errors: inout [InputError]) {
        guard let handle = opendir(directory) else {
            errors.append(InputError(path: directory, reason: String(cString: strerror(errno))))
            return
        }
        defer { closedir(handle) }
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." || name.hasPrefix(".") { continue }
            let path = base + name
            var info = stat()
            guard stat(path, &info) == 0 else { continue }
            if info.st_mode & S_IFMT == S_IFDIR {
                walk(directory: path, extensions: extensions, into: &found, errors: &errors)
            } else if extensions.contains(where: { name.hasSuffix($0) }) {
                found.append(path)
            }
        }
    }

    /// The whole contents of a file, or of standard input for `-`.
    public static func read(_ path: String) throws(InputError) -> [UInt8] {
        let descriptor = path == "-" ? STDIN_FILENO : open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw InputError(path: path, reason: String(cString: strerror(errno)))
        }
        defer { if path != "-" { close(descriptor) } }
        var contents: [UInt8] = []
        var info = stat()
        if fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFDIR {
            throw InputError(path: path, reason: "Is a directory")
        }
        contents.reserveCapacity(max(Int(info.st_size), 0) + 1)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw InputError(path: path == "-" ? standardInputName : path, reason: String(cString: strerror(errno)))
            }
            contents.append(contentsOf: buffer[0 ..< count])
        }
        return contents
    }

    /// How a path is shown in output: as given, `<stdin>` for `-`.
    public static func displayName(_ path: String) -> String {
        path == "-" ? standardInputName : path
    }
}
