// A small Encoder that keeps object members in the order `encode(to:)` writes them
// (declaration order for synthesized Codable), so pretty output matches `runc spec` field order.

final class JSONNode {
    enum Kind { case null, scalar, array, object }
    var kind: Kind = .null
    /// Already-serialized JSON text for scalars.
    var text = "null"
    var items: [JSONNode] = []
    var members: [(key: String, node: JSONNode)] = []

    func member(_ key: String) -> JSONNode {
        if kind != .object { kind = .object; members = [] }
        if let m = members.first(where: { $0.key == key }) { return m.node }
        let n = JSONNode()
        members.append((key, n))
        return n
    }

    func appendItem() -> JSONNode {
        if kind != .array { kind = .array; items = [] }
        let n = JSONNode()
        items.append(n)
        return n
    }

    func write(into out: inout [UInt8]) {
        switch kind {
        case .null: out.append(contentsOf: "null".utf8)
        case .scalar: out.append(contentsOf: text.utf8)
        case .array:
            out.append(UInt8(ascii: "["))
            for (i, n) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                n.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object:
            out.append(UInt8(ascii: "{"))
            for (i, m) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: JSONNode.quote(m.key).utf8)
                out.append(UInt8(ascii: ":"))
                m.node.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func quote(_ s: String) -> String { JSONString.quote(s) }

    func sortMembers() {
        members.sort { $0.key < $1.key }
        for m in members { m.node.sortMembers() }
        for n in items { n.sortMembers() }
    }

    /// Stores `value` in this node: scalars directly, everything else through its `encode(to:)`.
    func set<T: Encodable>(_ value: T, path: [CodingKey]) throws {
        kind = .scalar
        switch value {
        case let v as String: text = JSONNode.quote(v)
        case let v as Bool: text = v ? "true" : "false"
        case let v as Int: text = String(v)
        case let v as Int8: text = String(v)
        case let v as Int16: text = String(v)
        case let v as Int32: text = String(v)
        case let v as Int64: text = String(v)
        case let v as UInt: text = String(v)
        case let v as UInt8: text = String(v)
        case let v as UInt16: text = String(v)
        case let v as UInt32: text = String(v)
        case let v as UInt64: text = String(v)
        case let v as Double: try setDouble(v, path: path)
        case let v as Float: try setDouble(Double(v), path: path)
        default:
            kind = .null
            try value.encode(to: NodeEncoder(node: self, codingPath: path))
            // Maps have no declaration order; sort their keys (as Go does) for stable output.
            if value is StringKeyedMap { members.sort { $0.key < $1.key } }
        }
    }

    private func setDouble(_ v: Double, path: [CodingKey]) throws {
        guard v.isFinite else {
            throw EncodingError.invalidValue(v, .init(codingPath: path, debugDescription: "non-finite number"))
        }
        text = v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)"
    }
}

protocol StringKeyedMap {}
extension Dictionary: StringKeyedMap where Key == String {}

enum OrderedJSONEncoder {
    /// `sortedKeys`: every object's members in sorted order (JSONEncoder's `.sortedKeys`).
    static func encode<T: Encodable>(_ value: T, sortedKeys: Bool = false) throws -> [UInt8] {
        let root = JSONNode()
        try root.set(value, path: [])
        if sortedKeys { root.sortMembers() }
        var out: [UInt8] = []
        root.write(into: &out)
        return out
    }
}

private struct NodeEncoder: Encoder {
    let node: JSONNode
    var codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if node.kind != .object { node.kind = .object; node.members = [] }
        return KeyedEncodingContainer(KeyedNode<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> UnkeyedEncodingContainer {
        if node.kind != .array { node.kind = .array; node.items = [] }
        return UnkeyedNode(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> SingleValueEncodingContainer {
        SingleNode(node: node, codingPath: codingPath)
    }
}

private struct KeyedNode<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: JSONNode
    var codingPath: [CodingKey]

    mutating func encodeNil(forKey key: Key) throws { _ = node.member(key.stringValue) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try node.member(key.stringValue).set(value, path: codingPath + [key])
    }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try encode(value as Bool?, key) }
    mutating func encode(_ value: String, forKey key: Key) throws { try encode(value as String?, key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try encode(value as Double?, key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try encode(value as Float?, key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try encode(value as Int?, key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try encode(value as Int8?, key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try encode(value as Int16?, key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try encode(value as Int32?, key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try encode(value as Int64?, key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try encode(value as UInt?, key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try encode(value as UInt8?, key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try encode(value as UInt16?, key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try encode(value as UInt32?, key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try encode(value as UInt64?, key) }

    private func encode<T: Encodable>(_ value: T?, _ key: Key) throws {
        try node.member(key.stringValue).set(value!, path: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type,
                                                        forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        NodeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
        NodeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
    }
    mutating func superEncoder() -> Encoder {
        NodeEncoder(node: node.member("super"), codingPath: codingPath)
    }
    mutating func superEncoder(forKey key: Key) -> Encoder {
        NodeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key])
    }
}

private struct UnkeyedNode: UnkeyedEncodingContainer {
    let node: JSONNode
    var codingPath: [CodingKey]
    var count: Int { node.items.count }

    mutating func encodeNil() throws { _ = node.appendItem() }
    mutating func encode<T: Encodable>(_ value: T) throws { try put(value) }
    private func put<T: Encodable>(_ value: T) throws {
        let path = codingPath + [IndexKey(count)]
        try node.appendItem().set(value, path: path)
    }
    mutating func encode(_ value: Bool) throws { try put(value) }
    mutating func encode(_ value: String) throws { try put(value) }
    mutating func encode(_ value: Double) throws { try put(value) }
    mutating func encode(_ value: Float) throws { try put(value) }
    mutating func encode(_ value: Int) throws { try put(value) }
    mutating func encode(_ value: Int8) throws { try put(value) }
    mutating func encode(_ value: Int16) throws { try put(value) }
    mutating func encode(_ value: Int32) throws { try put(value) }
    mutating func encode(_ value: Int64) throws { try put(value) }
    mutating func encode(_ value: UInt) throws { try put(value) }
    mutating func encode(_ value: UInt8) throws { try put(value) }
    mutating func encode(_ value: UInt16) throws { try put(value) }
    mutating func encode(_ value: UInt32) throws { try put(value) }
    mutating func encode(_ value: UInt64) throws { try put(value) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
        -> KeyedEncodingContainer<NestedKey> {
        let path = codingPath + [IndexKey(count)]
        return NodeEncoder(node: node.appendItem(), codingPath: path).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
        let path = codingPath + [IndexKey(count)]
        return NodeEncoder(node: node.appendItem(), codingPath: path).unkeyedContainer()
    }
    mutating func superEncoder() -> Encoder {
        let path = codingPath + [IndexKey(count)]
        return NodeEncoder(node: node.appendItem(), codingPath: path)
    }
}

private struct SingleNode: SingleValueEncodingContainer {
    let node: JSONNode
    var codingPath: [CodingKey]

    mutating func encodeNil() throws { node.kind = .null }
    mutating func encode<T: Encodable>(_ value: T) throws { try node.set(value, path: codingPath) }
    mutating func encode(_ value: Bool) throws { try node.set(value, path: codingPath) }
    mutating func encode(_ value: String) throws { try node.set(value, path: codingPath) }
    mutating func encode(_ value: Double) throws { try node.set(value, path: codingPath) }
    mutating func encode(_ value: Float) throws { try node.set(value, path: codingPath) }
    mutating func encode(_ value: Int) throws { try node.set(value, path: codingPath) }
    mutating func encode(_ value: Int8) throws { try node.set(value, path: codingPath) }
    mutating func encode(_ value: Int16) throws { try node.set(value, path: codingPath) }
    mutating func encode(_ value: Int32) throws { try node.set(value, path: codingPath) }
    mutating func encode(_ value: Int64) throws { try node.set(value, path: codingPath) }
    mutating func encode(_ value: UInt) throws { try node.set(value, path: codingPath) }
    mutating func encode(_ value: UInt8) throws { try node.set(value, path: codingPath) }
    mutating func encode(_ value: UInt16) throws { try node.set(value, path: codingPath) }
    mutating func encode(_ value: UInt32) throws { try node.set(value, path: codingPath) }
    mutating func encode(_ value: UInt64) throws { try node.set(value, path: codingPath) }
}

/// JSON string quoting without Foundation (also used by the runtime's log lines).
public enum JSONString {
    public static func quote(_ s: String) -> String {
        var r = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": r += "\\\""
            case "\\": r += "\\\\"
            case "\n": r += "\\n"
            case "\r": r += "\\r"
            case "\t": r += "\\t"
            case "\u{08}": r += "\\b"
            case "\u{0C}": r += "\\f"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    r += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    r.unicodeScalars.append(u)
                }
            }
        }
        return r + "\""
    }
}
