// Parses JSON text (RFC 8259) into a JSONTree in one pass. A syntax error names its line
// and column, e.g. `line 1, column 2: expected string, got ']'`.
//
// Strings must be valid UTF-8 and `\u` escapes must not leave a surrogate unpaired; numbers
// are kept as written (JSONNumber converts them for the field that reads them); repeated
// keys are all kept (DuplicateKeys.swift resolves them).

struct JSONParser {
    struct Failure: Error { let text: String }

    /// Deeper documents are refused rather than risking the stack (in this parser or in decoding).
    static let maxDepth = 512

    private let b: UnsafeBufferPointer<UInt8>
    private var i = 0
    /// Where the value of the top-level `linux.seccomp` member lies in the text (the seccomp
    /// cache key is taken from these bytes), nil when it is absent or either key repeats.
    private var seccompSpan: Range<Int>?
    private var linuxSeen = 0, seccompSeen = 0
    private var inLinux = false

    private init(_ b: UnsafeBufferPointer<UInt8>) { self.b = b }

    static func parse(_ bytes: [UInt8]) throws -> JSONTree {
        try document(bytes).tree
    }

    /// The tree, and the bytes of the `linux.seccomp` value as written (see `seccompSpan`).
    static func document(_ bytes: [UInt8]) throws -> (tree: JSONTree, seccomp: ArraySlice<UInt8>?) {
        let (tree, span) = try bytes.withUnsafeBufferPointer { buf in
            var p = JSONParser(buf)
            // A UTF-8 byte order mark is ignored, as RFC 8259 section 8.1 allows.
            if buf.count >= 3, buf[0] == 0xEF, buf[1] == 0xBB, buf[2] == 0xBF { p.i = 3 }
            p.ws()
            let v = try p.value(depth: 0)
            p.ws()
            if p.i < buf.count { throw p.err("unexpected trailing data") }
            return (v, p.linuxSeen == 1 && p.seccompSeen == 1 ? p.seccompSpan : nil)
        }
        return (tree, span.map { bytes[$0] })
    }

    private func err(_ what: String) -> Failure {
        var line = 1, col = 1
        for c in b[0..<min(i, b.count)] {
            if c == UInt8(ascii: "\n") { line += 1; col = 1 } else { col += 1 }
        }
        if i >= b.count { return Failure(text: "line \(line), column \(col): unexpected end of input") }
        let ch = b[i] >= 0x20 && b[i] < 0x7f ? "'\(Character(Unicode.Scalar(b[i])))'" : "byte 0x\(String(b[i], radix: 16))"
        return Failure(text: "line \(line), column \(col): \(what) \(ch)")
    }

    private mutating func ws() {
        while i < b.count {
            switch b[i] {
            case 0x20, 0x09, 0x0a, 0x0d: i += 1
            default: return
            }
        }
    }

    private mutating func expect(_ c: UInt8) throws {
        guard i < b.count, b[i] == c else { throw err("expected '\(Character(Unicode.Scalar(c)))', got") }
        i += 1
    }

    private mutating func value(depth: Int) throws -> JSONTree {
        guard i < b.count else { throw err("") }
        guard depth < Self.maxDepth else { throw err("nesting too deep at") }
        switch b[i] {
        case UInt8(ascii: "{"):
            i += 1; ws()
            let o = JSONObject()
            if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return .object(o) }
            while true {
                ws()
                let key = try string()
                ws(); try expect(UInt8(ascii: ":")); ws()
                if depth == 0 && key == "linux" {
                    linuxSeen += 1
                    inLinux = true
                    o.append(key, try value(depth: depth + 1))
                    inLinux = false
                } else if depth == 1 && inLinux && key == "seccomp" {
                    seccompSeen += 1
                    let start = i
                    o.append(key, try value(depth: depth + 1))
                    seccompSpan = start..<i
                } else {
                    o.append(key, try value(depth: depth + 1))
                }
                ws()
                if i < b.count, b[i] == UInt8(ascii: ",") { i += 1; continue }
                try expect(UInt8(ascii: "}"))
                return .object(o)
            }
        case UInt8(ascii: "["):
            i += 1; ws()
            var a: [JSONTree] = []
            if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
            while true {
                ws()
                a.append(try value(depth: depth + 1))
                ws()
                if i < b.count, b[i] == UInt8(ascii: ",") { i += 1; continue }
                try expect(UInt8(ascii: "]"))
                return .array(a)
            }
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw err("unexpected character")
        }
    }

    private mutating func literal(_ s: StaticString) throws {
        for k in 0..<s.utf8CodeUnitCount {
            guard i < b.count, b[i] == s.utf8Start[k] else { throw err("invalid literal at") }
            i += 1
        }
    }

    private mutating func string() throws -> String {
        guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw err("expected string, got") }
        i += 1
        let start = i
        var ascii = true
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                let raw = UnsafeBufferPointer(rebasing: b[start..<i])
                if !ascii { try checkUTF8(raw, at: start) }
                i += 1
                return String(decoding: raw, as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") { return try escapedString(from: start, ascii: ascii) }
            if c < 0x20 { throw err("control character in string:") }
            if c >= 0x80 { ascii = false }
            i += 1
        }
        throw err("")
    }

    /// The rest of a string that has escapes, from its first backslash (at `i`).
    private mutating func escapedString(from start: Int, ascii: Bool) throws -> String {
        var ascii = ascii
        var out = [UInt8](UnsafeBufferPointer(rebasing: b[start..<i]))
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                // Escapes produce valid UTF-8 and end any raw multi-byte sequence: checking the
                // raw bytes is enough.
                if !ascii { try checkUTF8(UnsafeBufferPointer(rebasing: b[start..<i]), at: start) }
                i += 1
                return String(decoding: out, as: UTF8.self)
            }
            if c < 0x20 { throw err("control character in string:") }
            if c != UInt8(ascii: "\\") {
                if c >= 0x80 { ascii = false }
                out.append(c)
                i += 1
                continue
            }
            i += 1
            guard i < b.count else { throw err("") }
            switch b[i] {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(b[i])
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0c)
            case UInt8(ascii: "n"): out.append(0x0a)
            case UInt8(ascii: "r"): out.append(0x0d)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                let escape = i - 1
                var unit = try hex4()
                if (0xD800...0xDBFF).contains(unit) {
                    // A high surrogate must be followed by an escaped low one.
                    guard i + 2 < b.count, b[i + 1] == UInt8(ascii: "\\"), b[i + 2] == UInt8(ascii: "u") else {
                        i = escape; throw err("unpaired surrogate in \\u escape at")
                    }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { i = escape; throw err("unpaired surrogate in \\u escape at") }
                    unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(unit) {
                    i = escape; throw err("unpaired surrogate in \\u escape at")
                }
                out.append(contentsOf: UTF8.encode(Unicode.Scalar(unit)!)!)
            default:
                throw err("invalid escape character")
            }
            i += 1
        }
        throw err("")
    }

    /// Reads the four hex digits after `\u` (`i` is at the `u`); leaves `i` at the last digit.
    private mutating func hex4() throws -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            i += 1
            guard i < b.count else { throw err("") }
            let c = b[i]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: throw err("invalid \\u escape at")
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    /// Throws at the first byte of `raw` (which starts at offset `start`) that is not valid UTF-8.
    private mutating func checkUTF8(_ raw: UnsafeBufferPointer<UInt8>, at start: Int) throws {
        var it = raw.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &it) {
            case .valid(let s): offset += s.count
            case .emptyInput: return
            case .error:
                i = start + offset
                throw err("invalid UTF-8 in string at")
            }
        }
    }

    private mutating func number() throws -> String {
        let start = i
        if b[i] == UInt8(ascii: "-") { i += 1 }
        func digits(_ p: inout JSONParser) -> Int {
            let st = p.i
            while p.i < p.b.count, p.b[p.i] >= UInt8(ascii: "0"), p.b[p.i] <= UInt8(ascii: "9") { p.i += 1 }
            return p.i - st
        }
        let intStart = i
        let n = digits(&self)
        if n == 0 { i = start; throw err("invalid number at") }
        if n > 1, b[intStart] == UInt8(ascii: "0") { i = intStart + 1; throw err("leading zero in number at") }
        if i < b.count, b[i] == UInt8(ascii: ".") { i += 1; if digits(&self) == 0 { throw err("invalid number at") } }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            if digits(&self) == 0 { throw err("invalid number at") }
        }
        return String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
    }
}
