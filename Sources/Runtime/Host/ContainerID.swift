/// Container IDs as runc accepts them: letters, digits, `_`, `+`, `-`, `.`; not `.` or `..`.
public enum ContainerID {
    public static func validate(_ id: String) throws {
        if id.isEmpty { throw RuntimeError("invalid container id: the id must not be empty") }
        if id == "." || id == ".." { throw RuntimeError("invalid container id: \"\(id)\"") }
        if id.utf8.count > 1024 { throw RuntimeError("invalid container id: too long") }
        for c in id.unicodeScalars {
            let ok = (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9")
                || c == "_" || c == "+" || c == "-" || c == "."
            if !ok { throw RuntimeError("invalid container id: \"\(id)\" (allowed: letters, digits, _ + - .)") }
        }
    }
}
