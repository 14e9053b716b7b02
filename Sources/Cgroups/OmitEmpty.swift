/// A value of the stats JSON: what a missing key decodes as (`zero`), and whether Go's omitempty
/// leaves it out (`isZero`).
public protocol StatsValue: Codable, Equatable {
    init()
    var isZero: Bool { get }
}

extension StatsValue {
    /// Nested structs are never omitted (Go's omitempty does not apply to structs).
    public var isZero: Bool { false }
}

extension UInt64: StatsValue { public var isZero: Bool { self == 0 } }
extension Int64: StatsValue { public var isZero: Bool { self == 0 } }
extension String: StatsValue { public var isZero: Bool { isEmpty } }
extension Array: StatsValue where Element: Codable & Equatable { public var isZero: Bool { isEmpty } }
extension Dictionary: StatsValue where Key: Codable, Value: Codable & Equatable {
    public var isZero: Bool { isEmpty }
}

/// Go's `json:",omitempty"`: left out when zero or empty; a missing key decodes as zero.
@propertyWrapper
public struct OmitEmpty<Value: StatsValue>: Codable, Equatable {
    public var wrappedValue: Value
    public init(wrappedValue: Value) { self.wrappedValue = wrappedValue }
    public init(from decoder: Decoder) throws { wrappedValue = try Value(from: decoder) }
    public func encode(to encoder: Encoder) throws { try wrappedValue.encode(to: encoder) }
}

/// A field without omitempty: always encoded; a missing key still decodes as zero.
@propertyWrapper
public struct Always<Value: StatsValue>: Codable, Equatable {
    public var wrappedValue: Value
    public init(wrappedValue: Value) { self.wrappedValue = wrappedValue }
    public init(from decoder: Decoder) throws { wrappedValue = try Value(from: decoder) }
    public func encode(to encoder: Encoder) throws { try wrappedValue.encode(to: encoder) }
}

extension OmitEmpty: Sendable where Value: Sendable {}
extension Always: Sendable where Value: Sendable {}

// The synthesized Codable conformances call these (more specific than the generic ones), so the
// wrappers never reach an encoder: the JSON is that of the plain values.
extension KeyedEncodingContainer {
    mutating func encode<V>(_ v: OmitEmpty<V>, forKey k: Key) throws {
        if !v.wrappedValue.isZero { try encode(v.wrappedValue, forKey: k) }
    }

    mutating func encode<V>(_ v: Always<V>, forKey k: Key) throws { try encode(v.wrappedValue, forKey: k) }
}

extension KeyedDecodingContainer {
    func decode<V>(_: OmitEmpty<V>.Type, forKey k: Key) throws -> OmitEmpty<V> {
        OmitEmpty(wrappedValue: try decodeIfPresent(V.self, forKey: k) ?? V())
    }

    func decode<V>(_: Always<V>.Type, forKey k: Key) throws -> Always<V> {
        Always(wrappedValue: try decodeIfPresent(V.self, forKey: k) ?? V())
    }
}
