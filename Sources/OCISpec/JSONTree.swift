// The parsed form of a JSON document, as JSONParser builds it and SpecDecoder reads it.
// Objects keep every member in document order, repeated keys included: what a repeated key
// means depends on the type it is decoded into (see DuplicateKeys.swift).

enum JSONTree {
    case null
    case bool(Bool)
    /// The literal as written (already checked against the JSON grammar); converted on decode,
    /// so that range errors can name the field and the exact value.
    case number(String)
    case string(String)
    case array([JSONTree])
    case object(JSONObject)
    /// Every occurrence, in document order, of a key that appears more than once. Never built
    /// by the parser; SpecDecoder makes it when it looks a repeated key up.
    case layers([JSONTree])

    /// The JSON type, for "expected X, got Y" messages.
    var kind: String {
        switch self {
        case .null: return "null"
        case .bool: return "a bool"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "a dictionary"
        case .layers(let l): return l.last?.kind ?? "null"
        }
    }

    var isNull: Bool { if case .null = self { return true } else { return false } }
    var isEmptyArray: Bool { if case .array(let a) = self { return a.isEmpty } else { return false } }
}

/// An object's members in document order. Small objects are searched linearly; from
/// `indexThreshold` members on, an index maps each key to its last occurrence.
final class JSONObject {
    static let indexThreshold = 32

    private(set) var keys: [String] = []
    private(set) var values: [JSONTree] = []
    private var index: [String: Int]?
    /// Whether some key occurs more than once.
    private(set) var hasDuplicates = false

    var count: Int { keys.count }

    func append(_ key: String, _ value: JSONTree) {
        if index != nil {
            if index!.updateValue(keys.count, forKey: key) != nil { hasDuplicates = true }
        } else {
            if !hasDuplicates && keys.contains(key) { hasDuplicates = true }
            if keys.count + 1 == Self.indexThreshold {
                var ix = [String: Int](minimumCapacity: Self.indexThreshold * 2)
                for (i, k) in keys.enumerated() { ix[k] = i }
                ix[key] = keys.count
                index = ix
            }
        }
        keys.append(key)
        values.append(value)
    }

    /// The last occurrence of `key` (what a map, or a free-form value, takes).
    func last(_ key: String) -> JSONTree? {
        if let index { return index[key].map { values[$0] } }
        var i = keys.count - 1
        while i >= 0 {
            if keys[i] == key { return values[i] }
            i -= 1
        }
        return nil
    }

    /// Every occurrence of `key`, in order, appended to `into` (what a struct field takes).
    func occurrences(_ key: String, into out: inout [JSONTree]) {
        if !hasDuplicates {
            if let v = last(key) { out.append(v) }
            return
        }
        for i in keys.indices where keys[i] == key { out.append(values[i]) }
    }

    /// The distinct keys in order of first occurrence.
    var distinctKeys: [String] {
        guard hasDuplicates else { return keys }
        var seen = Set<String>()
        return keys.filter { seen.insert($0).inserted }
    }
}
