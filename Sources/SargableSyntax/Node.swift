import CPgQueryScanner
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A field name of libpg_query's JSON tree. Generated constants cover the whole grammar
/// (`Field.targetList`). Names are static strings: reading a field copies no reference-counted
/// storage, which matters because rules read fields millions of times.
public struct Field: @unchecked Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    // Points into a static string's storage, which lives (immutable) for the whole process.
    @usableFromInline let utf8: UnsafeBufferPointer<UInt8>

    public init(_ name: StaticString) {
        utf8 = UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
    }

    public init(stringLiteral value: StaticString) { self.init(value) }

    public var name: String { String(decoding: utf8, as: UTF8.self) }
    public var description: String { name }

    public static func == (lhs: Field, rhs: Field) -> Bool { lhs.utf8.elementsEqual(rhs.utf8) }
    public func hash(into hasher: inout Hasher) { hasher.combine(bytes: UnsafeRawBufferPointer(utf8)) }
}

extension NodeKind {
    private static let table = ProtoEnumTable<NodeKind>()

    /// The kind a type name spells, or nil for a type this build does not know.
    static func named(_ name: UnsafeBufferPointer<UInt8>) -> NodeKind? {
        table.value(named: name)
    }
}

/// A position in a `ParseTree`: a typed node (`kind != nil`), a plain object, a list or a scalar.
///
/// Absent fields read as empty: libpg_query omits zero, false and empty values from its JSON.
public struct Node: Sendable, CustomStringConvertible {
    public let tree: ParseTree
    @usableFromInline let index: Int

    @inlinable
    init(tree: ParseTree, index: Int) {
        self.tree = tree
        self.index = index
    }

    @inlinable var entry: TapeEntry { tree.tape[index] }

    /// The node type, for `{"TypeName": {...}}` wrappers; nil for plain objects, lists and scalars.
    // Inlinable, like the other accessors rules read millions of times: a call across modules
    // costs more than the read, and keeps the caller from dropping retains of the tree.
    @inlinable public var kind: NodeKind? {
        let entry = self.entry
        guard entry.kind == .node else { return nil }
        return entry.nodeKind
    }

    /// For a plain object (a typed pointer field, `InsertStmt.relation`), the type its field
    /// declares (`.rangeVar`) when the tree was walked from the raw tree; nil when read from JSON,
    /// which does not say, and for anything but a plain object.
    @inlinable public var declaredKind: NodeKind? {
        let entry = self.entry
        guard entry.kind == .object else { return nil }
        return entry.nodeKind
    }

    /// The type name as libpg_query wrote it, also for kinds unknown to this build.
    public var kindName: String? {
        let entry = self.entry
        guard entry.kind == .node else { return nil }
        return text(start: entry.valueStart, length: entry.valueLength)
    }

    @inlinable public var isList: Bool { entry.kind == .array }

    /// The member under `field`, or nil when absent (libpg_query omits empty fields).
    @inlinable @inline(__always) public subscript(field: Field) -> Node? {
        let entry = self.entry
        guard entry.kind == .node || entry.kind == .object else { return nil }
        let end = Int(entry.next)
        var child = index + 1
        let tape = tree.tape
        while child < end {
            let candidate = tape[child]
            if Int(candidate.keyLength) == field.utf8.count, keyEquals(candidate, field.utf8) {
                return Node(tree: tree, index: child)
            }
            child = Int(candidate.next)
        }
        return nil
    }

    /// Several levels at once: `node[.relation, .relname]`.
    public subscript(path: Field...) -> Node? {
        var current: Node? = self
        for field in path { current = current?[field] }
        return current
    }

    /// A list's elements; an absent list is empty, and a single node reads as a one-element list.
    @inlinable public var elements: [Node] {
        entry.kind == .array ? children : [self]
    }

    /// The members of a node or object with their field names, in order.
    public var fields: [(field: String, value: Node)] {
        let entry = self.entry
        guard entry.kind == .node || entry.kind == .object else { return [] }
        var result: [(String, Node)] = []
        var child = index + 1
        let end = Int(entry.next)
        while child < end {
            let member = tree.tape[child]
            result.append((text(start: member.keyStart, length: UInt32(member.keyLength)), Node(tree: tree, index: child)))
            child = Int(member.next)
        }
        return result
    }

    /// Every node, object and list directly below this one (members of objects, elements of lists).
    @inlinable public var children: [Node] {
        // Counted first (indexes only, no Node retained): an array grown one append at a time
        // reallocates for most lists.
        let tape = tree.tape
        var count = 0, child = index + 1
        while child < Int(tape[index].next) {
            count += 1
            child = Int(tape[child].next)
        }
        var result: [Node] = []
        result.reserveCapacity(count)
        forEachChild { result.append($0) }
        return result
    }

    /// Calls `body` with each of `elements` in order, without building the array.
    @inlinable public func forEachElement(_ body: (Node) throws -> Void) rethrows {
        guard entry.kind == .array else { return try body(self) }
        try forEachChild(body)
    }

    /// The sibling walk under `children` and `forEachElement`.
    @inlinable func forEachChild(_ body: (Node) throws -> Void) rethrows {
        let tape = tree.tape
        let end = Int(tape[index].next)
        var child = index + 1
        while child < end {
            try body(Node(tree: tree, index: child))
            child = Int(tape[child].next)
        }
    }

    /// A string value, unescaped.
    @inlinable public var string: String? {
        let entry = self.entry
        switch entry.kind {
        case .string: return text(start: entry.valueStart, length: entry.valueLength)
        case .escapedString: return unescape(start: Int(entry.valueStart), length: Int(entry.valueLength))
        default: return nil
        }
    }

    /// An integer value.
    @inlinable public var int: Int? {
        let entry = self.entry
        guard entry.kind == .number else { return nil }
        var value = 0
        var negative = false
        let start = Int(entry.valueStart)
        for offset in start ..< start + Int(entry.valueLength) {
            let byte = tree.json[offset]
            if byte == UInt8(ascii: "-") { negative = true; continue }
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value &* 10 &+ Int(byte - 0x30)
        }
        return negative ? -value : value
    }

    /// A boolean value (false when absent, as libpg_query omits false).
    @inlinable public var bool: Bool { entry.kind == .true }

    /// Byte offset of this node in the statement text (`location` field), when the grammar records one.
    @inlinable public var location: Int? {
        guard let value = self[.location]?.int, value >= 0 else { return nil }
        return value
    }

    /// Byte offset of this node in the file (`location` plus the statement's offset).
    @inlinable public var fileOffset: Int? { location.map { $0 + tree.sourceOffset } }

    public enum WalkAction { case visitChildren, skipChildren, stop }

    /// Pre-order walk over every node, object and list below (and including) this one. The tape is
    /// stored in pre-order, so this is a loop over indexes: no recursion, no allocation.
    @inlinable public func walk(_ visit: (Node) throws -> WalkAction) rethrows {
        let tape = tree.tape
        let end = Int(tape[index].next)
        var current = index
        while current < end {
            let entry = tape[current]
            guard entry.kind == .node || entry.kind == .object || entry.kind == .array else {
                current += 1
                continue
            }
            switch try visit(Node(tree: tree, index: current)) {
            case .stop: return
            case .skipChildren: current = Int(entry.next)
            case .visitChildren: current += 1
            }
        }
    }

    /// Pre-order over the typed nodes and plain objects below (and including) this one, as `walk`
    /// visits them but without making a `Node` of each: `body` gets the entry's kind (nil for a
    /// plain object, or a type this build does not know), a plain object's `declaredKind`, and
    /// makes the node only if it wants it. Making a node retains the tree; most entries of a walk
    /// are passed over.
    @inlinable public func forEachNodeOrObject(
        _ body: (_ kind: NodeKind?, _ declaredKind: NodeKind?, _ node: () -> Node) throws -> Void
    ) rethrows {
        let tape = tree.tape
        let end = Int(tape[index].next)
        var current = index
        while current < end {
            let entry = tape[current]
            if entry.kind == .node {
                try body(entry.nodeKind, nil, { Node(tree: tree, index: current) })
            } else if entry.kind == .object {
                try body(nil, entry.nodeKind, { Node(tree: tree, index: current) })
            }
            current += 1
        }
    }

    /// The subtree's kinds, field names and values without source locations: two expressions with
    /// the same structure are the same expression, however they were spelt, spaced or parenthesised.
    /// `substitute` may stand in for a typed node (a column reference by its column alone); that
    /// node's subtree is then not read.
    public func structure(substituting substitute: (Node) -> String? = { _ in nil }) -> String {
        let tape = tree.tape, json = tree.json
        let end = Int(tape[index].next)
        var out: [UInt8] = []
        var open: [(end: Int, closer: UInt8)] = []
        var current = index
        while current < end {
            while let last = open.last, last.end <= current {
                out.append(last.closer)
                open.removeLast()
            }
            let entry = tape[current]
            let key = UnsafeBufferPointer(rebasing: json[Int(entry.keyStart) ..< Int(entry.keyStart) + Int(entry.keyLength)])
            if key.elementsEqual("location".utf8) {
                current = Int(entry.next)
                continue
            }
            // The node's own field name is where it sits, not what it is.
            if !key.isEmpty, current != index {
                out.append(contentsOf: key)
                out.append(UInt8(ascii: ":"))
            }
            let value = UnsafeBufferPointer(rebasing: json[Int(entry.valueStart) ..< Int(entry.valueStart) + Int(entry.valueLength)])
            switch entry.kind {
            case .node:
                if let substituted = substitute(Node(tree: tree, index: current)) {
                    // Length-prefixed, so no substituted text can read as structure.
                    out.append(contentsOf: "<\(substituted.utf8.count):".utf8)
                    out.append(contentsOf: substituted.utf8)
                    out.append(UInt8(ascii: ">"))
                    current = Int(entry.next)
                    continue
                }
                out.append(contentsOf: value)
                out.append(UInt8(ascii: "("))
                open.append((Int(entry.next), UInt8(ascii: ")")))
            case .object:
                out.append(UInt8(ascii: "{"))
                open.append((Int(entry.next), UInt8(ascii: "}")))
            case .array:
                out.append(UInt8(ascii: "["))
                open.append((Int(entry.next), UInt8(ascii: "]")))
            case .string, .escapedString:
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: value)
                out.append(UInt8(ascii: "\""))
            case .number: out.append(contentsOf: value)
            case .true: out.append(contentsOf: "true".utf8)
            case .false: out.append(contentsOf: "false".utf8)
            case .null: out.append(contentsOf: "null".utf8)
            }
            out.append(UInt8(ascii: ","))
            current += 1
        }
        while let last = open.popLast() { out.append(last.closer) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Every typed node of `kind` below (and including) this one, in source order of the tree.
    public func descendants(ofKind kind: NodeKind) -> [Node] {
        var result: [Node] = []
        forEachNodeOrObject { found, _, node in
            if found == kind { result.append(node()) }
        }
        return result
    }

    public var description: String {
        if let kindName { return kindName }
        switch entry.kind {
        case .array: return "[\(elements.count) elements]"
        case .object: return "{object}"
        case .string, .escapedString: return string ?? ""
        case .number: return text(start: entry.valueStart, length: entry.valueLength)
        case .true: return "true"
        case .false: return "false"
        case .null: return "null"
        case .node: return "node"
        }
    }

    // MARK: - Byte helpers

    @inlinable
    func keyEquals(_ entry: TapeEntry, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        memcmp(tree.json.baseAddress! + Int(entry.keyStart), key.baseAddress!, key.count) == 0
    }

    @usableFromInline func text(start: UInt32, length: UInt32) -> String {
        let start = Int(start)
        return String(decoding: UnsafeBufferPointer(rebasing: tree.json[start ..< start + Int(length)]), as: UTF8.self)
    }

    @usableFromInline func unescape(start: Int, length: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(length)
        var offset = start
        let end = start + length
        let json = tree.json
        while offset < end {
            let byte = json[offset]
            guard byte == UInt8(ascii: "\\"), offset + 1 < end else {
                out.append(byte)
                offset += 1
                continue
            }
            let escape = json[offset + 1]
            offset += 2
            switch escape {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                guard offset + 4 <= end,
                      let code = UInt32(String(decoding: UnsafeBufferPointer(rebasing: json[offset ..< offset + 4]), as: UTF8.self), radix: 16)
                else { break }
                offset += 4
                if let scalar = Unicode.Scalar(code) { out.append(contentsOf: Array(String(scalar).utf8)) }
            default: out.append(escape)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
