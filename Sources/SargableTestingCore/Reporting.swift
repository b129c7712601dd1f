import Foundation

/// Where an expectation was written: the test framework reports its failure there.
public struct CallSite: Sendable, Hashable, CustomStringConvertible {
    public var fileID: String
    public var filePath: String
    public var line: Int
    public var column: Int

    public init(fileID: String, filePath: String, line: Int, column: Int) {
        self.fileID = fileID
        self.filePath = filePath
        self.line = line
        self.column = column
    }

    public var description: String { "\(fileID):\(line):\(column)" }
}

/// A failed expectation, or a warning (a cost tie): its whole diagnosis in `message`.
public struct ExpectationFailure: Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable { case failure, warning }

    public var message: String
    public var severity: Severity
    public var site: CallSite
    /// Text worth keeping beside the failure (the full plan as EXPLAIN JSON), by name.
    public var attachments: [(name: String, text: String)]

    public init(_ message: String, severity: Severity = .failure, site: CallSite, attachments: [(name: String, text: String)] = []) {
        self.message = message
        self.severity = severity
        self.site = site
        self.attachments = attachments
    }

    public var description: String { "\(site): \(severity == .warning ? "warning: " : "")\(message)" }
}

/// Receives failed expectations: `Issue.record` for Swift Testing, `XCTFail` for XCTest, a list
/// for the library's own tests and for `sargable check`.
public protocol ExpectationReporter: Sendable {
    func report(_ failure: ExpectationFailure)
}

/// Keeps what was reported, in order.
public final class CollectingReporter: ExpectationReporter, @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [ExpectationFailure] = []

    public init() {}

    public func report(_ failure: ExpectationFailure) { lock.withLock { collected.append(failure) } }

    public var failures: [ExpectationFailure] { lock.withLock { collected } }

    /// Returns what was reported since the last call, and forgets it.
    public func take() -> [ExpectationFailure] {
        lock.withLock {
            defer { collected.removeAll() }
            return collected
        }
    }
}

/// Prints to standard error: for code that uses the core without a test framework.
public struct PrintingReporter: ExpectationReporter {
    public init() {}
    public func report(_ failure: ExpectationFailure) {
        FileHandle.standardError.write(Data("\(failure)\n".utf8))
    }
}
