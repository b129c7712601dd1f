/// How migration files are named, which decides the order the schema replay runs them in and which
/// files undo another (`migrations: {layout: …}` in the configuration).
public enum MigrationLayout: String, Sendable, CaseIterable {
    /// Each file by the first layout its path matches; other files by path.
    case auto
    /// Every file in path order, each one applied: the layout of a plain directory of scripts.
    case path
    /// `000016_name.up.sql` / `.down.sql` (golang-migrate, dbmate) and `<version>/up.sql` /
    /// `down.sql` (diesel, refinery).
    case upDown = "up-down"
    /// Flyway: `V1_2__name.sql` versioned, `U1_2__name.sql` undo, `R__name.sql` repeatable (last).
    case flyway
    /// sqitch: `deploy/<change>.sql`, `revert/<change>.sql`, `verify/<change>.sql` (changes in name
    /// order: the plan file is not read).
    case sqitch

    public static let requirement = "migrations.layout must be one of "
        + allCases.map(\.rawValue).joined(separator: ", ")
}

/// Where one file sits in the migration history: the up chain is replayed in version order, and a
/// down (undo, revert, verify) file is linted against the schema its up file produced without
/// changing the chain.
public struct MigrationStep: Sendable, Comparable {
    public enum Direction: Int, Sendable { case up = 0, down = 1 }

    /// The directory of the history: files of different histories keep path order between them.
    let history: String
    /// Flyway's repeatable migrations run after every versioned one.
    let isRepeatable: Bool
    /// Numeric parts of the version, without leading zeros: `2020-01-02` → `["2020", "1", "2"]`.
    let version: [String]
    /// The migration's name without direction (`000016_create_reactions`), which pairs up and down.
    let name: String
    public let direction: Direction
    let path: String

    public init(path: String, layout: MigrationLayout) {
        self.path = path
        // The last two `/` cut the path into grandparent, parent and file, found by searching the
        // UTF-8 bytes: splitting and joining by Character cost more than linting a small file.
        let utf8 = path.utf8
        let lastSlash = utf8.lastIndex(of: UInt8(ascii: "/"))
        let parentSlash = lastSlash.flatMap { utf8[..<$0].lastIndex(of: UInt8(ascii: "/")) }
        let file = lastSlash.map { String(path[path.index(after: $0)...]) } ?? path
        let directory = lastSlash.map { String(path[..<$0]) } ?? ""
        let parent = lastSlash.map { last in String(path[(parentSlash.map { path.index(after: $0) } ?? path.startIndex) ..< last]) } ?? ""
        let grandparent = parentSlash.map { String(path[..<$0]) } ?? ""
        let stem = file.hasSuffix(".sql") ? String(file.dropLast(4)) : file
        var history = directory, name = stem, direction = Direction.up, isRepeatable = false
        var version = Self.numericParts(leading: stem)
        var matched = false

        if layout == .auto || layout == .upDown {
            for (suffix, way) in [(".up", Direction.up), (".down", Direction.down)] where stem.hasSuffix(suffix) && stem.count > suffix.count {
                name = String(stem.dropLast(suffix.count))
                version = Self.numericParts(leading: name)
                direction = way
                matched = true
            }
            if !matched, stem == "up" || stem == "down", !parent.isEmpty {
                history = grandparent
                name = parent
                version = Self.numericParts(leading: parent)
                direction = stem == "up" ? .up : .down
                matched = true
            }
        }
        if !matched, layout == .auto || layout == .flyway, let prefix = stem.first, "VUR".contains(prefix),
           let separator = Self.doubleUnderscore(in: stem) {
            let versionText = stem[stem.index(after: stem.startIndex) ..< separator]
            if prefix == "R", versionText.isEmpty {
                isRepeatable = true
                version = []
                name = String(stem[stem.index(separator, offsetBy: 2)...])
                matched = true
            } else if prefix != "R", let first = versionText.first, first.isNumber {
                version = Self.numericParts(leading: String(versionText))
                name = String(versionText)
                direction = prefix == "V" ? .up : .down
                matched = true
            }
        }
        if !matched, layout == .auto || layout == .sqitch, ["deploy", "revert", "verify"].contains(parent) {
            history = grandparent
            version = []
            direction = parent == "deploy" ? .up : .down
            matched = true
        }
        if layout == .path {
            history = ""
            version = []
            name = path
        }
        self.history = history
        self.name = name
        self.version = version
        self.direction = direction
        self.isRepeatable = isRepeatable
    }

    /// Where the first `__` (Flyway's separator between version and description) starts.
    private static func doubleUnderscore(in name: String) -> String.Index? {
        var previous: String.Index?
        for index in name.indices {
            if name[index] == "_", let previous, name[previous] == "_" { return previous }
            previous = index
        }
        return nil
    }

    /// The runs of digits a name starts with, separated by `-`, `_` or `.` (`2020-01-02-1200_x`).
    static func numericParts(leading name: String) -> [String] {
        // By bytes while they are ASCII: an ASCII byte followed by another is a Character of its own
        // (CR LF, the one pair that is not, stops the run either way). A run that reaches a
        // non-ASCII byte is read again by Character, which a combining mark may join to the byte
        // before it. Iterating Characters costs more than the rest of a small file's lint.
        var sawNonASCII = false
        let parts = numericParts(of: name.utf8) { byte in
            if byte < 0x80 { return byte }
            sawNonASCII = true
            return nil
        }
        return sawNonASCII ? numericParts(of: name) { $0.asciiValue } : parts
    }

    /// `numericParts(leading:)` over the units of a name, each given as its ASCII byte (nil: not ASCII).
    private static func numericParts<Units: Sequence>(of units: Units, ascii: (Units.Element) -> UInt8?) -> [String] {
        var parts: [String] = []
        var current: [UInt8] = []
        for unit in units {
            guard let byte = ascii(unit) else { break }
            if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                current.append(byte)
            } else if byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "."), !current.isEmpty {
                parts.append(withoutLeadingZeros(current))
                current = []
            } else {
                break
            }
        }
        if !current.isEmpty { parts.append(withoutLeadingZeros(current)) }
        return parts
    }

    private static func withoutLeadingZeros(_ digits: [UInt8]) -> String {
        let trimmed = digits.drop { $0 == UInt8(ascii: "0") }
        return trimmed.isEmpty ? "0" : String(decoding: trimmed, as: UTF8.self)
    }

    /// Compares numeric strings without converting them (a timestamp may not fit an Int).
    private static func versionLess(_ lhs: [String], _ rhs: [String]) -> Bool {
        for (left, right) in zip(lhs, rhs) where left != right {
            return left.count != right.count ? left.count < right.count : left < right
        }
        return lhs.count < rhs.count
    }

    public static func < (lhs: MigrationStep, rhs: MigrationStep) -> Bool {
        if lhs.history != rhs.history { return lhs.history < rhs.history }
        if lhs.isRepeatable != rhs.isRepeatable { return !lhs.isRepeatable }
        // Versioned files by version; a file without one keeps its place by name.
        if !lhs.version.isEmpty, !rhs.version.isEmpty, lhs.version != rhs.version {
            return versionLess(lhs.version, rhs.version)
        }
        if lhs.name != rhs.name { return lhs.name < rhs.name }
        if lhs.direction != rhs.direction { return lhs.direction.rawValue < rhs.direction.rawValue }
        return lhs.path < rhs.path
    }

    public static func == (lhs: MigrationStep, rhs: MigrationStep) -> Bool { lhs.path == rhs.path }
}
