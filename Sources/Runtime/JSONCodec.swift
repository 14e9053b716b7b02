import FoundationEssentials

/// JSON encoding/decoding for runtime files (state.json) and outputs.
public enum JSONCodec {
    public static func decode<T: Decodable>(_ t: T.Type, _ bytes: [UInt8]) throws -> T {
        try JSONDecoder().decode(t, from: Data(bytes))
    }

    public static func encode<T: Encodable>(_ v: T) throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.withoutEscapingSlashes]
        return Array(try e.encode(v))
    }
}
