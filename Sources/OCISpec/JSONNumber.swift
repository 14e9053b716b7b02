// Converts a JSON number literal for the field that reads it, with Go's rules (what runc and the
// engines apply): an integer field takes an integer literal, without fraction or exponent, that
// fits the field's type. Problems come back as a message naming the value and the type, e.g.
// `1099511627776 is out of range for uint32 (0 to 4294967295)`.

enum JSONNumber {
    static func integer<T: FixedWidthInteger>(_ text: String, as type: T.Type) throws -> T {
        var u = text.utf8.makeIterator()
        var c = u.next()
        let negative = c == UInt8(ascii: "-")
        if negative { c = u.next() }
        var magnitude: UInt64 = 0
        var overflow = false
        while let d = c, d >= UInt8(ascii: "0"), d <= UInt8(ascii: "9") {
            let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(d - UInt8(ascii: "0")))
            overflow = overflow || o1 || o2
            magnitude = s
            c = u.next()
        }
        if c != nil {
            // A fraction or an exponent follows.
            throw ValueProblem(message: isIntegral(text)
                ? "\(display(text)) must be written as an integer, without fraction or exponent (\(name(T.self)))"
                : "\(display(text)) must be an integer (\(name(T.self)))")
        }
        if !overflow {
            if !negative, magnitude <= UInt64(T.max) { return T(magnitude) }
            if negative, magnitude == 0 { return 0 }
            if negative, T.isSigned, magnitude <= UInt64(T.min.magnitude) { return T(truncatingIfNeeded: 0 &- magnitude) }
        }
        throw ValueProblem(message: "\(display(text)) is out of range for \(name(T.self)) (\(T.min) to \(T.max))")
    }

    static func double(_ text: String) throws -> Double {
        guard let v = Double(text), v.isFinite else {
            throw ValueProblem(message: "\(display(text)) is out of range for a 64-bit floating-point number")
        }
        return v
    }

    static func float(_ text: String) throws -> Float {
        guard let v = Float(text), v.isFinite else {
            throw ValueProblem(message: "\(display(text)) is out of range for a 32-bit floating-point number")
        }
        return v
    }

    /// Whether a literal with a fraction or an exponent has an integral value (`1.0`, `2e3`).
    static func isIntegral(_ text: String) -> Bool {
        var digits: [UInt8] = []
        var fractionDigits = 0
        var exponent = 0
        var inFraction = false
        var u = text.utf8.makeIterator()
        while let c = u.next() {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits.append(c)
                if inFraction { fractionDigits += 1 }
            case UInt8(ascii: "."):
                inFraction = true
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                var sign = 1
                var e = 0
                while let x = u.next() {
                    if x == UInt8(ascii: "-") { sign = -1 } else if x != UInt8(ascii: "+") {
                        e = min(e * 10 + Int(x - UInt8(ascii: "0")), 1_000_000)
                    }
                }
                exponent = sign * e
            default:
                break
            }
        }
        // value = digits * 10^(exponent - fractionDigits): integral when the digits that end up
        // right of the point are all zero.
        let shift = fractionDigits - exponent
        guard shift > 0 else { return true }
        return digits.suffix(shift).allSatisfy { $0 == UInt8(ascii: "0") }
    }

    /// Go's type names (`uint32`, `int`, ...), as runc's messages have them.
    static func name<T: FixedWidthInteger>(_ type: T.Type) -> String {
        let size = T.self == Int.self || T.self == UInt.self ? "" : "\(T.bitWidth)"
        return (T.isSigned ? "int" : "uint") + size
    }

    /// The literal for a message; very long ones are cut.
    static func display(_ text: String) -> String {
        text.utf8.count <= 40 ? text : String(text.prefix(32)) + "... (\(text.utf8.count) characters)"
    }
}
