import LinuxSys
import OCISpec

/// Annotations `org.systemd.property.NAME=VALUE`: extra properties of the container's unit, as in
/// runc. NAME is letters only (at least 3); VALUE is in GVariant text form (the subset runc's users
/// write: `true`/`false`, numbers with an optional type (`uint64 5`, `@t 5`, a bare integer is
/// int32, a decimal number a double), quoted strings, and `[...]` arrays of those). A NAME ending in
/// a lower-case letter + "Sec" is converted to "…USec" with the value in microseconds
/// (`TimeoutStopSec=5` → `TimeoutStopUSec=5000000`).
public enum SystemdAnnotations {
    public static let prefix = "org.systemd.property."

    public static func properties(_ annotations: [String: String]?) throws -> [SystemdProperty] {
        var out: [SystemdProperty] = []
        for (k, v) in (annotations ?? [:]).sorted(by: { $0.key < $1.key }) where k.hasBytePrefix(prefix) {
            var name = String(k.dropFirst(prefix.count))
            guard name.count >= 3, name.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                throw CgroupError("annotation \(k) name incorrect: \(name.count < 3 ? "too short" : "contains non-alphabetic character")")
            }
            var value: DBusValue
            do { value = try parse(v) } catch let e as CgroupError {
                throw CgroupError("annotation \(k)=\(v) value parse error: \(e.message)")
            }
            if name.hasSuffix("Sec"), let c = name.dropLast(3).last, c >= "a" && c <= "z" {
                name = name.dropLast(3) + "USec"
                guard let us = microseconds(value) else {
                    throw CgroupError("annotation \(k)=\(v) value parse error: not a number of seconds")
                }
                value = .uint64(us)
            }
            out.append(SystemdProperty(name, value))
        }
        return out
    }

    static func microseconds(_ v: DBusValue) -> UInt64? {
        switch v {
        case .byte(let x): return UInt64(x) * 1_000_000
        case .int16(let x) where x >= 0: return UInt64(x) * 1_000_000
        case .uint16(let x): return UInt64(x) * 1_000_000
        case .int32(let x) where x >= 0: return UInt64(x) * 1_000_000
        case .uint32(let x): return UInt64(x) * 1_000_000
        case .int64(let x) where x >= 0: return UInt64(x).multipliedReportingOverflow(by: 1_000_000).overflow ? nil : UInt64(x) * 1_000_000
        case .uint64(let x): return x.multipliedReportingOverflow(by: 1_000_000).overflow ? nil : x * 1_000_000
        case .double(let x) where x >= 0 && x < 1.8e13: return UInt64(x * 1_000_000)
        default: return nil
        }
    }

    /// One GVariant text value (the subset above).
    public static func parse(_ text: String) throws -> DBusValue {
        var p = Parser(Array(text.unicodeScalars))
        let v = try p.value(type: nil)
        p.skipSpace()
        guard p.atEnd else { throw CgroupError("trailing text in \"\(text)\"") }
        return v
    }

    struct Parser {
        let s: [Unicode.Scalar]
        var i = 0
        init(_ s: [Unicode.Scalar]) { self.s = s }
        var atEnd: Bool { i >= s.count }
        mutating func skipSpace() { while i < s.count, s[i] == " " || s[i] == "\t" || s[i] == "\n" { i += 1 } }
        mutating func word() -> String {
            var w = ""
            while i < s.count, s[i].properties.isAlphabetic || ("0"..."9").contains(s[i]) || s[i] == "@"
                    || s[i] == "-" || s[i] == "+" || s[i] == "." { w.unicodeScalars.append(s[i]); i += 1 }
            return w
        }

        static let typeWords: [String: Character] = [
            "boolean": "b", "byte": "y", "int16": "n", "uint16": "q", "int32": "i", "uint32": "u",
            "int64": "x", "uint64": "t", "double": "d", "string": "s", "objectpath": "o",
        ]

        mutating func value(type: String?) throws -> DBusValue {
            skipSpace()
            guard !atEnd else { throw CgroupError("missing value") }
            var type = type
            if s[i] == "@" {
                i += 1
                var t = ""
                while i < s.count, s[i] != " " { t.unicodeScalars.append(s[i]); i += 1 }
                type = t
                skipSpace()
            } else if s[i].properties.isAlphabetic {
                let save = i
                let w = word()
                if let t = Self.typeWords[w] { type = String(t); skipSpace() }
                else if w == "true" || w == "false" { return .bool(w == "true") }
                else { i = save; throw CgroupError("unknown word \"\(w)\"") }
            }
            guard !atEnd else { throw CgroupError("missing value") }
            if s[i] == "[" {
                i += 1
                let elem = type.map { String($0.dropFirst()) }
                if let t = type, !t.hasBytePrefix("a") { throw CgroupError("array for type \(t)") }
                var items: [DBusValue] = []
                skipSpace()
                while !atEnd && s[i] != "]" {
                    items.append(try value(type: elem ?? items.first?.signature))
                    skipSpace()
                    if !atEnd && s[i] == "," { i += 1; skipSpace() }
                }
                guard !atEnd else { throw CgroupError("unterminated array") }
                i += 1
                guard let e = elem ?? items.first?.signature else { throw CgroupError("empty array without a type (use @as [])") }
                guard items.allSatisfy({ $0.signature == e }) else { throw CgroupError("array with mixed types") }
                return .array(element: e, items)
            }
            if s[i] == "'" || s[i] == "\"" {
                let q = s[i]
                i += 1
                var str = ""
                while i < s.count && s[i] != q {
                    if s[i] == "\\" && i + 1 < s.count { i += 1 }
                    str.unicodeScalars.append(s[i])
                    i += 1
                }
                guard i < s.count else { throw CgroupError("unterminated string") }
                i += 1
                if type == "o" { return .objectPath(str) }
                if let t = type, t != "s" { throw CgroupError("string for type \(t)") }
                return .string(str)
            }
            let w = word()
            if type == "b" || w == "true" || w == "false" {
                guard w == "true" || w == "false" else { throw CgroupError("invalid boolean \"\(w)\"") }
                return .bool(w == "true")
            }
            func bad() -> CgroupError { CgroupError("invalid number \"\(w)\"\(type.map { " for type \($0)" } ?? "")") }
            switch type {
            case "y": guard let n = UInt8(w) else { throw bad() }; return .byte(n)
            case "n": guard let n = Int16(w) else { throw bad() }; return .int16(n)
            case "q": guard let n = UInt16(w) else { throw bad() }; return .uint16(n)
            case "i": guard let n = Int32(w) else { throw bad() }; return .int32(n)
            case "u": guard let n = UInt32(w) else { throw bad() }; return .uint32(n)
            case "x": guard let n = Int64(w) else { throw bad() }; return .int64(n)
            case "t": guard let n = UInt64(w) else { throw bad() }; return .uint64(n)
            case "d": guard let n = Double(w) else { throw bad() }; return .double(n)
            case nil:
                if let n = Int32(w) { return .int32(n) }
                if let n = Int64(w) { return .int64(n) }
                if w.contains("."), let d = Double(w) { return .double(d) }
                throw bad()
            default: throw CgroupError("unsupported type \(type!)")
            }
        }
    }
}
