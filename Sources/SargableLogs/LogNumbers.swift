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

    /// `milliseconds` of the bytes of a `duration:` value. The common `123.456` is read in place:
    /// an integer below 2^53 divided by an exact power of ten is the correctly rounded value, the
    /// same `Double` as `Double(_:)` gives. Anything else goes through the text.
    static func milliseconds(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<Double, Refusal> {
        var mantissa = 0
        var digits = 0
        var fractionDigits = 0
        var sawPoint = false
        for byte in bytes {
            if byte >= 48, byte <= 57 {
                mantissa = mantissa * 10 + Int(byte - 48)
                digits += 1
                if sawPoint { fractionDigits += 1 }
            } else if byte == UInt8(ascii: "."), !sawPoint {
                sawPoint = true
            } else {
                digits = 0
                break
            }
            if digits > 15 { break }
        }
        // `5.` and `.5` are rare enough to leave to the text path, which decides what they are.
        guard digits > 0, digits <= 15, bytes[0] != UInt8(ascii: "."), !sawPoint || fractionDigits > 0
        else { return milliseconds(String(decoding: bytes, as: UTF8.self)) }
        let value = Double(mantissa) / powersOfTen[fractionDigits]
        return value <= maximumMilliseconds ? .success(value) : .failure(.outOfRange)
    }

    /// 10^0 … 10^15, each exact in a `Double`.
    private static let powersOfTen: [Double] = (0 ... 15).map { exponent in
        (0 ..< exponent).reduce(1.0) { value, _ in value * 10 }
    }

    /// `processID` of a run of ASCII digits, read in place; other text goes through `processID(_:)`.
    static func processID(digits bytes: UnsafeBufferPointer<UInt8>) -> Result<Int, Refusal> {
        guard !bytes.isEmpty, bytes.count <= 10 else { return processID(String(decoding: bytes, as: UTF8.self)) }
        var value = 0
        for byte in bytes {
            guard byte >= 48, byte <= 57 else { return processID(String(decoding: bytes, as: UTF8.self)) }
            value = value * 10 + Int(byte - 48)
        }
        return value <= Int(Int32.max) ? .success(value) : .failure(.outOfRange)
    }

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
