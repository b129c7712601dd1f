import SargableCore
#if canImport(Glibc)
import Glibc
#endif

/// A file's text with a line index, mapping byte offsets to 1-based line and character column.
public struct SourceFile: Sendable {
    /// The path as given on the command line or found under a given directory; `<stdin>` for `-`.
    public let path: String
    public let text: String
    /// `text` as UTF-8; all offsets in Sargable are offsets into these bytes.
    public let bytes: [UInt8]
    /// Byte offset of each line's first byte.
    public let lineStarts: [Int]
    /// Where the input was not valid UTF-8 (replaced with U+FFFD), if anywhere.
    public let invalidUTF8Offset: Int?

    public init(path: String, text: String) {
        self.init(path: path, bytes: Array(text.utf8), validated: true)
    }

    /// Reads raw bytes; invalid UTF-8 is replaced (U+FFFD) and its first position remembered.
    public init(path: String, contents: [UInt8]) {
        self.init(path: path, bytes: contents, validated: false)
    }

    private init(path: String, bytes raw: [UInt8], validated: Bool) {
        self.path = path
        var invalidAt: Int?
        if validated {
            text = String(decoding: raw, as: UTF8.self)
            bytes = raw
        } else if let valid = String(validating: raw, as: UTF8.self) {
            text = valid
            bytes = raw
        } else {
            // Rare: find where the input stops being UTF-8, then repair it.
            var decoder = UTF8()
            var iterator = raw.makeIterator()
            var consumed = 0
            scan: while true {
                switch decoder.decode(&iterator) {
                case .scalarValue(let scalar): consumed += UTF8.width(scalar)
                case .emptyInput: break scan
                case .error:
                    invalidAt = consumed
                    break scan
                }
            }
            text = String(decoding: raw, as: UTF8.self)
            bytes = Array(text.utf8)
        }
        invalidUTF8Offset = invalidAt
        var starts = [0]
        starts.reserveCapacity(bytes.count / 32)
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count, let newline = memchr(base + offset, 0x0A, buffer.count - offset) {
                offset = base.distance(to: newline.assumingMemoryBound(to: UInt8.self)) + 1
                starts.append(offset)
            }
        }
        lineStarts = starts
    }

    /// 1-based line and column (in Unicode scalars) of a byte offset.
    public func position(ofByte offset: Int) -> SourcePosition {
        let offset = min(max(0, offset), bytes.count)
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        var column = 1
        var index = lineStarts[low]
        while index < offset {
            // Count scalars: every byte that does not continue a multi-byte sequence starts one.
            if bytes[index] & 0xC0 != 0x80 { column += 1 }
            index += 1
        }
        return SourcePosition(line: low + 1, column: column)
    }

    /// The span of a byte range.
    public func span(of range: Range<Int>) -> SourceSpan {
        SourceSpan(file: path, start: position(ofByte: range.lowerBound), end: position(ofByte: range.upperBound),
                   byteRange: range)
    }

    /// The text of a 1-based line, without its newline.
    public func line(_ number: Int) -> String {
        guard number >= 1, number <= lineStarts.count else { return "" }
        let start = lineStarts[number - 1]
        var end = number < lineStarts.count ? lineStarts[number] - 1 : bytes.count
        if end > start, bytes[end - 1] == 0x0D { end -= 1 }
        return String(decoding: bytes[start ..< max(start, end)], as: UTF8.self)
    }

    public func text(of range: Range<Int>) -> String {
        let clamped = range.clamped(to: 0 ..< bytes.count)
        return String(decoding: bytes[clamped], as: UTF8.self)
    }

    /// Byte offset in the file of a 1-based *character* position inside the text starting at `base`
    /// (PostgreSQL reports syntax-error cursors in characters).
    public func byteOffset(ofCharacter position: Int, from base: Int) -> Int {
        var remaining = max(0, position - 1)
        var index = base
        while index < bytes.count, remaining > 0 {
            index += 1
            while index < bytes.count, bytes[index] & 0xC0 == 0x80 { index += 1 }
            remaining -= 1
        }
        return index
    }
}
