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

/// A path a directory walk passed over on purpose, worded for a note: `skipping 'a/loop': …`.
public struct SkippedInput: Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String

    public var description: String { "skipping '\(path)': \(reason)" }
}

/// Reads the inputs named on a command line: files, directories (recursively, by extension, sorted)
/// and `-` for standard input.
public enum InputFiles {
    public static let standardInputName = "<stdin>"

    /// The most one input may hold: everything read is kept in memory, so `/dev/zero` or an endless
    /// pipe must end in an error rather than exhaust it.
    public static let maximumInputBytes = 1 << 30

    /// The longest line a streaming reader holds (log readers): a jsonlog line or a one-line JSON
    /// pg_stat_statements export can be large, but a file with no line breaks at all must not fill memory.
    public static let maximumLineBytes = 256 << 20

    /// The error for a line longer than `maximumLineBytes`, naming the line.
    public static func lineTooLong(_ path: String, line: Int) -> InputError {
        InputError(path: path, reason: "line \(line) is longer than \(byteCount(maximumLineBytes))")
    }

    /// Expands `paths` into files. Directories yield their files whose names end in one of
    /// `extensions`, sorted by path; unreadable paths become errors and the rest still expand.
    /// A walk enters each directory once (symlink loops end) and yields each file once, and passes
    /// over non-regular files (FIFOs, devices, sockets), telling `skipped` why. Paths named
    /// explicitly are kept whatever their type, so `/dev/stdin` and `<(command)` work.
    public static func expand(_ paths: [String], extensions: [String],
                              skipped: ((SkippedInput) -> Void)? = nil) -> (files: [String], errors: [InputError]) {
        var walk = DirectoryWalk(extensions: extensions, skipped: skipped ?? { _ in })
        for path in paths {
            if path == "-" {
                walk.files.append("-")
                continue
            }
            var info = stat()
            guard stat(path, &info) == 0 else {
                walk.errors.append(InputError(path: path, reason: String(cString: strerror(errno))))
                continue
            }
            if info.st_mode & S_IFMT == S_IFDIR {
                var found: [(path: String, identity: FileIdentity)] = []
                walk.enter(directory: path, identity: FileIdentity(info), into: &found)
                for file in found.sorted(by: { $0.path < $1.path }) where walk.seenFiles.insert(file.identity).inserted {
                    walk.files.append(file.path)
                }
            } else if info.st_mode & S_IFMT != S_IFREG || walk.seenFiles.insert(FileIdentity(info)).inserted {
                walk.files.append(path)
            }
        }
        return (walk.files, walk.errors)
    }

    /// The whole contents of a file, or of standard input for `-`; more than `limit` bytes is an
    /// error, found before the excess is held in memory.
    public static func read(_ path: String, limit: Int = maximumInputBytes) throws(InputError) -> [UInt8] {
        let name = displayName(path)
        let descriptor = path == "-" ? STDIN_FILENO : open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw InputError(path: name, reason: String(cString: strerror(errno)))
        }
        defer { if path != "-" { close(descriptor) } }
        let tooLarge = InputError(path: name, reason: "input larger than \(byteCount(limit))")
        var info = stat()
        let known = fstat(descriptor, &info) == 0
        if known, info.st_mode & S_IFMT == S_IFDIR {
            throw InputError(path: name, reason: "Is a directory")
        }
        let isRegular = known && info.st_mode & S_IFMT == S_IFREG
        if isRegular, Int(info.st_size) > limit { throw tooLarge }
        var contents: [UInt8] = []
        if isRegular { contents.reserveCapacity(Int(info.st_size) + 1) }
        // Sized to the file when it is regular: a zeroed 1 MiB buffer per file cost more than
        // reading a small migration (a directory of hundreds of them).
        let bufferBytes = isRegular ? max(4096, min(Int(info.st_size) + 1, 1 << 20)) : 1 << 20
        var buffer = [UInt8](repeating: 0, count: bufferBytes)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw InputError(path: name, reason: String(cString: strerror(errno)))
            }
            // A file may grow while it is read, so the size checked above is not enough.
            guard contents.count + count <= limit else { throw tooLarge }
            contents.append(contentsOf: buffer[0 ..< count])
        }
        return contents
    }

    /// How a path is shown in output: as given, `<stdin>` for `-`.
    public static func displayName(_ path: String) -> String {
        path == "-" ? standardInputName : path
    }

    /// `1 GiB`, `64 MiB`, `512 bytes`: a limit as a reader would write it.
    public static func byteCount(_ bytes: Int) -> String {
        for (shift, unit) in [(30, "GiB"), (20, "MiB"), (10, "KiB")] where bytes >= 1 << shift && bytes % (1 << shift) == 0 {
            return "\(bytes >> shift) \(unit)"
        }
        return bytes == 1 ? "1 byte" : "\(bytes) bytes"
    }
}

/// What makes two paths the same file: symlinks and bind mounts give one file many names.
struct FileIdentity: Hashable {
    let device: UInt64
    let inode: UInt64

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}

/// The state of one expansion: directories already entered and files already yielded, across
/// every path named, so neither a symlink loop nor two names for one file repeat work.
private struct DirectoryWalk {
    let extensions: [String]
    let skipped: (SkippedInput) -> Void
    var files: [String] = []
    var errors: [InputError] = []
    var seenFiles: Set<FileIdentity> = []
    private var enteredDirectories: Set<FileIdentity> = []
    /// The directories between the walk's root and the current one: meeting one again is a loop.
    private var ancestors: Set<FileIdentity> = []

    init(extensions: [String], skipped: @escaping (SkippedInput) -> Void) {
        self.extensions = extensions
        self.skipped = skipped
    }

    mutating func enter(directory: String, identity: FileIdentity, into found: inout [(path: String, identity: FileIdentity)]) {
        guard enteredDirectories.insert(identity).inserted else {
            let loop = ancestors.contains(identity) ? " (symlink loop)" : ""
            skipped(SkippedInput(path: directory, reason: "directory already visited\(loop)"))
            return
        }
        guard let handle = opendir(directory) else {
            errors.append(InputError(path: directory, reason: String(cString: strerror(errno))))
            return
        }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if !name.hasPrefix(".") { names.append(name) }
        }
        closedir(handle)
        ancestors.insert(identity)
        defer { ancestors.remove(identity) }
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        // Sorted so which of two paths to one directory is entered, and which is skipped, never varies.
        for name in names.sorted() {
            let path = base + name
            var info = stat()
            guard stat(path, &info) == 0 else { continue }
            let type = info.st_mode & S_IFMT
            if type == S_IFDIR {
                enter(directory: path, identity: FileIdentity(info), into: &found)
            } else if extensions.contains(where: { name.hasSuffix($0) }) {
                if type == S_IFREG {
                    found.append((path, FileIdentity(info)))
                } else {
                    skipped(SkippedInput(path: path, reason: "not a regular file (\(Self.describe(type)))"))
                }
            }
        }
    }

    private static func describe(_ type: mode_t) -> String {
        switch type {
        case S_IFIFO: "a FIFO"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        default: "not a file or directory"
        }
    }
}
