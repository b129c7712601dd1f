#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Open-addressing table from a name's bytes to its index in a fixed list, built once and never
/// freed. Raw memory rather than arrays: the tree decoder and enum reads look a name up for every
/// node or value, and an array read retains its storage.
struct NameTable: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<UInt16>
    private let names: UnsafeMutableBufferPointer<UnsafeBufferPointer<UInt8>>

    init(_ strings: [String]) {
        precondition(strings.count < Int(UInt16.max), "a name table holds fewer than 65535 names")
        var size = 1
        while size < strings.count * 4 { size <<= 1 }
        slots = .allocate(capacity: size)
        slots.initialize(repeating: .max)
        names = .allocate(capacity: strings.count)
        for (index, string) in strings.enumerated() {
            let bytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: string.utf8.count)
            _ = bytes.initialize(from: string.utf8)
            let name = UnsafeBufferPointer(bytes)
            names[index] = name
            var slot = Int(fieldHash(name)) & (size - 1)
            while slots[slot] != .max { slot = (slot + 1) & (size - 1) }
            slots[slot] = UInt16(index)
        }
    }

    /// The index of `name` in the list the table was built from, or `.max` when it is not there.
    func index(of name: UnsafeBufferPointer<UInt8>) -> UInt16 {
        let mask = slots.count - 1
        var slot = Int(fieldHash(name)) & mask
        while true {
            let candidate = slots[slot]
            if candidate == .max { return .max }
            let known = names[Int(candidate)]
            if known.count == name.count, name.isEmpty || memcmp(known.baseAddress!, name.baseAddress!, name.count) == 0 {
                return candidate
            }
            slot = (slot + 1) & mask
        }
    }
}

/// A proto enum of the parse tree (generated in `Generated/NodeTypes.swift`). libpg_query's JSON
/// spells enum values by name (AEXPR_OP); `Node.enumValue()` reads them without building one.
public protocol ProtoEnum: RawRepresentable, CaseIterable, Sendable where RawValue == String {
    static var protoEnumTable: ProtoEnumTable<Self> { get }
}

/// The lookup behind one `ProtoEnum` (and `NodeKind`): names to cases, in raw memory (see `NameTable`).
public struct ProtoEnumTable<Value: RawRepresentable & CaseIterable & Sendable>: @unchecked Sendable
where Value.RawValue == String {
    let names: NameTable
    let cases: UnsafeMutableBufferPointer<Value>

    public init() {
        let all = Array(Value.allCases)
        names = NameTable(all.map(\.rawValue))
        cases = .allocate(capacity: all.count)
        _ = cases.initialize(from: all)
    }

    func value(named name: UnsafeBufferPointer<UInt8>) -> Value? {
        let index = names.index(of: name)
        return index == .max ? nil : cases[Int(index)]
    }
}

/// FNV-1a over a name's bytes: `NameTable`'s slot for it.
@inlinable
func fieldHash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
    var hash: UInt32 = 2_166_136_261
    for byte in bytes {
        hash = (hash ^ UInt32(byte)) &* 16_777_619
    }
    return hash
}
