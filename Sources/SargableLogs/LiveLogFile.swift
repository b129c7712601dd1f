import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A log file a running server is still writing: the logging collector writes asynchronously, so
/// readers wait until what they need is in it.
public enum LiveLogFile {
    /// Polls `paths` (their bytes from `offset` on) until `isComplete` holds for every one, or
    /// `timeout` passes; returns whether it held.
    public static func wait(for paths: [String], from offset: Int = 0, timeout: Duration, every interval: Duration = .milliseconds(2),
                            until isComplete: (Data) -> Bool) -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        let microseconds = UInt32(interval.components.seconds * 1_000_000 + interval.components.attoseconds / 1_000_000_000_000)
        while true {
            if paths.allSatisfy({ path in contents(of: path, from: offset).map(isComplete) == true }) { return true }
            guard clock.now < deadline else { return false }
            usleep(microseconds)
        }
    }

    /// The file's bytes from `offset`, or nil when it cannot be read (yet).
    public static func contents(of path: String, from offset: Int = 0) -> Data? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: UInt64(offset))) != nil else { return nil }
        return try? handle.readToEnd() ?? Data()
    }
}
