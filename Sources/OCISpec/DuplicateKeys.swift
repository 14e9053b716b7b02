// What a key that occurs more than once in one JSON object means.
//
// Go's encoding/json, which runc and the engines that write config.json use, applies every
// occurrence in document order to the same field, so the last one wins, and:
//   - an object decoded into a struct fills the struct the earlier occurrence filled: members
//     that only the earlier object has are kept (`"process": {...}, "process": {"args": [...]}`
//     keeps the first process's user and cwd);
//   - an array fills the same slice element by element and sets its length; elements that a
//     shorter occurrence cut off are still there for a longer one to fill, until null or `[]`
//     replaces the slice;
//   - an object decoded into a map adds its entries to the same map; an entry whose key repeats
//     is replaced, not merged; null clears the map;
//   - a free-form value (windows.credentialSpec) is replaced, at every level;
//   - every occurrence must have the field's type: `"uid": "x", "uid": 0` is an error.
// SpecDecoder follows these rules, so that a config another (Go) tool checked runs the same here.
// One case differs by Go type in a way this model cannot see: null after a value is a no-op
// for value fields (strings, numbers, the user struct) but clears pointer fields (limits,
// most structs). That combination is refused rather than guessed.
// Not followed: Go also matches struct fields case-insensitively ("UID" sets uid); here keys
// match exactly and other spellings are ignored as unknown members.

/// How the type being decoded takes repeated keys.
enum DecodeTarget {
    /// A struct or a scalar: every occurrence applies, nulls only before the first value.
    case fields
    /// A map (`[String: X]`): entries accumulate, a repeated entry is replaced, null clears.
    case map
    /// An array: element-wise; null and `[]` start afresh.
    case list
    /// A free-form JSON value: the last occurrence, as it is.
    case raw

    static func of<T>(_ type: T.Type) -> DecodeTarget {
        if T.self == JSONValue.self { return .raw }
        if T.self is any StringKeyedMap.Type { return .map }
        if T.self is any DecodableList.Type { return .list }
        return .fields
    }
}

/// Arrays, for DecodeTarget (`StringKeyedMap` marks maps; see OrderedJSONEncoder).
protocol DecodableList {}
extension Array: DecodableList {}

/// A problem with one value; the decoder adds the JSON path.
struct ValueProblem: Error { let message: String }

extension JSONTree {
    /// The occurrences of a repeated key that apply to `target`: `.null`, one node, or `.layers`
    /// of non-null nodes of which the last wins (objects and arrays combine as described above).
    static func resolve(_ layers: [JSONTree], for target: DecodeTarget) throws -> JSONTree {
        var rest: ArraySlice<JSONTree>
        switch target {
        case .raw:
            return layers.last ?? .null
        case .map:
            rest = layers[...]
            if let n = layers.lastIndex(where: { $0.isNull }) { rest = layers[(n + 1)...] }
        case .list:
            // Go replaces the slice for null and for an empty array (and keeps it otherwise).
            rest = layers[...]
            if let n = layers.lastIndex(where: { $0.isNull || $0.isEmptyArray }) {
                if n == layers.count - 1 { return layers[n] }
                rest = layers[(n + 1)...]
            }
        case .fields:
            guard let first = layers.firstIndex(where: { !$0.isNull }) else { return .null }
            rest = layers[first...]
            if rest.contains(where: { $0.isNull }) {
                throw ValueProblem(message: "duplicate key with a null after a value: Go-based tools would keep "
                                   + "or clear the earlier value depending on its type; remove one of them")
            }
        }
        switch rest.count {
        case 0: return .null
        case 1: return rest.first!
        default: return .layers(Array(rest))
        }
    }
}
