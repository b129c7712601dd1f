import CPgQuery
import CPgQueryScanner
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One statement's parse tree as a flat tape: walked from libpg_query's raw tree (CPgQueryScanner's
/// tree.c), or read from its JSON.
///
/// Either way the tape is built in one pass with no per-value allocation (`JSONSerialization` ran ~10×
/// slower than the C parse); strings and numbers stay as byte ranges of the tree's text and are
/// decoded only when a rule asks for them. Node wrappers (`{"SelectStmt": {...}}`) are one entry
/// that carries its `NodeKind`.
public final class ParseTree: @unchecked Sendable {
    // Immutable after init, hence safe to share across threads. Raw buffers owned by the tree (freed in
    // deinit) rather than arrays: rules read them millions of times, and an array read retains its storage.
    /// libpg_query's result or the walk's, whose text the tape points into; freed in deinit.
    private let result: Owner

    /// The two kinds of libpg_query result a tree reads: a parse tree, or PL/pgSQL functions.
    enum Owner {
        case parse(PgQueryParseResult)
        case plpgsql(PgQueryPlpgsqlParseResult)
        /// CPgQueryScanner's walk of the raw tree, whose text holds no JSON.
        case walked(SargableParseTree)
    }
    @usableFromInline let json: UnsafeBufferPointer<UInt8>
    @usableFromInline let tape: UnsafeMutableBufferPointer<TapeEntry>
    /// The statement text this tree was parsed from.
    public let source: String
    /// Byte offset of `source` in the file it came from; node locations are relative to `source`.
    public let sourceOffset: Int
    /// Deepest nesting of the JSON tree; recursive walkers can refuse pathological input with it.
    public let depth: Int

    /// Takes over a successful `pg_query_parse` result (the caller must not free it once this returns).
    convenience init(result: PgQueryParseResult, source: String, sourceOffset: Int) throws(SyntaxError) {
        try self.init(json: result.parse_tree!, owner: .parse(result), source: source, sourceOffset: sourceOffset)
    }

    /// Takes over `owner`, whose JSON text is `jsonText` (the caller must not free it once this returns).
    init(json jsonText: UnsafePointer<CChar>, owner result: Owner, source: String, sourceOffset: Int) throws(SyntaxError) {
        let text = UnsafeRawPointer(jsonText)
        let json = UnsafeBufferPointer(start: text.assumingMemoryBound(to: UInt8.self), count: strlen(jsonText))
        var builder = TapeBuilder(capacity: json.count / 12)
        guard builder.build(json) else {
            builder.tape.deallocate()
            throw SyntaxError(message: "unreadable parse tree from libpg_query", cursorPosition: 0)
        }
        self.result = result
        self.json = json
        self.tape = builder.tape
        self.source = source
        self.sourceOffset = sourceOffset
        self.depth = builder.maxDepth
    }

    /// Takes over a successful walk (the caller must not free it once this returns).
    init(walked: SargableParseTree, source: String, sourceOffset: Int) {
        result = .walked(walked)
        json = UnsafeBufferPointer(start: walked.text, count: walked.text_length)
        tape = UnsafeMutableBufferPointer(start: walked.tape, count: walked.count)
        self.source = source
        self.sourceOffset = sourceOffset
        depth = Int(walked.depth)
    }

    deinit {
        switch result {
        case .parse(let parsed):
            pg_query_free_parse_result(parsed)
            tape.deallocate()
        case .plpgsql(let parsed):
            pg_query_free_plpgsql_parse_result(parsed)
            tape.deallocate()
        case .walked(var walked):
            sargable_parse_tree_free(&walked)
        }
    }

    /// The parsed statements (the `stmts` list; normally one, since files are split first).
    public var statements: [Node] {
        guard let stmts = root[.stmts] else { return [] }
        return stmts.elements.compactMap { $0[.stmt] }
    }

    /// The first statement, without building the whole list.
    public var firstStatement: Node? {
        guard let stmts = root[.stmts], stmts.isList, stmts.index + 1 < Int(tape[stmts.index].next) else { return nil }
        return Node(tree: self, index: stmts.index + 1)[.stmt]
    }

    /// The JSON document's root object (`{"version":…,"stmts":[…]}`).
    public var root: Node { Node(tree: self, index: 0) }

    /// Whether the tape was walked from the raw tree rather than read from JSON.
    var isWalked: Bool {
        if case .walked = result { return true }
        return false
    }

    /// The JSON text as libpg_query produces it, for `sargable parse`.
    public var jsonText: String {
        guard case .walked = result else { return String(decoding: json, as: UTF8.self) }
        // The walk wrote no JSON: libpg_query writes it now.
        return (try? PgQuery.parseJSON(source).jsonText) ?? ""
    }
}

/// The kind of a tape entry; the same numbering as CPgQueryScanner's `SargableTapeKind`.
@usableFromInline
enum TapeKind: UInt8 {
    case object, array, string, escapedString, number, `true`, `false`, null, node
}

/// One value of the tree: CPgQueryScanner's struct, so that its walk of the raw parse tree and the
/// JSON reader below write the same entries (byte ranges into the tree's text, see its header).
@usableFromInline
typealias TapeEntry = SargableTapeEntry

extension SargableTapeEntry {
    @inline(__always)
    init(keyStart: UInt32, valueStart: UInt32, valueLength: UInt32, next: UInt32, keyLength: UInt16,
         nodeKind: NodeKind?, kind: TapeKind) {
        self.init(keyStart: keyStart, valueStart: valueStart, valueLength: valueLength, next: next,
                  keyLength: keyLength, rawNodeKind: nodeKind.map { unsafeBitCast($0, to: UInt8.self) } ?? UInt8(SARGABLE_NO_NODE_KIND),
                  rawKind: kind.rawValue)
    }

    // A payload-free enum is stored as its case's ordinal, which is what both fields hold: TapeKind's
    // raw values are its ordinals, and the C walk takes NodeKind's from the same proto NodeKind is
    // generated from (TreeWalkTests checks both). Only those values are ever written.
    @usableFromInline var kind: TapeKind {
        @inline(__always) get { unsafeBitCast(rawKind, to: TapeKind.self) }
    }

    @usableFromInline var nodeKind: NodeKind? {
        @inline(__always) get { rawNodeKind == UInt8(SARGABLE_NO_NODE_KIND) ? nil : unsafeBitCast(rawNodeKind, to: NodeKind.self) }
    }
}

/// Iterative (explicit-stack) JSON reader: a deep tree cannot overflow the thread's stack here.
/// Entries go straight into the buffer the tree keeps (`tape`, owned by the caller afterwards).
struct TapeBuilder {
    /// The entries written so far (`count` of them, in a buffer of `capacity`).
    private(set) var storage: UnsafeMutablePointer<TapeEntry>
    private var capacity: Int
    private(set) var entryCount = 0
    var maxDepth = 0

    init(capacity: Int) {
        self.capacity = max(16, capacity)
        storage = .allocate(capacity: self.capacity)
    }

    /// The finished tape; its memory belongs to whoever takes it.
    var tape: UnsafeMutableBufferPointer<TapeEntry> { UnsafeMutableBufferPointer(start: storage, count: entryCount) }

    @inline(__always)
    private mutating func appendEntry(_ entry: TapeEntry) {
        if entryCount == capacity {
            // Entries are plain values: moving them to a larger buffer is a copy of bytes.
            let larger = UnsafeMutablePointer<TapeEntry>.allocate(capacity: capacity * 2)
            larger.moveInitialize(from: storage, count: entryCount)
            storage.deallocate()
            storage = larger
            capacity *= 2
        }
        (storage + entryCount).initialize(to: entry)
        entryCount += 1
    }

    private struct Open {
        var index: Int
        /// A collapsed node wrapper needs a second `}` to close.
        var isNode: Bool
        var isArray: Bool
    }

    mutating func build(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = bytes.count
        var pos = 0
        var stack: [Open] = []
        stack.reserveCapacity(64)
        var keyStart = 0
        var keyLength = 0

        @inline(__always) func skipSpace() {
            while pos < count, bytes[pos] == 0x20 || bytes[pos] == 0x0A || bytes[pos] == 0x0D || bytes[pos] == 0x09 {
                pos += 1
            }
        }

        let base = bytes.baseAddress!

        /// Offset of the next `"` at or after `offset`, or nil.
        @inline(__always) func nextQuote(_ offset: Int) -> Int? {
            guard offset < count, let found = memchr(base + offset, 0x22, count - offset) else { return nil }
            return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }

        /// Reads `"key":` at `pos`; leaves `pos` on the value. Keys never contain escapes.
        @inline(__always) func readKey() -> Bool {
            guard pos < count, bytes[pos] == UInt8(ascii: "\""), let end = nextQuote(pos + 1) else { return false }
            let start = pos + 1
            keyStart = start
            keyLength = end - start
            pos = end + 1
            skipSpace()
            guard pos < count, bytes[pos] == UInt8(ascii: ":") else { return false }
            pos += 1
            skipSpace()
            return true
        }

        @inline(__always) func append(_ kind: TapeKind, valueStart: Int = 0, valueLength: Int = 0,
                                      nodeKind: NodeKind? = nil) {
            appendEntry(TapeEntry(keyStart: UInt32(truncatingIfNeeded: keyStart),
                                  valueStart: UInt32(truncatingIfNeeded: valueStart),
                                  valueLength: UInt32(truncatingIfNeeded: valueLength),
                                  next: UInt32(truncatingIfNeeded: entryCount + 1),
                                  keyLength: UInt16(truncatingIfNeeded: keyLength), nodeKind: nodeKind, kind: kind))
            keyStart = 0
            keyLength = 0
        }

        // Each iteration reads one value, then as many closers and separators as follow it.
        while true {
            skipSpace()
            guard pos < count else { return false }
            let byte = bytes[pos]
            switch byte {
            case UInt8(ascii: "{"):
                pos += 1
                skipSpace()
                // `{"UpperCase":{` is a node wrapper: one entry, fields are the inner object's members.
                if pos + 1 < count, bytes[pos] == UInt8(ascii: "\""), bytes[pos + 1] >= UInt8(ascii: "A"),
                   bytes[pos + 1] <= UInt8(ascii: "Z") {
                    let savedStart = keyStart, savedLength = keyLength
                    guard readKey(), pos < count, bytes[pos] == UInt8(ascii: "{") else { return false }
                    let typeStart = keyStart, typeLength = keyLength
                    let kind = NodeKind.named(UnsafeBufferPointer(rebasing: bytes[typeStart ..< typeStart + typeLength]))
                    keyStart = savedStart
                    keyLength = savedLength
                    append(.node, valueStart: typeStart, valueLength: typeLength, nodeKind: kind)
                    stack.append(Open(index: entryCount - 1, isNode: true, isArray: false))
                    pos += 1
                } else {
                    append(.object)
                    stack.append(Open(index: entryCount - 1, isNode: false, isArray: false))
                }
                maxDepth = max(maxDepth, stack.count)
                skipSpace()
                if pos < count, bytes[pos] == UInt8(ascii: "}") {
                    // Empty object: fall through to the closer handling below.
                } else {
                    guard readKey() else { return false }
                    continue
                }
            case UInt8(ascii: "["):
                pos += 1
                append(.array)
                stack.append(Open(index: entryCount - 1, isNode: false, isArray: true))
                maxDepth = max(maxDepth, stack.count)
                skipSpace()
                if pos < count, bytes[pos] != UInt8(ascii: "]") { continue }
            case UInt8(ascii: "\""):
                let start = pos + 1
                guard var end = nextQuote(start) else { return false }
                let escaped = memchr(base + start, 0x5C, end - start) != nil
                // A quote preceded by an odd number of backslashes is escaped: look further.
                while escaped {  // (only strings with a backslash can hold an escaped quote)
                    var backslashes = 0
                    while end - backslashes - 1 >= start, bytes[end - backslashes - 1] == 0x5C { backslashes += 1 }
                    if backslashes % 2 == 0 { break }
                    guard let next = nextQuote(end + 1) else { return false }
                    end = next
                }
                append(escaped ? .escapedString : .string, valueStart: start, valueLength: end - start)
                pos = end + 1
            case UInt8(ascii: "t"):
                append(.true)
                pos += 4
            case UInt8(ascii: "f"):
                append(.false)
                pos += 5
            case UInt8(ascii: "n"):
                append(.null)
                pos += 4
            default:
                let start = pos
                while pos < count {
                    let c = bytes[pos]
                    if c == UInt8(ascii: ",") || c == UInt8(ascii: "}") || c == UInt8(ascii: "]") || c == 0x20 { break }
                    pos += 1
                }
                guard pos > start else { return false }
                append(.number, valueStart: start, valueLength: pos - start)
            }

            // After a value: close containers, or move to the next member or element.
            while true {
                skipSpace()
                guard let top = stack.last else {
                    return pos <= count
                }
                guard pos < count else { return false }
                let c = bytes[pos]
                if c == UInt8(ascii: ",") {
                    pos += 1
                    skipSpace()
                    if !top.isArray {
                        guard readKey() else { return false }
                    }
                    break
                }
                if top.isArray {
                    guard c == UInt8(ascii: "]") else { return false }
                    pos += 1
                } else {
                    guard c == UInt8(ascii: "}") else { return false }
                    pos += 1
                    if top.isNode {
                        skipSpace()
                        guard pos < count, bytes[pos] == UInt8(ascii: "}") else { return false }
                        pos += 1
                    }
                }
                storage[top.index].next = UInt32(truncatingIfNeeded: entryCount)
                stack.removeLast()
                if stack.isEmpty {
                    return true
                }
            }
        }
    }
}
