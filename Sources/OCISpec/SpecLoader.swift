// Decoding and encoding of config.json, state and features documents. No Foundation: the
// lifecycle verbs read and write JSON with JSONParser, ConfigReader and JSONWriter.

/// config.json as `create` and `exec` use it: the model, and the text of `linux.seccomp` as
/// written (the seccomp cache key hashes those bytes instead of re-encoding the profile).
public struct LoadedConfig: Sendable {
    public let spec: Spec
    /// nil without linux.seccomp, or when `linux` or `seccomp` is a repeated key.
    public let seccompSource: [UInt8]?
}

public enum SpecLoader {
    public static func decodeConfig(_ bytes: [UInt8], file: String = "config.json") throws -> Spec {
        try loadConfig(bytes, file: file).spec
    }

    /// config.json: the hand-written reader (ConfigReader) for the common case, SpecDecoder for
    /// everything else, including every document with an error (so messages come from one place).
    public static func loadConfig(_ bytes: [UInt8], file: String = "config.json") throws -> LoadedConfig {
        let root: JSONTree, seccomp: ArraySlice<UInt8>?
        do { (root, seccomp) = try JSONParser.document(bytes) } catch let e as JSONParser.Failure {
            throw SpecError(file: file, path: "", message: "invalid JSON: \(e.text)")
        }
        let spec = try ConfigReader.spec(root) ?? decode(Spec.self, root, file: file)
        return LoadedConfig(spec: spec, seccompSource: seccomp.map { Array($0) })
    }

    /// Reads with `fast` when it accepts the document, else decodes it with SpecDecoder: for small
    /// documents the lifecycle verbs read on every call (state.json, intent.json).
    public static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], file: String,
                                            fast: (JSONFields) -> T?) throws -> T {
        let root: JSONTree
        do { root = try JSONParser.parse(bytes) } catch let e as JSONParser.Failure {
            throw SpecError(file: file, path: "", message: "invalid JSON: \(e.text)")
        }
        if let f = try? JSONFields(root), let v = fast(f) { return v }
        return try decode(T.self, root, file: file)
    }

    public static func decodeState(_ bytes: [UInt8], file: String = "state.json") throws -> State {
        try decode(State.self, bytes, file: file)
    }

    public static func decodeFeatures(_ bytes: [UInt8], file: String = "features.json") throws -> Features {
        try decode(Features.self, bytes, file: file)
    }

    /// Decodes any document of this module; errors become `SpecError` naming `file` and the JSON path.
    /// One pass builds the tree (syntax errors name line and column), one walks it (SpecDecoder).
    public static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], file: String) throws -> T {
        let root: JSONTree
        do { root = try JSONParser.parse(bytes) } catch let e as JSONParser.Failure {
            throw SpecError(file: file, path: "", message: "invalid JSON: \(e.text)")
        }
        return try decode(T.self, root, file: file)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ root: JSONTree, file: String) throws -> T {
        do {
            return try SpecDecoder.decode(T.self, from: root)
        } catch let e as DecodingError {
            throw SpecError(file: file, decoding: e)
        } catch let e as SpecError {
            throw e
        } catch {
            throw SpecError(file: file, path: "", message: "\(error)")
        }
    }

    /// Compact JSON with sorted keys, through Codable (the lifecycle's own files are written by
    /// JSONWriter; this is for tests and the rarely used documents).
    public static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let compact = (try? OrderedJSONEncoder.encode(value, sortedKeys: true)) ?? Array("{}".utf8)
        return compact
    }

    /// JSON in declaration (encode-call) order, compact or indented by `indent` — for outputs that
    /// mirror Go structs (runc's `state`, `list`, `events`).
    public static func encodeOrdered<T: Encodable>(_ value: T, indent: String? = nil) -> [UInt8] {
        let compact = (try? OrderedJSONEncoder.encode(value)) ?? Array("{}".utf8)
        guard let indent else { return compact }
        return PrettyJSON.indent(compact, unit: Array(indent.utf8))
    }

    /// Compact JSON text re-indented by `indent`, one member per line.
    public static func indent(_ compact: [UInt8], by indent: String) -> [UInt8] {
        PrettyJSON.indent(compact, unit: Array(indent.utf8))
    }

    /// Tab-indented JSON in declaration order, like `runc spec` writes config.json.
    public static func encodePretty<T: Encodable>(_ value: T) -> [UInt8] {
        let compact = (try? OrderedJSONEncoder.encode(value)) ?? Array("{}".utf8)
        return PrettyJSON.indent(compact, unit: Array("\t".utf8))
    }
}

/// Re-indents compact JSON text: one member per line, `"key": value`, empty containers kept as `{}` / `[]`.
enum PrettyJSON {
    static func indent(_ input: [UInt8], unit: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count * 2)
        var depth = 0
        var inString = false, escaped = false
        var i = 0
        func newline() {
            out.append(UInt8(ascii: "\n"))
            for _ in 0..<depth { out.append(contentsOf: unit) }
        }
        while i < input.count {
            let ch = input[i]
            if inString {
                out.append(ch)
                if escaped { escaped = false } else if ch == UInt8(ascii: "\\") { escaped = true }
                else if ch == UInt8(ascii: "\"") { inString = false }
                i += 1
                continue
            }
            switch ch {
            case UInt8(ascii: "\""):
                inString = true
                out.append(ch)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let close: UInt8 = ch == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                if i + 1 < input.count, input[i + 1] == close {
                    out.append(ch); out.append(close)
                    i += 2
                    continue
                }
                out.append(ch)
                depth += 1
                newline()
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                newline()
                out.append(ch)
            case UInt8(ascii: ","):
                out.append(ch)
                newline()
            case UInt8(ascii: ":"):
                out.append(ch)
                out.append(UInt8(ascii: " "))
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                break
            default:
                out.append(ch)
            }
            i += 1
        }
        return out
    }
}
