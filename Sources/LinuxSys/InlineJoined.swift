// `joined(separator:)` for the code the lifecycle verbs run. The standard library's version for
// string collections is not inlinable: it runs unspecialized, and its first call for each
// collection type asks the Swift runtime for the iterator's associated type, which demangles its
// name and scans every protocol conformance record in the binary (hundreds of KiB of metadata
// pages; Docs/BENCHMARK.md). These are compiled, specialized, where they are used.

extension Sequence where Element == String {
    @inlinable
    public func inlineJoined(separator: String = "") -> String {
        var out = ""
        var first = true
        for part in self {
            if !first { out += separator }
            out += part
            first = false
        }
        return out
    }
}

extension Sequence where Element == Substring {
    @inlinable
    public func inlineJoined(separator: String = "") -> String {
        var out = ""
        var first = true
        for part in self {
            if !first { out += separator }
            out.append(contentsOf: part)
            first = false
        }
        return out
    }
}
