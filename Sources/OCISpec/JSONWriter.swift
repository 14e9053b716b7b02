// Writes JSON text directly, member by member: what the lifecycle verbs write (state.json,
// intent.json, hook stdin, the seccomp listener's state) and print (`state`). No Encoder: going
// through Codable costs a protocol-conformance lookup per type written, more than the writing.
//
// The output is byte for byte what Foundation's JSONEncoder wrote for these documents before
// (compact, `/` unescaped, JSONString's escapes; a nil optional is left out), with the members
// in the order the caller writes them: callers that replace a `.sortedKeys` encoding write their
// keys sorted, maps are always written with sorted keys. JSONWriterTests compares the two.

public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    private var comma = false

    public init() { bytes.reserveCapacity(1024) }

    public mutating func beginObject() { separate(); bytes.append(UInt8(ascii: "{")); comma = false }
    public mutating func endObject() { bytes.append(UInt8(ascii: "}")); comma = true }
    public mutating func beginArray() { separate(); bytes.append(UInt8(ascii: "[")); comma = false }
    public mutating func endArray() { bytes.append(UInt8(ascii: "]")); comma = true }

    public mutating func key(_ k: String) {
        separate()
        quote(k)
        bytes.append(UInt8(ascii: ":"))
        comma = false
    }

    public mutating func string(_ s: String) { separate(); quote(s); comma = true }
    public mutating func bool(_ b: Bool) { separate(); bytes.append(contentsOf: (b ? "true" : "false").utf8); comma = true }
    public mutating func null() { separate(); bytes.append(contentsOf: "null".utf8); comma = true }

    public mutating func int(_ v: Int64) {
        separate()
        if v < 0 {
            bytes.append(UInt8(ascii: "-"))
            digits(v.magnitude)
        } else {
            digits(UInt64(v))
        }
        comma = true
    }

    public mutating func uint(_ v: UInt64) { separate(); digits(v); comma = true }

    public mutating func strings(_ a: [String]) {
        beginArray()
        for s in a { string(s) }
        endArray()
    }

    /// A map, keys in sorted order (Go's and JSONEncoder's `.sortedKeys` order).
    public mutating func stringMap(_ m: [String: String]) {
        beginObject()
        for k in m.keys.sorted() {
            key(k)
            string(m[k]!)
        }
        endObject()
    }

    // Members whose value may be absent: left out when nil, as encodeIfPresent does.
    public mutating func member(_ k: String, _ v: String?) { if let v { key(k); string(v) } }
    public mutating func member(_ k: String, _ v: Bool?) { if let v { key(k); bool(v) } }
    public mutating func member(_ k: String, _ v: Int?) { if let v { key(k); int(Int64(v)) } }
    public mutating func member(_ k: String, _ v: Int32?) { if let v { key(k); int(Int64(v)) } }
    public mutating func member(_ k: String, _ v: UInt64?) { if let v { key(k); uint(v) } }
    public mutating func member(_ k: String, _ v: [String]?) { if let v { key(k); strings(v) } }
    public mutating func member(_ k: String, _ v: [String: String]?) { if let v { key(k); stringMap(v) } }

    /// config.md `hooks`, keys sorted.
    public mutating func member(_ k: String, _ v: Hooks?) {
        guard let v else { return }
        key(k)
        beginObject()
        for (name, list) in [("createContainer", v.createContainer), ("createRuntime", v.createRuntime),
                             ("poststart", v.poststart), ("poststop", v.poststop), ("prestart", v.prestart),
                             ("startContainer", v.startContainer)] {
            guard let list else { continue }
            key(name)
            beginArray()
            for h in list {
                beginObject()
                member("args", h.args)
                member("env", h.env)
                member("path", h.path)
                member("timeout", h.timeout)
                endObject()
            }
            endArray()
        }
        endObject()
    }

    /// runtime.md state: `sorted` for hook stdin (JSONEncoder's `.sortedKeys` order), else the
    /// declaration order (the seccomp listener's payload).
    public mutating func state(_ s: State, sorted: Bool) {
        beginObject()
        if sorted {
            member("annotations", s.annotations)
            member("bundle", s.bundle)
            member("id", s.id)
            member("ociVersion", s.ociVersion)
            member("pid", s.pid)
            member("status", s.status)
        } else {
            member("ociVersion", s.ociVersion)
            member("id", s.id)
            member("status", s.status)
            member("pid", s.pid)
            member("bundle", s.bundle)
            member("annotations", s.annotations)
        }
        endObject()
    }

    private mutating func separate() {
        if comma { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func digits(_ v: UInt64) {
        bytes.append(contentsOf: String(v).utf8)
    }

    /// JSONString.quote's escapes, straight into the buffer.
    private mutating func quote(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for c in s.utf8 {
            switch c {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\")); bytes.append(c)
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(c)
            case 0x0A: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
            case 0x08: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "b"))
            case 0x0C: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "f"))
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                          hex[Int(c >> 4)], hex[Int(c & 0xf)]])
            default: bytes.append(c)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
