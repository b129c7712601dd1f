import Foundation
import SargableCore
#if canImport(Glibc)
import Glibc
#endif

/// Writing to the terminal: errors in one line with the program's name, colour only on a TTY.
/// Every byte sargable prints goes through here, so no failed write goes unnoticed: the first
/// failure on a stream is recorded, later writes to it are dropped, and `exitStatus` turns it
/// into exit 2 with one line, except a closed pipe (`| head`), which ends the output quietly.
public enum Terminal {
    /// Writes `text` and `terminator` to standard output.
    public static func print(_ text: String, terminator: String = "\n") {
        write(text + terminator, to: .output)
    }

    /// Writes UTF-8 `bytes` and a line break to standard output.
    public static func printBytes(_ bytes: [UInt8]) {
        printBytes([bytes])
    }

    /// Writes the pieces one after the other, then a line break.
    public static func printBytes(_ pieces: [[UInt8]]) {
        for bytes in pieces { bytes.withUnsafeBytes { write($0, to: .output) } }
        write("\n", to: .output)
    }

    /// Writes `text` to standard error, ending it with a line break if it has none.
    public static func standardError(_ text: String) {
        write(text.hasSuffix("\n") ? text : text + "\n", to: .error)
    }

    /// Writes `text` to standard error as it is (a progress line rewritten in place).
    public static func writeStandardError(_ text: String) {
        write(text, to: .error)
    }

    /// `sargable: error: …`
    public static func error(_ message: String) {
        standardError("sargable: error: \(message)")
    }

    /// `sargable: note: …`
    public static func note(_ message: String) {
        standardError("sargable: note: \(message)")
    }

    public static var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
    public static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// The status a command ends with once its output is accounted for: a lost write to standard
    /// output is reported and makes it 2; a reader that went away (EPIPE) changes nothing; lost
    /// diagnostics make it 2 (there is nowhere left to say so).
    static func exitStatus(afterCommandExited status: Int32) -> Int32 {
        let failures = lock.withLock { (output: outputFailure, error: errorFailure) }
        var status = status
        if let failure = failures.output, failure.code != EPIPE {
            error(failure.description)
            status = SargableExitCode.usageOrInputError.rawValue
        }
        if let failure = failures.error, failure.code != EPIPE {
            status = SargableExitCode.usageOrInputError.rawValue
        }
        return status
    }

    enum Stream {
        case output, error

        var descriptor: Int32 { self == .output ? STDOUT_FILENO : STDERR_FILENO }
        var name: String { self == .output ? "standard output" : "standard error" }
    }

    /// A write that failed: `cannot write to standard output: No space left on device`.
    struct WriteFailure: CustomStringConvertible {
        let stream: Stream
        let code: Int32
        var description: String { "cannot write to \(stream.name): \(String(cString: strerror(code)))" }
    }

    // Guards the failures and keeps concurrent writes (analyze's progress line comes from its
    // reading thread) from interleaving.
    private static let lock = NSLock()
    nonisolated(unsafe) private static var outputFailure: WriteFailure?
    nonisolated(unsafe) private static var errorFailure: WriteFailure?

    private static func write(_ text: String, to stream: Stream) {
        var text = text
        text.withUTF8 { write(UnsafeRawBufferPointer($0), to: stream) }
    }

    private static func write(_ bytes: UnsafeRawBufferPointer, to stream: Stream) {
        lock.withLock {
            guard (stream == .output ? outputFailure : errorFailure) == nil else { return }
            guard let code = writeAll(bytes, to: stream.descriptor) else { return }
            let failure = WriteFailure(stream: stream, code: code)
            if stream == .output { outputFailure = failure } else { errorFailure = failure }
        }
    }

    /// Writes every byte, retrying after a signal and after a partial write; returns errno on failure.
    private static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> Int32? {
        guard let base = bytes.baseAddress else { return nil }
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return nil
    }
}
