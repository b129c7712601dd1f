extension Int {
    /// `value` rounded to the nearest integer and clamped into `Int`'s range (NaN reads as 0).
    /// Numbers from input — plans, logs, exports — can be anything a file holds; `Int(_:)` traps on
    /// values it cannot represent.
    public init(saturating value: Double) {
        let rounded = value.rounded()
        if rounded.isNaN {
            self = 0
        } else if rounded >= Double(Int.max) {
            self = .max
        } else if rounded <= Double(Int.min) {
            self = .min
        } else {
            self = Int(rounded)
        }
    }
}
