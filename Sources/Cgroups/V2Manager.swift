#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// A cgroup v2 leaf: the container's cgroup on unified hosts, or the cgroup2 ("unified") leaf on hybrid
/// hosts, where the same code serves freeze/kill/procs and the controllers v1 does not mount.
public final class V2Manager: CgroupManager {
    public let mode: CgroupMode
    /// The cgroup2 mount point (the walk that enables controllers starts here).
    let mount: String
    /// Components below the mount.
    let rel: [String]
    /// Key in `paths`: "" on unified hosts, "unified" on hybrid ones.
    let key: String
    let fs = CgroupFS()

    init(mount: String, rel: [String], key: String = "", mode: CgroupMode = .unified) {
        self.mount = mount
        self.rel = rel
        self.key = key
        self.mode = mode
    }

    /// Rebuild from a stored absolute path.
    convenience init(path: String, mount: String, key: String, mode: CgroupMode) {
        let rel = path.hasBytePrefix(mount + "/") ? splitCgroupPath(String(path.dropFirst(mount.count))) : splitCgroupPath(path)
        self.init(mount: path.hasBytePrefix(mount + "/") ? mount : "", rel: rel, key: key, mode: mode)
    }

    public var path: String { rel.isEmpty ? mount : mount + "/" + joinPath(rel) }
    public var paths: [String: String] { [key: path] }

    public func create() throws {
        var cur = mount
        for c in rel {
            enableControllers(in: cur)
            cur += "/" + c
            do {
                try FileSystem.mkdir(cur, mode: 0o755)
            } catch let e as SysError {
                throw CgroupError(op: "mkdir", file: c, dir: String(cur.dropLast(c.count + 1)), errno: e.errno)
            }
        }
    }

    /// Enables in `dir`'s cgroup.subtree_control every controller of its cgroup.controllers (all at once,
    /// then one by one). Failures are left for `apply` to report: a non-root cgroup holding processes
    /// cannot enable domain controllers for its children, and we never move processes to make room.
    func enableControllers(in dir: String) {
        let available = fs.readWords(dir, "cgroup.controllers")
        let enabled = Set(fs.readWords(dir, "cgroup.subtree_control"))
        let missing = available.filter { !enabled.contains($0) }
        if missing.isEmpty { return }
        if (try? fs.write(dir, "cgroup.subtree_control", missing.map { "+" + $0 }.inlineJoined(separator: " "))) != nil { return }
        for c in missing { _ = try? fs.write(dir, "cgroup.subtree_control", "+" + c) }
    }

    public func cloneIntoFD() throws -> Int32? {
        let p = path
        do {
            return try FileSystem.openDirectory(p)
        } catch let e as SysError {
            throw CgroupError("open \(p): \(Errno.describe(e.errno))", errno: e.errno)
        }
    }

    public func addProcess(_ pid: Int32) throws { try fs.addProcess(path, pid) }

    public func apply(_ r: LinuxResources) throws -> [String] { try set(r, isUpdate: false) }
    public func update(_ r: LinuxResources) throws -> [String] { try set(r, isUpdate: true) }

    func set(_ r: LinuxResources, isUpdate: Bool) throws -> [String] {
        var ctx = ApplyContext(fs: fs, dir: path, available: Set(fs.readWords(path, "cgroup.controllers")), isUpdate: isUpdate)
        if let c = r.cpu { try V2CPUSet.apply(c, &ctx); try V2CPU.apply(c, &ctx) }
        if let m = r.memory { try V2Memory.apply(m, &ctx) }
        if let p = r.pids { try V2Pids.apply(p, &ctx) }
        if let b = r.blockIO { try V2IO.apply(b, &ctx) }
        if let h = r.hugepageLimits, !h.isEmpty { try V2Hugetlb.apply(h, &ctx) }
        if let rd = r.rdma, !rd.isEmpty { try V2RDMA.apply(rd, &ctx) }
        if let n = r.network, n.classID != nil || !(n.priorities ?? []).isEmpty {
            ctx.warn("linux.resources.network is not supported on cgroup v2 (net_cls/net_prio are v1 only); ignored")
        }
        if let d = r.devices { try V2Devices.apply(d, &ctx) }
        if let u = r.unified, !u.isEmpty { try V2Unified.apply(u, &ctx) }
        return ctx.warnings
    }

    public func freeze() throws { try V2Freezer.freeze(fs, path) }
    public func thaw() throws { try V2Freezer.thaw(fs, path) }
    public func isFrozen() -> Bool { V2Freezer.isFrozen(fs, path) }

    public func pids() throws -> [Int32] { try fs.pidsRecursive(path) }

    public func occupancy() -> CgroupOccupancy {
        var o = CgroupOccupancy()
        if FileIO.isDirectory(path) { o.add(pids: (try? fs.pidsRecursive(path)) ?? [], in: path) }
        // A new leaf inherits its parent's freeze: look at the nearest one that exists.
        let d = mount.isEmpty ? path : nearestExisting(mount: mount, rel: rel)
        if fs.readOptional(d, "cgroup.freeze") == "1" || fs.readKeyedMap(d, "cgroup.events")["frozen"] == 1 {
            o.frozen = d
        }
        return o
    }

    public func kill(signal: Int32) throws {
        if signal == SIGKILL && fs.exists(path, "cgroup.kill") {
            try fs.write(path, "cgroup.kill", "1")
            return
        }
        try signalEach(signal: signal, pids: { try self.pids() })
    }

    public func stats() throws -> CgroupStats {
        var s = CgroupStats()
        V2CPU.stats(fs, path, &s)
        V2CPUSet.stats(fs, path, &s)
        V2Memory.stats(fs, path, &s)
        V2Pids.stats(fs, path, &s)
        V2IO.stats(fs, path, &s)
        V2Hugetlb.stats(fs, path, &s)
        return s
    }

    public func oomKillCount() -> UInt64 { fs.readKeyedMap(path, "memory.events")["oom_kill"] ?? 0 }

    public func destroy() throws { try fs.removeTree(path) }
}

/// Sends `signal` to every pid; for SIGKILL repeats until no live (non-zombie) process is left or ~1 s.
func signalEach(signal: Int32, pids: () throws -> [Int32]) throws {
    var rounds = 0
    while true {
        let list = try pids().filter { Proc.isAlive($0, startTime: nil) }
        if list.isEmpty { return }
        for p in list { try signalProcess(p, signal) }
        if signal != SIGKILL || rounds >= 100 { return }
        rounds += 1
        Proc.sleep(microseconds: 10_000)
    }
}

/// kill(2) of one process of the cgroup; one already gone is not an error.
func signalProcess(_ pid: Int32, _ signal: Int32) throws {
    do {
        try Proc.kill(pid, signal)
    } catch let e as SysError {
        throw CgroupError("kill pid \(pid): \(Errno.describe(e.errno))", errno: e.errno)
    }
}
