/// Numbers read from logs and exports are checked here before any arithmetic sees them: a value
/// that would trap (`Int(1e400)`), wrap, or poison every later sum (NaN, inf, negative times) is
/// refused with a reason the reader turns into a located warning.
enum LogNumber {
    /// Why a value was refused, worded to follow the field name and value.
    enum Refusal: Error, Equatable {
        case notANumber, notATimestamp, outOfRange

        var text: String {
            switch self {
            case .notANumber: "is not a number"
            case .notATimestamp: "is not a timestamp"
            case .outOfRange: "out of range"
            }
        }
    }

    /// A count such as pg_stat_statements `calls`: an integer from 0 to `Int.max`. JSON exports
    /// may write it as `5.0`.
    static func count(_ text: String) -> Result<Int, Refusal> {
        if let value = Int(text) { return value >= 0 ? .success(value) : .failure(.outOfRange) }
        return decimal(text).flatMap { value in
            // `Int(exactly:)` refuses fractions and anything past Int.max instead of trapping.
            guard value >= 0, let count = Int(exactly: value) else { return .failure(.outOfRange) }
            return .success(count)
        }
    }

    /// A time in milliseconds: not negative, and at most 1e16 ms (300,000 years, more than a
    /// thousand connections busy since 1970), past which a value is a corrupt field, not a time.
    static func milliseconds(_ text: String) -> Result<Double, Refusal> {
        decimal(text).flatMap { $0 >= 0 && $0 <= maximumMilliseconds ? .success($0) : .failure(.outOfRange) }
    }

    static let maximumMilliseconds = 1e16

    /// A process id: PostgreSQL's are positive 32-bit numbers.
    static func processID(_ text: String) -> Result<Int, Refusal> {
        guard let value = Int(text) else { return decimal(text).flatMap { _ in .failure(.outOfRange) } }
        return value >= 0 && value <= Int(Int32.max) ? .success(value) : .failure(.outOfRange)
    }

    /// Seconds since 1970 (`%n`), up to the end of year 9999 so that every later conversion to
    /// an integer bucket stays far inside `Int`.
    static func epochSeconds(_ text: String) -> Result<Double, Refusal> {
        decimal(text).flatMap { $0.isFinite && abs($0) <= 253_402_300_799 ? .success($0) : .failure(.outOfRange) }
    }

    /// A plain decimal number as PostgreSQL prints one (`12.5`, `1e-3`, `-4`). `Double(_:)` alone
    /// would also take `0x1p3`, `nan` and `infinity`; those are refused as not numbers.
    private static func decimal(_ text: String) -> Result<Double, Refusal> {
        let isDecimal = !text.isEmpty && text.utf8.allSatisfy { byte in
            (byte >= 48 && byte <= 57) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e")
                || byte == UInt8(ascii: "E") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
        }
        guard isDecimal, let value = Double(text), !value.isNaN else { return .failure(.notANumber) }
        return .success(value)
    }

    /// `field 'value' out of range`, with the value shortened and its control characters escaped
    /// so that one warning stays one line.
    static func describe(_ field: String, _ text: String, _ refusal: Refusal) -> String {
        let shown = text.unicodeScalars.prefix(40).map { scalar in
            scalar.properties.generalCategory == .control ? scalar.escaped(asASCII: true) : String(scalar)
        }.joined() + (text.unicodeScalars.count > 40 ? "…" : "")
        return "\(field) '\(shown)' \(refusal.text)"
    }
}

extension Int {
    /// Sums of counts from the input stop at `Int.max` instead of trapping.
    func addingSaturated(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}

extension Double {
    /// Sums of valid times stay finite: two huge but finite totals must not add up to infinity.
    func addingSaturated(_ other: Double) -> Double { Swift.min(self + other, .greatestFiniteMagnitude) }
}

/// Values refused while reading one input, each with its line. Only the first few are kept for
/// messages; the count is exact.
public struct InputWarnings: Sendable {
    public private(set) var count = 0
    public private(set) var first: [(line: Int, message: String)] = []
    static let kept = 20

    mutating func record(line: Int, _ message: @autoclosure () -> String) {
        count += 1
        if first.count < Self.kept { first.append((line, message())) }
    }

    mutating func append(_ other: InputWarnings) {
        for (line, message) in other.first { record(line: line, message) }
        count += other.count - other.first.count
    }
}
