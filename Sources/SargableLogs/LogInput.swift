import CZlib
import SargableCore
#if canImport(Glibc)
import Glibc
#endif

/// A log file (or standard input) read in chunks, decompressing gzip and bzip2 in process.
/// The compression is recognised by its magic bytes, not the file name, so `-` works too.
/// Only one chunk is held at a time: memory does not grow with the size of the log.
public final class LogInput {
    public let path: String
    public private(set) var compression: Compression = .none
    /// Bytes read from the file so far (compressed size), for progress.
    public private(set) var bytesConsumed = 0
    /// Size of the file on disk, when known (not for pipes).
    public let fileSize: Int?

    public enum Compression: String, Sendable { case none, gzip, bzip2 }

    private let descriptor: Int32
    private var raw: [UInt8]
    private var rawStart = 0
    private var rawEnd = 0
    private var atEOF = false
    private var decoder: Decoder?

    private static let chunkBytes = 1 << 20

    /// `offset` skips that many bytes of a regular file first: the part of a live server log
    /// written after a known moment (the first line read may then be the end of a line).
    public init(path: String, offset: Int = 0) throws(InputError) {
        self.path = InputFiles.displayName(path)
        descriptor = path == "-" ? STDIN_FILENO : open(path, O_RDONLY)
        guard descriptor >= 0 else { throw InputError(path: path, reason: String(cString: strerror(errno))) }
        var info = stat()
        if fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFDIR {
            if path != "-" { close(descriptor) }
            throw InputError(path: path, reason: "Is a directory")
        }
        if offset > 0, lseek(descriptor, off_t(offset), SEEK_SET) < 0 {
            let reason = String(cString: strerror(errno))
            if path != "-" { close(descriptor) }
            throw InputError(path: path, reason: reason)
        }
        fileSize = info.st_mode & S_IFMT == S_IFREG ? Int(info.st_size) : nil
        raw = [UInt8](repeating: 0, count: Self.chunkBytes)
        try fillRaw()
        let head = raw[rawStart ..< rawEnd]
        if head.starts(with: [0x1F, 0x8B]) {
            compression = .gzip
            decoder = GzipDecoder()
        } else if head.starts(with: Array("BZh".utf8)) {
            compression = .bzip2
            decoder = Bzip2Decoder()
        }
    }

    deinit {
        if path != InputFiles.standardInputName { close(descriptor) }
    }

    /// Appends the next decompressed bytes to `buffer`; returns false at the end of the input.
    public func read(into buffer: inout [UInt8]) throws(InputError) -> Bool {
        guard let decoder else {
            if rawStart == rawEnd { try fillRaw() }
            if rawStart == rawEnd { return false }
            buffer.append(contentsOf: raw[rawStart ..< rawEnd])
            rawStart = rawEnd
            return true
        }
        while true {
            if rawStart == rawEnd, !atEOF { try fillRaw() }
            let before = buffer.count
            let start = rawStart, end = rawEnd
            let outcome = raw.withUnsafeBufferPointer { input in
                Result { () throws(DecodeError) -> Int in
                    try decoder.decode(UnsafeBufferPointer(rebasing: input[start ..< end]), into: &buffer)
                }
            }
            guard case .success(let consumed) = outcome else {
                if case .failure(let error) = outcome {
                    throw InputError(path: path, reason: "\(compression.rawValue) data is corrupt (\(error.reason))")
                }
                return false
            }
            rawStart += consumed
            if buffer.count > before { return true }
            if rawStart == rawEnd, atEOF, decoder.isInsideStream {
                throw InputError(path: path, reason: "\(compression.rawValue) data is truncated")
            }
            if consumed == 0, rawStart < rawEnd {
                throw InputError(path: path, reason: "\(compression.rawValue) data is corrupt (no progress)")
            }
            if rawStart == rawEnd, atEOF { return false }
        }
    }

    private func fillRaw() throws(InputError) {
        rawStart = 0
        rawEnd = 0
        while true {
            let count = raw.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw InputError(path: path, reason: String(cString: strerror(errno)))
            }
            if count == 0 { atEOF = true }
            rawEnd = count
            bytesConsumed += count
            return
        }
    }
}

struct DecodeError: Error { let reason: String }

private protocol Decoder: AnyObject {
    /// True between a stream's first byte and its end marker: input ending here was cut short.
    var isInsideStream: Bool { get }
    /// Decompresses from `input`, appending to `output`; returns how many input bytes were used.
    func decode(_ input: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) throws(DecodeError) -> Int
}

private final class GzipDecoder: Decoder {
    /// A valid pointer for calls with no input bytes.
    nonisolated(unsafe) static let empty = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    private(set) var isInsideStream = false
    /// On the heap: zlib keeps the stream's address and checks it on every call.
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private var out = [UInt8](repeating: 0, count: 1 << 18)
    private var ready = false

    init() {
        stream.initialize(to: z_stream())
        // 15 + 32: zlib or gzip header, detected automatically.
        ready = inflateInit2_(stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
    }
    deinit {
        if ready { inflateEnd(stream) }
        stream.deallocate()
    }

    func decode(_ input: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) throws(DecodeError) -> Int {
        guard ready else { throw DecodeError(reason: "zlib could not start") }
        // With no input left, zlib may still hold output that did not fit last time.
        guard !input.isEmpty || isInsideStream else { return 0 }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress ?? UnsafePointer(Self.empty))
        stream.pointee.avail_in = UInt32(input.count)
        let status = out.withUnsafeMutableBufferPointer { buffer -> Int32 in
            stream.pointee.next_out = buffer.baseAddress
            stream.pointee.avail_out = UInt32(buffer.count)
            return inflate(stream, Z_NO_FLUSH)
        }
        let produced = out.count - Int(stream.pointee.avail_out)
        output.append(contentsOf: out[0 ..< produced])
        let consumed = input.count - Int(stream.pointee.avail_in)
        if consumed > 0 { isInsideStream = true }
        switch status {
        case Z_OK, Z_BUF_ERROR: break
        case Z_STREAM_END:
            inflateReset(stream) // gzip files may hold several members
            isInsideStream = false
        default:
            let message = stream.pointee.msg.map { String(cString: $0) } ?? "code \(status)"
            throw DecodeError(reason: message)
        }
        return consumed
    }
}

private final class Bzip2Decoder: Decoder {
    private(set) var isInsideStream = false
    /// On the heap: libbz2 keeps the stream's address and checks it on every call.
    private let stream = UnsafeMutablePointer<bz_stream>.allocate(capacity: 1)
    private var out = [CChar](repeating: 0, count: 1 << 18)
    private var ready = false

    init() {
        stream.initialize(to: bz_stream())
        ready = BZ2_bzDecompressInit(stream, 0, 0) == BZ_OK
    }
    deinit {
        if ready { BZ2_bzDecompressEnd(stream) }
        stream.deallocate()
    }

    func decode(_ input: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) throws(DecodeError) -> Int {
        guard ready else { throw DecodeError(reason: "libbz2 could not start") }
        // With no input left, libbz2 may still hold output that did not fit last time.
        guard !input.isEmpty || isInsideStream else { return 0 }
        let base = input.baseAddress ?? UnsafePointer(GzipDecoder.empty)
        stream.pointee.next_in = UnsafeMutableRawPointer(mutating: base).assumingMemoryBound(to: CChar.self)
        stream.pointee.avail_in = UInt32(input.count)
        let status = out.withUnsafeMutableBufferPointer { buffer -> Int32 in
            stream.pointee.next_out = buffer.baseAddress
            stream.pointee.avail_out = UInt32(buffer.count)
            return BZ2_bzDecompress(stream)
        }
        let produced = out.count - Int(stream.pointee.avail_out)
        out.withUnsafeBytes { output.append(contentsOf: $0.prefix(produced)) }
        let consumed = input.count - Int(stream.pointee.avail_in)
        if consumed > 0 { isInsideStream = true }
        switch status {
        case BZ_OK: break
        case BZ_STREAM_END:
            isInsideStream = false
            // Concatenated streams (pbzip2, `cat a.bz2 b.bz2`): start the next one.
            BZ2_bzDecompressEnd(stream)
            stream.pointee = bz_stream()
            ready = BZ2_bzDecompressInit(stream, 0, 0) == BZ_OK
        default: throw DecodeError(reason: "libbz2 error \(status)")
        }
        return consumed
    }
}

/// Splits a `LogInput` into lines (without their `\n` or `\r\n`), numbered from 1.
public struct LogLineReader {
    private let input: LogInput
    private var buffer: [UInt8] = []
    private var position = 0
    private var finished = false
    public private(set) var lineNumber = 0
    public var bytesConsumed: Int { input.bytesConsumed }

    public init(_ input: LogInput) { self.input = input }

    /// Calls `body` with the next line's bytes; returns false at the end of the input.
    public mutating func next<T>(_ body: (UnsafeBufferPointer<UInt8>) -> T) throws(InputError) -> T? {
        while true {
            let found = buffer.withUnsafeBufferPointer { bytes -> Int? in
                guard position < bytes.count, let base = bytes.baseAddress else { return nil }
                guard let hit = memchr(base + position, 0x0A, bytes.count - position) else { return nil }
                return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            }
            if let end = found {
                let start = position
                position = end + 1
                lineNumber += 1
                return buffer.withUnsafeBufferPointer { bytes in
                    var stop = end
                    if stop > start, bytes[stop - 1] == 0x0D { stop -= 1 }
                    return body(UnsafeBufferPointer(rebasing: bytes[start ..< stop]))
                }
            }
            if finished {
                guard position < buffer.count else { return nil }
                let start = position
                position = buffer.count
                lineNumber += 1
                return buffer.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[start...])) }
            }
            if position > 0 {
                buffer.removeSubrange(0 ..< position)
                position = 0
            }
            if buffer.count - position > InputFiles.maximumLineBytes { throw InputFiles.lineTooLong(input.path, line: lineNumber + 1) }
            if try !input.read(into: &buffer) { finished = true }
        }
    }
}
