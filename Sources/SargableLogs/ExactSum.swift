/// A running total of durations kept as an integer count of billionths of the unit: integer
/// addition is associative, so the total is the same to the last bit whatever the order of the
/// values, which makes a file-by-file summary merge to exactly what one pass gives. Log times
/// have six significant decimals at most (`0.123 ms`, `1.234 s`), so nothing is rounded away.
struct ExactSum: Codable, Sendable, Equatable {
    private static let scale = 1e9
    /// Far below Int128.max: saturating here keeps every sum of two of them representable.
    private static let limit = Int128(1) << 120
    /// Sums in Int64 while they fit (nine million seconds): the common case stays two
    /// instructions, and Int128 arithmetic (generic, and slow) runs only past that.
    private var small: Int64 = 0
    private var large: Int128 = 0

    init() {}

    init(units: Int128) { large = units }

    var units: Int128 { Swift.max(-Self.limit, Swift.min(Self.limit, large + Int128(small))) }

    var value: Double { Double(units) / Self.scale }

    mutating func add(_ value: Double) {
        guard value.isFinite else { return }
        let scaled = (value * Self.scale).rounded()
        if scaled.magnitude < 9e18 {
            let (sum, overflow) = small.addingReportingOverflow(Int64(scaled))
            if !overflow {
                small = sum
                return
            }
        }
        let term = scaled.magnitude >= 1.3e36 ? (scaled < 0 ? -Self.limit : Self.limit) : Int128(scaled)
        add(ExactSum(units: term))
    }

    /// Adds `value` exactly when it is at most 10^18 (every logged duration is), else to
    /// `beyond`, a plain total (pg_stat_statements' sums can reach 10^35).
    mutating func add(_ value: Double, beyond: inout Double) {
        if abs(value) <= 1e18 { add(value) } else { beyond = beyond.addingSaturated(value) }
    }

    mutating func add(_ other: ExactSum) {
        large = Swift.max(-Self.limit, Swift.min(Self.limit, units + other.units))
        small = 0
    }

    static func == (a: ExactSum, b: ExactSum) -> Bool { a.units == b.units }

    // Int128 has no Codable conformance on every platform: a decimal string is exact.
    init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let units = Int128(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a sum: \(text)"))
        }
        large = units
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(String(units))
    }
}
