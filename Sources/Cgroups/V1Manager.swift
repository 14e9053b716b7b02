#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// cgroup v1 (legacy) and hybrid hosts: one leaf per mounted v1 hierarchy; on hybrid hosts also the
/// cgroup2 leaf ("unified"), which the container joins too and which serves cgroup.kill, cgroup.freeze
/// (when no v1 freezer is mounted), unified resources and controllers only cgroup2 offers (e.g. hugetlb).
public final class V1Manager: CgroupManager {
    struct Leaf {
        var controllers: [String]
        /// Mount point of the hierarchy ("" when rebuilt from stored paths).
        var mount: String
        var rel: [String]
        var path: String
    }

    public let mode: CgroupMode
    let leaves: [Leaf]
    let unified: V2Manager?
    /// Rootless: controllers whose hierarchy the user may not create or join (see Delegation);
    /// a limit for one of them fails with runc's wording.
    let dropped: Set<String>
    let fs = CgroupFS()

    init(mode: CgroupMode, leaves: [Leaf], unified: V2Manager?, dropped: Set<String> = []) {
        self.mode = mode
        self.leaves = leaves
        self.unified = unified
        self.dropped = dropped
    }

    public var paths: [String: String] {
        var p: [String: String] = [:]
        for l in leaves { for c in l.controllers { p[c] = l.path } }
        if let u = unified { p["unified"] = u.path }
        return p
    }

    func dir(_ controller: String) -> String? { leaves.first { $0.controllers.contains(controller) }?.path }

    func context(_ controller: String, for field: String, isUpdate: Bool) throws -> ApplyContext {
        guard let d = dir(controller) else {
            if dropped.contains(controller) {
                throw CgroupError("cannot set \(controller) limit (\(field)): container could not join or create cgroup")
            }
            throw CgroupError("cannot set \(field): the \(controller) cgroup controller is not mounted")
        }
        return ApplyContext(fs: fs, dir: d, available: [controller], isUpdate: isUpdate)
    }

    public func create() throws {
        for l in leaves {
            if l.mount.isEmpty {
                try fs.mkdirLeaf(mount: "", rel: splitCgroupPath(l.path))
            } else {
                try fs.mkdirLeaf(mount: l.mount, rel: l.rel)
            }
            if l.controllers.contains("cpuset") {
                // Every level below the mount, top-down, including ones that already existed.
                var levels: [String] = []
                var cur = l.mount
                for c in l.rel where !l.mount.isEmpty { cur += "/" + c; levels.append(cur) }
                if l.mount.isEmpty { levels = [l.path] }
                try V1CPUSet.inheritFromParent(fs, levels)
            }
        }
        try unified?.create()
    }

    public func cloneIntoFD() throws -> Int32? { nil }

    public func addProcess(_ pid: Int32) throws {
        for l in leaves { try fs.addProcess(l.path, pid) }
        try unified?.addProcess(pid)
    }

    public func apply(_ r: LinuxResources) throws -> [String] { try set(r, isUpdate: false) }
    public func update(_ r: LinuxResources) throws -> [String] { try set(r, isUpdate: true) }

    func set(_ r: LinuxResources, isUpdate u: Bool) throws -> [String] {
        var warnings: [String] = []
        func run(_ controller: String, _ field: String, _ body: (inout ApplyContext) throws -> Void) throws {
            var ctx = try context(controller, for: field, isUpdate: u)
            try body(&ctx)
            warnings += ctx.warnings
        }
        if let c = r.cpu, V1CPUSet.wanted(c) { try run("cpuset", "linux.resources.cpu.cpus/mems") { try V1CPUSet.apply(c, &$0) } }
        if let d = r.devices { try run("devices", "linux.resources.devices") { try V1Devices.apply(d, &$0) } }
        if let m = r.memory, V1Memory.wanted(m) { try run("memory", "linux.resources.memory") { try V1Memory.apply(m, &$0) } }
        if let c = r.cpu, V1CPU.wanted(c) { try run("cpu", "linux.resources.cpu") { try V1CPU.apply(c, &$0) } }
        if let p = r.pids { try run("pids", "linux.resources.pids") { try V1Pids.apply(p, &$0) } }
        if let b = r.blockIO, V1Blkio.wanted(b) { try run("blkio", "linux.resources.blockIO") { try V1Blkio.apply(b, &$0) } }
        if let h = r.hugepageLimits, !h.isEmpty {
            if dir("hugetlb") == nil, let un = unified {
                // Hybrid host whose hugetlb controller lives only in the cgroup2 tree.
                var ctx = ApplyContext(fs: fs, dir: un.path, available: Set(fs.readWords(un.path, "cgroup.controllers")), isUpdate: u)
                try V2Hugetlb.apply(h, &ctx)
                warnings += ctx.warnings
            } else {
                try run("hugetlb", "linux.resources.hugepageLimits") { try V1Hugetlb.apply(h, &$0) }
            }
        }
        if let n = r.network {
            if let id = n.classID { try run("net_cls", "linux.resources.network.classID") { try V1NetCls.apply(id, &$0) } }
            if let p = n.priorities, !p.isEmpty { try run("net_prio", "linux.resources.network.priorities") { try V1NetPrio.apply(p, &$0) } }
        }
        if let rd = r.rdma, !rd.isEmpty { try run("rdma", "linux.resources.rdma") { try V1RDMA.apply(rd, &$0) } }
        if let un = r.unified, !un.isEmpty {
            guard let v2 = unified else {
                if dropped.contains("unified") {
                    throw CgroupError("cannot set linux.resources.unified: container could not join or create cgroup")
                }
                throw CgroupError("linux.resources.unified requires cgroup v2, but this host uses cgroup v1 only")
            }
            var only = LinuxResources()
            only.unified = un
            warnings += try v2.set(only, isUpdate: u)
        }
        return warnings
    }

    public func freeze() throws {
        if let d = dir("freezer") { try V1Freezer.freeze(fs, d) }
        else if let un = unified { try un.freeze() }
        else { throw CgroupError("cannot freeze: no freezer cgroup controller is mounted") }
    }

    public func thaw() throws {
        if let d = dir("freezer") { try V1Freezer.thaw(fs, d) }
        else if let un = unified { try un.thaw() }
        else { throw CgroupError("cannot thaw: no freezer cgroup controller is mounted") }
    }

    public func isFrozen() -> Bool {
        if let d = dir("freezer") { return V1Freezer.isFrozen(fs, d) }
        return unified?.isFrozen() ?? false
    }

    public func pids() throws -> [Int32] {
        for c in ["pids", "freezer", "memory", "cpu", "devices"] { if let d = dir(c) { return try fs.pidsRecursive(d) } }
        if let l = leaves.first { return try fs.pidsRecursive(l.path) }
        if let un = unified { return try un.pids() }
        return []
    }

    public func occupancy() -> CgroupOccupancy {
        var o = CgroupOccupancy()
        var seen = Set<String>()
        for l in leaves where seen.insert(l.path).inserted {
            if FileIO.isDirectory(l.path) { o.add(pids: (try? fs.pidsRecursive(l.path)) ?? [], in: l.path) }
            guard l.controllers.contains("freezer") else { continue }
            // A child of a frozen v1 freezer cgroup reads FROZEN too.
            let d = l.mount.isEmpty ? l.path : nearestExisting(mount: l.mount, rel: l.rel)
            if let s = fs.readOptional(d, "freezer.state"), s == "FROZEN" || s == "FREEZING" { o.frozen = d }
        }
        if let un = unified {
            let u = un.occupancy()
            if let d = u.firstOccupied { o.add(pids: u.pids, in: d) }
            if o.frozen == nil { o.frozen = u.frozen }
        }
        return o
    }

    public func kill(signal: Int32) throws {
        if signal == SIGKILL, let un = unified, fs.exists(un.path, "cgroup.kill") {
            try un.kill(signal: SIGKILL)
            return
        }
        let hasFreezer = dir("freezer") != nil
        let wasFrozen = isFrozen()
        // Freeze so that no process forks while we signal (as runc does on v1).
        if hasFreezer && !wasFrozen { try? freeze() }
        let list = try pids()
        for p in list { try signalProcess(p, signal) }
        if hasFreezer && (!wasFrozen || signal == SIGKILL) { try? thaw() }
        if signal == SIGKILL { try signalEach(signal: SIGKILL, pids: { try self.pids() }) }
    }

    public func stats() throws -> CgroupStats {
        var s = CgroupStats()
        if let d = dir("cpu") { V1CPU.stats(fs, d, &s) }
        if let d = dir("cpuacct") { V1CPUAcct.stats(fs, d, &s) }
        if let d = dir("cpuset") { V1CPUSet.stats(fs, d, &s) }
        if let d = dir("memory") { V1Memory.stats(fs, d, &s) }
        if let d = dir("pids") { V1Pids.stats(fs, d, &s) }
        if let d = dir("blkio") { V1Blkio.stats(fs, d, &s) }
        if let d = dir("hugetlb") { V1Hugetlb.stats(fs, d, &s) }
        else if let un = unified { V2Hugetlb.stats(fs, un.path, &s) }
        return s
    }

    public func oomKillCount() -> UInt64 {
        guard let d = dir("memory") else { return 0 }
        return fs.readKeyedMap(d, "memory.oom_control")["oom_kill"] ?? 0
    }

    public func destroy() throws {
        var firstError: Error?
        var done = Set<String>()
        for l in leaves where !done.contains(l.path) {
            done.insert(l.path)
            do { try fs.removeTree(l.path) } catch { if firstError == nil { firstError = error } }
        }
        do { try unified?.destroy() } catch { if firstError == nil { firstError = error } }
        if let e = firstError { throw e }
    }
}
