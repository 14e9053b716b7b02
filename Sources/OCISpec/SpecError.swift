// The single error type of this module: names the file and the JSON path of the problem.

public struct SpecError: Error, CustomStringConvertible, Equatable, Sendable {
    /// File the document came from, e.g. "config.json".
    public var file: String
    /// JSON path such as `linux.namespaces[3].type`; empty for whole-document errors.
    public var path: String
    public var message: String

    public init(file: String = "config.json", path: String, message: String) {
        self.file = file; self.path = path; self.message = message
    }

    public var description: String {
        path.isEmpty ? "\(file): \(message)" : "\(file): \(path): \(message)"
    }
}

extension SpecError {
    /// Builds a SpecError from a decoding error (SpecDecoder's or JSONDecoder's), rendering the coding
    /// path as a JSON path.
    init(file: String, decoding error: DecodingError) {
        switch error {
        case .typeMismatch(let type, let ctx):
            self.init(file: file, path: Self.render(ctx.codingPath),
                      message: "expected \(Self.jsonTypeName(type)), got \(Self.foundType(ctx.debugDescription))")
        case .valueNotFound(let type, let ctx):
            self.init(file: file, path: Self.render(ctx.codingPath),
                      message: "expected \(Self.jsonTypeName(type)), got null")
        case .keyNotFound(let key, let ctx):
            self.init(file: file, path: Self.render(ctx.codingPath + [key]), message: "required field is missing")
        case .dataCorrupted(let ctx):
            self.init(file: file, path: Self.render(ctx.codingPath), message: ctx.debugDescription)
        @unknown default:
            self.init(file: file, path: "", message: "\(error)")
        }
    }

    /// `[a, b, Index 3, c]` -> `a.b[3].c`; keys that are not plain identifiers are quoted: `sysctl["net.x"]`.
    static func render(_ path: [CodingKey]) -> String {
        var out = ""
        for k in path {
            if let i = k.intValue, k.stringValue == "Index \(i)" || k.stringValue == "\(i)" {
                out += "[\(i)]"
            } else if k.stringValue.contains(".") || k.stringValue.contains("[") || k.stringValue.isEmpty {
                out += "[\"\(k.stringValue)\"]"
            } else {
                out += out.isEmpty ? k.stringValue : ".\(k.stringValue)"
            }
        }
        return out
    }

    static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "string"
        case is Bool.Type: return "boolean"
        case is Int8.Type: return "int8"
        case is Int16.Type: return "int16"
        case is Int32.Type: return "int32"
        case is Int64.Type: return "int64"
        case is Int.Type: return "integer"
        case is UInt8.Type: return "uint8"
        case is UInt16.Type: return "uint16"
        case is UInt32.Type: return "uint32"
        case is UInt64.Type: return "uint64"
        case is UInt.Type: return "uint"
        case is Double.Type, is Float.Type: return "number"
        default:
            let n = String(describing: type)
            if n.hasBytePrefix("Dictionary") || (n.hasBytePrefix("[") && n.contains(":")) { return "object" }
            if n.hasBytePrefix("Array") || n.hasBytePrefix("[") { return "array" }
            return "object"
        }
    }

    /// Extracts the JSON type the decoder says it found ("... but found a string instead.").
    static func foundType(_ debug: String) -> String {
        let lower = debug.lowercased()
        for (needle, name) in [("string", "string"), ("number", "number"), ("bool", "boolean"),
                               ("dictionary", "object"), ("object", "object"), ("array", "array"),
                               ("null", "null")] {
            if let r = lower.firstRange(of: "found "), lower[r.upperBound...].contains(needle) { return name }
        }
        return "a different type"
    }
}
