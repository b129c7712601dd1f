/// One token from libpg_query's scanner, with its byte range in the scanned text.
public struct Token: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case lineComment, blockComment
        case identifier, keyword
        case string, number, parameter, `operator`
        case semicolon, punctuation
        case other(Int32)
    }

    public enum KeywordKind: Int32, Sendable, Hashable {
        case none = 0, unreserved, columnName, typeOrFunctionName, reserved
    }

    public var range: Range<Int>
    public var kind: Kind
    public var keywordKind: KeywordKind
    /// libpg_query's token number (`pg_query.proto`'s `Token` enum).
    public var code: Int32

    public var isComment: Bool { kind == .lineComment || kind == .blockComment }

    init(range: Range<Int>, code: Int32, keywordKind: Int32) {
        self.range = range
        self.code = code
        self.keywordKind = KeywordKind(rawValue: keywordKind) ?? .none
        switch TokenCode(rawValue: code) {
        case .sqlComment: kind = .lineComment
        case .cComment: kind = .blockComment
        case .ident, .uident: kind = .identifier
        case .sconst, .usconst, .bconst, .xconst: kind = .string
        case .fconst, .iconst: kind = .number
        case .param: kind = .parameter
        case .op, .percent, .asterisk, .plus, .minus, .slash, .lessThan, .equals, .greaterThan, .caret,
             .typecast, .dotDot, .colonEquals, .equalsGreater, .lessEquals, .greaterEquals, .notEquals:
            kind = .operator
        case .semicolon: kind = .semicolon
        case _ where 1 ... 127 ~= code: kind = .punctuation
        default: kind = self.keywordKind == .none ? .other(code) : .keyword
        }
    }

    /// The scanner's token, named (`.semicolon`, `.sconst`, `.select`); nil for a number this build does not know.
    public var tokenCode: TokenCode? { TokenCode(rawValue: code) }

    /// Decodes pg_query_scan's `ScanResult` protobuf message (`repeated ScanToken tokens = 2`):
    /// only `PgQuery.scanWithProtobuf`, the reference for the direct scanner, still reads one.
    static func decodeScanResult(_ bytes: UnsafeBufferPointer<UInt8>) -> [Token] {
        var reader = ScanTokenReader(bytes)
        var tokens: [Token] = []
        while let token = reader.next() {
            tokens.append(Token(range: token.start ..< max(token.start, token.end), code: token.code, keywordKind: token.keywordKind))
        }
        return tokens
    }
}

/// The tokens of libpg_query's `ScanResult` message (`repeated ScanToken tokens = 2`, each with
/// `start = 1`, `end = 2`, `token = 4`, `keyword_kind = 5`), one at a time, as plain numbers.
struct ScanTokenReader {
    private var reader: ProtobufReader
    /// Whether reading stopped at a malformed message rather than at its end.
    private(set) var isMalformed = false

    init(_ bytes: UnsafeBufferPointer<UInt8>) { reader = ProtobufReader(bytes: bytes) }

    mutating func next() -> (start: Int, end: Int, code: Int32, keywordKind: Int32)? {
        while let (field, wireType) = reader.readTag() {
            guard field == 2, wireType == 2 else {
                guard reader.skip(wireType: wireType) else { isMalformed = true; return nil }
                continue
            }
            guard let message = reader.readLengthDelimited() else { isMalformed = true; return nil }
            var inner = ProtobufReader(bytes: message)
            var start = 0, end = 0
            var code: Int32 = 0, keywordKind: Int32 = 0
            while let (innerField, innerType) = inner.readTag() {
                guard innerType == 0, let value = inner.readVarint() else {
                    guard inner.skip(wireType: innerType) else { isMalformed = true; return nil }
                    continue
                }
                switch innerField {
                case 1: start = Int(truncatingIfNeeded: value)
                case 2: end = Int(truncatingIfNeeded: value)
                case 4: code = Int32(truncatingIfNeeded: value)
                case 5: keywordKind = Int32(truncatingIfNeeded: value)
                default: break
                }
            }
            return (start, end, code, keywordKind)
        }
        return nil
    }
}

/// Just enough of the protobuf wire format to read scanner output.
struct ProtobufReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func readVarint() -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while position < bytes.count, shift < 64 {
            let byte = bytes[position]
            position += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        return nil
    }

    mutating func readTag() -> (field: Int, wireType: Int)? {
        guard position < bytes.count, let tag = readVarint() else { return nil }
        return (Int(tag >> 3), Int(tag & 7))
    }

    mutating func readLengthDelimited() -> UnsafeBufferPointer<UInt8>? {
        guard let length = readVarint(), position + Int(length) <= bytes.count else { return nil }
        let slice = UnsafeBufferPointer(rebasing: bytes[position ..< position + Int(length)])
        position += Int(length)
        return slice
    }

    mutating func skip(wireType: Int) -> Bool {
        switch wireType {
        case 0: return readVarint() != nil
        case 1: position += 8
        case 2: return readLengthDelimited() != nil
        case 5: position += 4
        default: return false
        }
        return position <= bytes.count
    }
}
