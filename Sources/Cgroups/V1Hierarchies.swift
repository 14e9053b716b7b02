#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// A mounted cgroup v1 hierarchy: its controllers (e.g. ["cpu", "cpuacct"] or ["name=systemd"]),
/// mount point, and the cgroup path that the mount shows at its root (usually "/").
struct V1Hierarchy: Equatable {
    var controllers: [String]
    var mountPoint: String
    var mountRoot: String
}

/// The v1 controllers the runtime creates a leaf for (plus the name=systemd hierarchy, as runc joins it).
let knownV1Controllers: Set<String> = [
    "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "hugetlb",
    "net_cls", "net_prio", "perf_event", "rdma", "misc", "name=systemd",
]

enum Mountinfo {
    /// cgroup (v1) and cgroup2 mounts below `root` from mountinfo text.
    static func cgroupMounts(_ text: String, under root: String) -> (v1: [V1Hierarchy], cgroup2: [String]) {
        var v1: [V1Hierarchy] = []
        var v2: [String] = []
        // A host with many containers has hundreds of mounts: only lines whose filesystem type
        // starts with "cgroup" (after the " - " separator) are split into fields.
        let marker = Array(" - cgroup".utf8)
        for raw in text.utf8.split(separator: UInt8(ascii: "\n")) {
            guard contains(raw, marker) else { continue }
            let line = String(decoding: raw, as: UTF8.self)
            let f = line.split(separator: " ").map(String.init)
            guard let dash = f.firstIndex(of: "-"), dash >= 6, f.count >= dash + 4 else { continue }
            let fstype = f[dash + 1]
            let mountRoot = unescape(f[3])
            let mountPoint = unescape(f[4])
            guard mountPoint.hasBytePrefix(root + "/") || mountPoint == root else { continue }
            if fstype == "cgroup2" {
                v2.append(mountPoint)
            } else if fstype == "cgroup" {
                let ctrls = f[dash + 3].split(separator: ",").map(String.init).filter { knownV1Controllers.contains($0) }
                if ctrls.isEmpty { continue }
                if v1.contains(where: { $0.controllers == ctrls }) { continue } // bind mount of the same hierarchy
                v1.append(V1Hierarchy(controllers: ctrls, mountPoint: mountPoint, mountRoot: mountRoot))
            }
        }
        return (v1, v2)
    }

    static func contains(_ hay: Substring.UTF8View, _ needle: [UInt8]) -> Bool {
        var i = hay.startIndex
        while i != hay.endIndex {
            var j = i, k = 0
            while k < needle.count, j != hay.endIndex, hay[j] == needle[k] { j = hay.index(after: j); k += 1 }
            if k == needle.count { return true }
            i = hay.index(after: i)
        }
        return false
    }

    /// Decodes mountinfo's octal escapes (\040 for a space).
    static func unescape(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out: [UInt8] = []
        let b = Array(s.utf8)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "\\"), i + 3 < b.count,
               let v = UInt8(String(decoding: b[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
                out.append(v); i += 4
            } else {
                out.append(b[i]); i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Cgroups {
    /// v1 hierarchies and the cgroup2 mount (hybrid) below `root`. From /proc/self/mountinfo; when no
    /// cgroup mount lies below `root` (a test directory standing in for cgroupfs), each directory of
    /// `root` is taken as a hierarchy named after its controllers ("cpu,cpuacct", "memory", ...) and
    /// "unified" as the cgroup2 mount.
    static func hierarchies(root: String, mountinfo: String = "/proc/self/mountinfo") -> (v1: [V1Hierarchy], unified: String?) {
        if let text = try? FileIO.readString(mountinfo) {
            let m = Mountinfo.cgroupMounts(text, under: root)
            if !m.v1.isEmpty || !m.cgroup2.isEmpty {
                return (m.v1, m.cgroup2.first(where: { $0 != root }))
            }
        }
        var v1: [V1Hierarchy] = []
        var unified: String?
        for name in FileIO.listDirectory(root) {
            guard FileSystem.isDirectoryNoFollow(root + "/" + name) else { continue }
            if name == "unified" { unified = root + "/" + name; continue }
            let ctrls = name.split(separator: ",").map(String.init).filter { knownV1Controllers.contains($0) }
            if !ctrls.isEmpty { v1.append(V1Hierarchy(controllers: ctrls, mountPoint: root + "/" + name, mountRoot: "/")) }
        }
        return (v1, unified)
    }
}
