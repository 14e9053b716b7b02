// The Decoder behind SpecLoader: the model's Codable types read config.json, state files,
// `exec --process` and `update --resources` documents through it, from the tree JSONParser built.
//
// It replaces Foundation's JSONDecoder, which cannot be configured for two things:
//   - a number that does not fit its field (uid 2^40, a negative rlimit, 1.5 for a gid): in
//     FoundationEssentials the conversion throws an internal JSONError
//     (numberIsNotRepresentableInSwift) that JSONDecoder.decode turns into a path-less
//     "The given data was not valid JSON."; here JSONNumber names the value and the type, and
//     the error carries the field's path;
//   - a repeated key: FoundationEssentials keeps the first occurrence; here the occurrences are
//     applied as Go applies them (DuplicateKeys.swift).
// Errors are DecodingErrors with a coding path, as JSONDecoder's are; SpecError renders them.

final class SpecDecoder: Decoder {
    /// The value being decoded; `.layers` when a repeated key's occurrences all apply.
    let node: JSONTree
    let target: DecodeTarget
    private let parent: SpecDecoder?
    private let key: CodingKey?

    init(_ node: JSONTree, target: DecodeTarget, parent: SpecDecoder?, key: CodingKey?) {
        self.node = node; self.target = target; self.parent = parent; self.key = key
    }

    var codingPath: [CodingKey] {
        var keys: [CodingKey] = []
        var d: SpecDecoder? = self
        while let x = d {
            if let k = x.key { keys.append(k) }
            d = x.parent
        }
        return keys.reversed()
    }

    var userInfo: [CodingUserInfoKey: Any] { [:] }

    static func decode<T: Decodable>(_ type: T.Type, from root: JSONTree) throws -> T {
        try value(T.self, root, owner: nil, key: nil)
    }

    // MARK: values

    /// Decodes `node`, found at `key` in `owner` (both nil for the document itself), as a T.
    static func value<T: Decodable>(_ type: T.Type, _ node: JSONTree, owner: SpecDecoder?, key: CodingKey?) throws -> T {
        var node = node
        if case .layers(let l) = node { node = try resolve(l, for: DecodeTarget.of(T.self), owner, key) }
        // Leaf types without a Decoder of their own: most of a config is strings and integers.
        if T.self == String.self { return try string(node, owner, key) as! T }
        if T.self == Bool.self { return try bool(node, owner, key) as! T }
        if T.self == UInt32.self { return try integer(node, UInt32.self, owner, key) as! T }
        if T.self == Int64.self { return try integer(node, Int64.self, owner, key) as! T }
        if T.self == UInt64.self { return try integer(node, UInt64.self, owner, key) as! T }
        if T.self == Int.self { return try integer(node, Int.self, owner, key) as! T }
        if T.self == [String].self, case .array(let a) = node { return try strings(a, node, owner, key) as! T }
        if T.self == [String: String].self, case .object(let o) = node, !o.hasDuplicates {
            return try stringMap(o, node, owner, key) as! T
        }
        let target: DecodeTarget
        switch node {
        case .layers: target = DecodeTarget.of(T.self)
        case .object(let o) where o.hasDuplicates: target = DecodeTarget.of(T.self)
        default: target = .fields
        }
        return try T(from: SpecDecoder(node, target: target, parent: owner, key: key))
    }

    static func resolve(_ layers: [JSONTree], for target: DecodeTarget, _ owner: SpecDecoder?, _ key: CodingKey?) throws -> JSONTree {
        do { return try JSONTree.resolve(layers, for: target) } catch let p as ValueProblem {
            throw DecodingError.dataCorrupted(.init(codingPath: path(owner, key), debugDescription: p.message))
        }
    }

    /// A scalar whose key repeats: every occurrence must decode, the last one wins.
    private static func lastOfLayers<R>(_ node: JSONTree, _ decodeOne: (JSONTree) throws -> R) throws -> R? {
        guard case .layers(let l) = node else { return nil }
        var r: R?
        for n in l { r = try decodeOne(n) }
        return r
    }

    static func string(_ node: JSONTree, _ owner: SpecDecoder?, _ key: CodingKey?) throws -> String {
        switch node {
        case .string(let s): return s
        case .null: throw valueNotFound(String.self, owner, key)
        default:
            if let r = try lastOfLayers(node, { try string($0, owner, key) }) { return r }
            throw typeMismatch(String.self, node, owner, key)
        }
    }

    static func bool(_ node: JSONTree, _ owner: SpecDecoder?, _ key: CodingKey?) throws -> Bool {
        switch node {
        case .bool(let b): return b
        case .null: throw valueNotFound(Bool.self, owner, key)
        default:
            if let r = try lastOfLayers(node, { try bool($0, owner, key) }) { return r }
            throw typeMismatch(Bool.self, node, owner, key)
        }
    }

    static func integer<I: FixedWidthInteger>(_ node: JSONTree, _ type: I.Type, _ owner: SpecDecoder?, _ key: CodingKey?) throws -> I {
        switch node {
        case .number(let text):
            do { return try JSONNumber.integer(text, as: I.self) } catch let p as ValueProblem {
                throw DecodingError.dataCorrupted(.init(codingPath: path(owner, key), debugDescription: p.message))
            }
        case .null: throw valueNotFound(I.self, owner, key)
        default:
            if let r = try lastOfLayers(node, { try integer($0, I.self, owner, key) }) { return r }
            throw typeMismatch(I.self, node, owner, key)
        }
    }

    static func floating<F: BinaryFloatingPoint>(_ node: JSONTree, _ type: F.Type, _ owner: SpecDecoder?, _ key: CodingKey?) throws -> F {
        switch node {
        case .number(let text):
            do { return F.self == Float.self ? F(try JSONNumber.float(text)) : F(try JSONNumber.double(text)) }
            catch let p as ValueProblem {
                throw DecodingError.dataCorrupted(.init(codingPath: path(owner, key), debugDescription: p.message))
            }
        case .null: throw valueNotFound(F.self, owner, key)
        default:
            if let r = try lastOfLayers(node, { try floating($0, F.self, owner, key) }) { return r }
            throw typeMismatch(F.self, node, owner, key)
        }
    }

    private static func strings(_ a: [JSONTree], _ node: JSONTree, _ owner: SpecDecoder?, _ key: CodingKey?) throws -> [String] {
        var out: [String] = []
        out.reserveCapacity(a.count)
        for (i, e) in a.enumerated() {
            guard case .string(let s) = e else {
                // Only now is a Decoder for the array needed, for the element's path.
                out.append(try string(e, SpecDecoder(node, target: .list, parent: owner, key: key), IndexKey(i)))
                continue
            }
            out.append(s)
        }
        return out
    }

    private static func stringMap(_ o: JSONObject, _ node: JSONTree, _ owner: SpecDecoder?, _ key: CodingKey?) throws -> [String: String] {
        var out = [String: String](minimumCapacity: o.count)
        for (k, v) in zip(o.keys, o.values) {
            guard case .string(let s) = v else {
                out[k] = try string(v, SpecDecoder(node, target: .map, parent: owner, key: key), AnyKey(k))
                continue
            }
            out[k] = s
        }
        return out
    }

    // MARK: errors

    static func path(_ owner: SpecDecoder?, _ key: CodingKey?) -> [CodingKey] {
        var p = owner?.codingPath ?? []
        if let key { p.append(key) }
        return p
    }

    static func typeMismatch(_ type: Any.Type, _ node: JSONTree, _ owner: SpecDecoder?, _ key: CodingKey?) -> DecodingError {
        .typeMismatch(type, .init(codingPath: path(owner, key),
                                  debugDescription: "Expected to decode \(type) but found \(node.kind) instead."))
    }

    static func valueNotFound(_ type: Any.Type, _ owner: SpecDecoder?, _ key: CodingKey?) -> DecodingError {
        .valueNotFound(type, .init(codingPath: path(owner, key), debugDescription: "Expected \(type) value but found null instead."))
    }

    // MARK: Decoder

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        switch node {
        case .object(let o):
            return KeyedDecodingContainer(KeyedContainer<Key>(decoder: self, earlier: [], last: o))
        case .layers(let l):
            var objects: [JSONObject] = []
            for n in l {
                guard case .object(let o) = n else { throw Self.typeMismatch([String: JSONValue].self, n, self, nil) }
                objects.append(o)
            }
            let last = objects.removeLast()
            return KeyedDecodingContainer(KeyedContainer<Key>(decoder: self, earlier: objects, last: last))
        case .null:
            throw Self.valueNotFound([String: JSONValue].self, self, nil)
        default:
            throw Self.typeMismatch([String: JSONValue].self, node, self, nil)
        }
    }

    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        switch node {
        case .array(let a):
            return UnkeyedContainer(decoder: self, earlier: [], last: a)
        case .layers(let l):
            var arrays: [[JSONTree]] = []
            for n in l {
                guard case .array(let a) = n else { throw Self.typeMismatch([JSONValue].self, n, self, nil) }
                arrays.append(a)
            }
            let last = arrays.removeLast()
            return UnkeyedContainer(decoder: self, earlier: arrays, last: last)
        case .null:
            throw Self.valueNotFound([JSONValue].self, self, nil)
        default:
            throw Self.typeMismatch([JSONValue].self, node, self, nil)
        }
    }

    func singleValueContainer() throws -> SingleValueDecodingContainer {
        SingleValueContainer(decoder: self)
    }
}

// MARK: containers

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: SpecDecoder
    /// Objects of earlier occurrences of a repeated key, then the last one.
    let earlier: [JSONObject]
    let last: JSONObject

    var codingPath: [CodingKey] { decoder.codingPath }

    /// The member for `key`; `.layers` when a struct field occurs more than once.
    func member(_ key: Key) -> JSONTree? {
        let k = key.stringValue
        if earlier.isEmpty && !last.hasDuplicates { return last.last(k) }
        switch decoder.target {
        case .fields, .list:
            var all: [JSONTree] = []
            for o in earlier { o.occurrences(k, into: &all) }
            last.occurrences(k, into: &all)
            return all.count <= 1 ? all.first : .layers(all)
        case .map, .raw:
            if let v = last.last(k) { return v }
            for o in earlier.reversed() { if let v = o.last(k) { return v } }
            return nil
        }
    }

    func required(_ key: Key) throws -> JSONTree {
        guard let n = member(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath,
                                                       debugDescription: "No value associated with key \(key.stringValue)."))
        }
        return n
    }

    var allKeys: [Key] {
        if earlier.isEmpty { return last.distinctKeys.compactMap { Key(stringValue: $0) } }
        var seen = Set<String>()
        var out: [Key] = []
        for o in earlier + [last] {
            for k in o.keys where seen.insert(k).inserted {
                if let key = Key(stringValue: k) { out.append(key) }
            }
        }
        return out
    }

    func contains(_ key: Key) -> Bool { member(key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool {
        var n = try required(key)
        if case .layers(let l) = n { n = try SpecDecoder.resolve(l, for: .fields, decoder, key) }
        return n.isNull
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try SpecDecoder.value(T.self, try required(key), owner: decoder, key: key)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard var n = member(key) else { return nil }
        if case .layers(let l) = n { n = try SpecDecoder.resolve(l, for: DecodeTarget.of(T.self), decoder, key) }
        if n.isNull { return nil }
        return try SpecDecoder.value(T.self, n, owner: decoder, key: key)
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try SpecDecoder.bool(try required(key), decoder, key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try SpecDecoder.string(try required(key), decoder, key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try SpecDecoder.floating(try required(key), Double.self, decoder, key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try SpecDecoder.floating(try required(key), Float.self, decoder, key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try int(key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try int(key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try int(key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try int(key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try int(key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try int(key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try int(key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try int(key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try int(key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try int(key) }

    private func int<I: FixedWidthInteger>(_ key: Key) throws -> I {
        try SpecDecoder.integer(try required(key), I.self, decoder, key)
    }

    /// The member for `key` unless it is absent or null.
    private func present(_ key: Key) throws -> JSONTree? {
        guard var n = member(key) else { return nil }
        if case .layers(let l) = n { n = try SpecDecoder.resolve(l, for: .fields, decoder, key) }
        return n.isNull ? nil : n
    }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
        guard let n = try present(key) else { return nil }
        return try SpecDecoder.bool(n, decoder, key)
    }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        guard let n = try present(key) else { return nil }
        return try SpecDecoder.string(n, decoder, key)
    }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
        guard let n = try present(key) else { return nil }
        return try SpecDecoder.floating(n, Double.self, decoder, key)
    }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? {
        guard let n = try present(key) else { return nil }
        return try SpecDecoder.floating(n, Float.self, decoder, key)
    }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try intIfPresent(key) }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try intIfPresent(key) }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try intIfPresent(key) }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try intIfPresent(key) }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try intIfPresent(key) }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try intIfPresent(key) }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try intIfPresent(key) }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try intIfPresent(key) }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try intIfPresent(key) }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try intIfPresent(key) }

    private func intIfPresent<I: FixedWidthInteger>(_ key: Key) throws -> I? {
        guard let n = try present(key) else { return nil }
        return try SpecDecoder.integer(n, I.self, decoder, key)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try nested(key, .fields).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer {
        try nested(key, .list).unkeyedContainer()
    }

    private func nested(_ key: Key, _ target: DecodeTarget) throws -> SpecDecoder {
        var n = try required(key)
        if case .layers(let l) = n { n = try SpecDecoder.resolve(l, for: target, decoder, key) }
        return SpecDecoder(n, target: target, parent: decoder, key: key)
    }

    func superDecoder() throws -> Decoder {
        let k = AnyKey("super")
        return SpecDecoder(last.last(k.stringValue) ?? .null, target: .fields, parent: decoder, key: k)
    }

    func superDecoder(forKey key: Key) throws -> Decoder {
        SpecDecoder(member(key) ?? .null, target: .fields, parent: decoder, key: key)
    }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let decoder: SpecDecoder
    /// Arrays of earlier occurrences of a repeated key, then the last one (which sets the length).
    let earlier: [[JSONTree]]
    let last: [JSONTree]
    var currentIndex = 0

    init(decoder: SpecDecoder, earlier: [[JSONTree]], last: [JSONTree]) {
        self.decoder = decoder; self.earlier = earlier; self.last = last
    }

    var codingPath: [CodingKey] { decoder.codingPath }
    var count: Int? { last.count }
    var isAtEnd: Bool { currentIndex >= last.count }

    /// The current element; `.layers` when earlier arrays have one at this index too.
    private func element<T>(_ type: T.Type) throws -> JSONTree {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(T.self, .init(codingPath: codingPath + [IndexKey(currentIndex)],
                                                            debugDescription: "Unkeyed container is at end."))
        }
        if earlier.isEmpty { return last[currentIndex] }
        var all: [JSONTree] = []
        for a in earlier where a.count > currentIndex { all.append(a[currentIndex]) }
        all.append(last[currentIndex])
        return all.count == 1 ? all[0] : .layers(all)
    }

    mutating func decodeNil() throws -> Bool {
        var n = try element(JSONValue.self)
        if case .layers(let l) = n { n = try SpecDecoder.resolve(l, for: .fields, decoder, IndexKey(currentIndex)) }
        guard n.isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next(T.self) }

    /// Every decode goes through here (SpecDecoder.value has the fast paths for scalars).
    private mutating func next<T: Decodable>(_ type: T.Type) throws -> T {
        let v = try SpecDecoder.value(T.self, try element(T.self), owner: decoder, key: IndexKey(currentIndex))
        currentIndex += 1
        return v
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try next(Bool.self) }
    mutating func decode(_ type: String.Type) throws -> String { try next(String.self) }
    mutating func decode(_ type: Double.Type) throws -> Double { try next(Double.self) }
    mutating func decode(_ type: Float.Type) throws -> Float { try next(Float.self) }
    mutating func decode(_ type: Int.Type) throws -> Int { try next(Int.self) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try next(Int8.self) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try next(Int16.self) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try next(Int32.self) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try next(Int64.self) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try next(UInt.self) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next(UInt8.self) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next(UInt16.self) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next(UInt32.self) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next(UInt64.self) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let c = try nested(.fields).container(keyedBy: type)
        currentIndex += 1
        return c
    }

    mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer {
        let c = try nested(.list).unkeyedContainer()
        currentIndex += 1
        return c
    }

    mutating func superDecoder() throws -> Decoder {
        let d = try nested(.fields)
        currentIndex += 1
        return d
    }

    private func nested(_ target: DecodeTarget) throws -> SpecDecoder {
        var n = try element(JSONValue.self)
        if case .layers(let l) = n { n = try SpecDecoder.resolve(l, for: target, decoder, IndexKey(currentIndex)) }
        return SpecDecoder(n, target: target, parent: decoder, key: IndexKey(currentIndex))
    }
}

private struct SingleValueContainer: SingleValueDecodingContainer {
    let decoder: SpecDecoder
    var codingPath: [CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { decoder.node.isNull }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try SpecDecoder.value(T.self, decoder.node, owner: decoder, key: nil)
    }

    private func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        try SpecDecoder.integer(decoder.node, I.self, decoder, nil)
    }

    func decode(_ type: Bool.Type) throws -> Bool { try SpecDecoder.bool(decoder.node, decoder, nil) }
    func decode(_ type: String.Type) throws -> String { try SpecDecoder.string(decoder.node, decoder, nil) }
    func decode(_ type: Double.Type) throws -> Double { try SpecDecoder.floating(decoder.node, Double.self, decoder, nil) }
    func decode(_ type: Float.Type) throws -> Float { try SpecDecoder.floating(decoder.node, Float.self, decoder, nil) }
    func decode(_ type: Int.Type) throws -> Int { try integer(Int.self) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(Int8.self) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(Int16.self) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(Int32.self) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(Int64.self) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(UInt.self) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(UInt8.self) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(UInt16.self) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(UInt32.self) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(UInt64.self) }
}
