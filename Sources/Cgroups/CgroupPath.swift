import LinuxSys
import OCISpec

/// A parsed `linux.cgroupsPath`: validated components, absolute (from the hierarchy root) or relative
/// (to the runtime's own cgroup).
///
/// Rules (runc's cgroupfs driver):
/// - "/a/b": relative to the root of each hierarchy.
/// - "a/b": relative to the runtime's own cgroup (from /proc/self/cgroup). On cgroup v2 runc uses the
///   *parent* of its own cgroup (its own cgroup usually holds processes, which would forbid enabling
///   controllers below it); on v1 hierarchies and the hybrid cgroup2 tree it uses its own cgroup.
/// - nil or "": the relative path "<id>" (runc's default with the cgroupfs driver).
/// - "slice:prefix:name" (systemd form): expanded to "/<slice path>/<prefix>-<name>.scope", where
///   "a-b.slice" is "a.slice/a-b.slice" as systemd nests slices; an empty slice is "system.slice",
///   "-.slice" is the root, an empty prefix gives "<name>.scope", a name ending in ".slice" is used as is.
/// "." and empty components are dropped; ".." anywhere is an error.
public struct CgroupPath: Equatable, Sendable {
    public var components: [String]
    public var isRelative: Bool

    public init(components: [String], isRelative: Bool) {
        self.components = components
        self.isRelative = isRelative
    }

    public var string: String { (isRelative ? "" : "/") + components.inlineJoined(separator: "/") }
}

extension Cgroups {
    public static func parsePath(_ cgroupsPath: String?, id: String) throws -> CgroupPath {
        let raw = cgroupsPath ?? ""
        if raw.isEmpty {
            return CgroupPath(components: try components(id, whole: raw), isRelative: true)
        }
        if !raw.hasBytePrefix("/") {
            let parts = raw.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            if parts.count == 3 {
                return CgroupPath(components: try systemdComponents(slice: parts[0], prefix: parts[1], name: parts[2], whole: raw),
                                  isRelative: false)
            }
        }
        return CgroupPath(components: try components(raw, whole: raw), isRelative: !raw.hasBytePrefix("/"))
    }

    static func components(_ s: String, whole: String) throws -> [String] {
        var out: [String] = []
        for c in s.byteSplit({ $0 == UInt8(ascii: "/") }) {
            if c == "." { continue }
            if c == ".." { throw CgroupError("invalid cgroupsPath \"\(whole)\": \"..\" is not allowed") }
            if c.utf8.contains(0) { throw CgroupError("invalid cgroupsPath \"\(whole)\": NUL byte") }
            out.append(String(c))
        }
        if out.isEmpty { throw CgroupError("invalid cgroupsPath \"\(whole)\": names the hierarchy root") }
        return out
    }

    /// systemd slice nesting: "a-b-c.slice" → ["a.slice", "a-b.slice", "a-b-c.slice"]; "-.slice" → [].
    public static func expandSlice(_ slice: String) throws -> [String] {
        if slice == "-.slice" { return [] }
        guard slice.hasSuffix(".slice"), !slice.contains("/") else {
            throw CgroupError("invalid slice name \"\(slice)\"")
        }
        let base = String(slice.dropLast(".slice".count))
        if base.isEmpty || base.hasBytePrefix("-") || base.hasSuffix("-") || base.contains("--") {
            throw CgroupError("invalid slice name \"\(slice)\"")
        }
        var out: [String] = []
        var prefix = ""
        for part in base.split(separator: "-") {
            prefix = prefix.isEmpty ? String(part) : prefix + "-" + part
            out.append(prefix + ".slice")
        }
        return out
    }

    static func systemdComponents(slice: String, prefix: String, name: String, whole: String) throws -> [String] {
        if name.isEmpty || name.contains("/") || name == "." || name == ".." || prefix.contains("/") || prefix == ".." {
            throw CgroupError("invalid cgroupsPath \"\(whole)\": expected \"slice:prefix:name\"")
        }
        var comps = try expandSlice(slice.isEmpty ? "system.slice" : slice)
        if name.hasSuffix(".slice") {
            comps += try expandSlice(name).filter { !comps.contains($0) }
        } else {
            comps.append(prefix.isEmpty ? name + ".scope" : prefix + "-" + name + ".scope")
        }
        return comps
    }

    /// Cgroup paths of a process from /proc/<pid>/cgroup: "" for the cgroup2 entry, every controller of
    /// a v1 entry separately ("cpu", "cpuacct", "name=systemd").
    public static func ownCgroups(file: String = "/proc/self/cgroup") -> [String: String] {
        guard let s = try? FileIO.readString(file) else { return [:] }
        return parseProcCgroup(s)
    }

    static func parseProcCgroup(_ s: String) -> [String: String] {
        // Split on the UTF-8 bytes: splitting on Characters breaks the whole file into grapheme
        // clusters first (it was ~6 % of `run`'s instructions before the clone).
        var out: [String: String] = [:]
        for line in s.utf8.split(separator: UInt8(ascii: "\n")) {
            let f = line.split(separator: UInt8(ascii: ":"), maxSplits: 2, omittingEmptySubsequences: false)
            guard f.count == 3 else { continue }
            let path = String(Substring(f[2]))
            if f[1].isEmpty { out[""] = path; continue }
            for c in f[1].split(separator: UInt8(ascii: ",")) { out[String(Substring(c))] = path }
        }
        return out
    }
}

/// Joins a hierarchy-relative cgroup path ("/a/b") and extra components into validated components.
func splitCgroupPath(_ p: String) -> [String] {
    p.byteSplit { $0 == UInt8(ascii: "/") }.filter { $0 != "." && $0 != ".." }.map(String.init)
}
