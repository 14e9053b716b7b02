// Locates the first JSON syntax error, to give "invalid JSON" messages a line and column.

struct JSONSyntax {
    let b: [UInt8]
    var i = 0

    /// nil when `bytes` is well-formed JSON, else e.g. `line 1, column 2: unexpected character ']'`.
    static func firstError(in bytes: [UInt8]) -> String? {
        var p = JSONSyntax(b: bytes)
        do {
            p.ws()
            try p.value(depth: 0)
            p.ws()
            if p.i < p.b.count { throw p.err("unexpected trailing data") }
            return nil
        } catch let e as Failure {
            return e.text
        } catch {
            return nil
        }
    }

    struct Failure: Error { let text: String }

    func err(_ what: String) -> Failure {
        var line = 1, col = 1
        for c in b[0..<min(i, b.count)] {
            if c == UInt8(ascii: "\n") { line += 1; col = 1 } else { col += 1 }
        }
        if i >= b.count { return Failure(text: "line \(line), column \(col): unexpected end of input") }
        let ch = b[i] >= 0x20 && b[i] < 0x7f ? "'\(Character(Unicode.Scalar(b[i])))'" : "byte 0x\(String(b[i], radix: 16))"
        return Failure(text: "line \(line), column \(col): \(what) \(ch)")
    }

    mutating func ws() {
        while i < b.count, [0x20, 0x09, 0x0a, 0x0d].contains(b[i]) { i += 1 }
    }

    mutating func expect(_ c: UInt8) throws {
        guard i < b.count, b[i] == c else { throw err("expected '\(Character(Unicode.Scalar(c)))', got") }
        i += 1
    }

    mutating func value(depth: Int) throws {
        guard i < b.count else { throw err("") }
        guard depth < 512 else { throw err("nesting too deep at") }
        switch b[i] {
        case UInt8(ascii: "{"):
            i += 1; ws()
            if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return }
            while true {
                ws(); try string(); ws(); try expect(UInt8(ascii: ":")); ws()
                try value(depth: depth + 1); ws()
                if i < b.count, b[i] == UInt8(ascii: ",") { i += 1; continue }
                try expect(UInt8(ascii: "}")); return
            }
        case UInt8(ascii: "["):
            i += 1; ws()
            if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return }
            while true {
                ws(); try value(depth: depth + 1); ws()
                if i < b.count, b[i] == UInt8(ascii: ",") { i += 1; continue }
                try expect(UInt8(ascii: "]")); return
            }
        case UInt8(ascii: "\""): try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        default: throw err("unexpected character")
        }
    }

    mutating func literal(_ s: String) throws {
        for c in s.utf8 {
            guard i < b.count, b[i] == c else { throw err("invalid literal at") }
            i += 1
        }
    }

    mutating func string() throws {
        guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw err("expected string, got") }
        i += 1
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") { i += 1; return }
            if c < 0x20 { throw err("control character in string:") }
            i += c == UInt8(ascii: "\\") ? 2 : 1
        }
        throw err("")
    }

    mutating func number() throws {
        let start = i
        if b[i] == UInt8(ascii: "-") { i += 1 }
        let digits = { (s: inout JSONSyntax) -> Int in
            let st = s.i
            while s.i < s.b.count, s.b[s.i] >= UInt8(ascii: "0"), s.b[s.i] <= UInt8(ascii: "9") { s.i += 1 }
            return s.i - st
        }
        if digits(&self) == 0 { i = start; throw err("invalid number at") }
        if i < b.count, b[i] == UInt8(ascii: ".") { i += 1; if digits(&self) == 0 { throw err("invalid number at") } }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            if digits(&self) == 0 { throw err("invalid number at") }
        }
    }
}
