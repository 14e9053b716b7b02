import LinuxSys
import OCISpec

/// One container's cgroup(s): a v2 leaf, or a leaf per v1 hierarchy (plus the cgroup2 leaf on hybrid hosts).
public protocol CgroupManager: AnyObject {
    var mode: CgroupMode { get }
    /// Absolute filesystem paths per controller ("" for the v2 leaf on unified hosts, "unified" for the
    /// cgroup2 leaf on hybrid hosts, controller names such as "memory" or "name=systemd" for v1).
    /// Store them in the container state and rebuild with `Cgroups.manager(paths:root:mode:)`.
    var paths: [String: String] { get }
    /// mkdir the cgroup(s). v2: enables every available controller in each ancestor's
    /// cgroup.subtree_control (best effort: an ancestor holding processes keeps its controllers off,
    /// and `apply` then reports the missing controller). Never moves processes.
    func create() throws
    /// An O_RDONLY|O_DIRECTORY|O_CLOEXEC fd of the v2 leaf for clone3(CLONE_INTO_CGROUP) on unified hosts;
    /// nil on hybrid/legacy hosts, where the caller uses `addProcess` (which also joins the cgroup2 leaf).
    func cloneIntoFD() throws -> Int32?
    /// Writes `pid` to cgroup.procs of every leaf.
    func addProcess(_ pid: Int32) throws
    /// See the extension's default: `addProcess`, warnings.
    func addInit(_ pid: Int32) throws -> [String]
    /// Applies every linux.resources field; returns warnings for settings without an equivalent.
    func apply(_ r: LinuxResources) throws -> [String]
    /// Like apply, for `update`: fields left nil are left untouched.
    func update(_ r: LinuxResources) throws -> [String]
    /// Freezes and waits until the kernel reports the cgroup frozen.
    func freeze() throws
    func thaw() throws
    func isFrozen() -> Bool
    /// Every pid in the cgroup, including sub-cgroups.
    func pids() throws -> [Int32]
    /// Before `create`: what is already there, in every hierarchy the container uses (see Occupancy).
    func occupancy() -> CgroupOccupancy
    /// Signals every process. SIGKILL uses cgroup.kill on v2 (and on the hybrid cgroup2 leaf), otherwise
    /// it signals each pid until none is left (up to ~1 s).
    func kill(signal: Int32) throws
    func stats() throws -> CgroupStats
    /// Number of OOM kills (v2 memory.events oom_kill, v1 memory.oom_control oom_kill); 0 when unknown.
    func oomKillCount() -> UInt64
    /// rmdir of the leaf (and its sub-cgroups) in every hierarchy, retrying EBUSY for ~1 s; ENOENT is fine.
    func destroy() throws
}

extension CgroupManager {
    /// Puts create's init in the cgroup(s) after clone, when `cloneIntoFD` gave no fd; returns
    /// warnings. The systemd driver starts the container's unit here (SystemdManager).
    public func addInit(_ pid: Int32) throws -> [String] {
        try addProcess(pid)
        return []
    }
}

/// What a container's cgroups hold before it is created: processes already in a leaf (or below it)
/// and a freezer that would freeze its init: the leaf's own, or the state the nearest existing
/// ancestor passes on to a new leaf.
public struct CgroupOccupancy: Equatable, Sendable {
    /// Distinct pids over all hierarchies, in the order found, and the first directory holding one.
    /// (An array: a Set<Int32> costs create a protocol-conformance scan of the whole binary.)
    public var pids: [Int32] = []
    public var firstOccupied: String?
    /// The frozen (or freezing) directory, if any.
    public var frozen: String?

    public init() {}

    mutating func add(pids p: [Int32], in dir: String) {
        if !p.isEmpty && firstOccupied == nil { firstOccupied = dir }
        for x in p where !pids.contains(x) { pids.append(x) }
    }
}

/// `dir`, or its nearest existing ancestor, stopping at `mount` (the hierarchy's root).
func nearestExisting(mount: String, rel: [String]) -> String {
    var comps = rel
    while !comps.isEmpty && !FileIO.isDirectory(mount + "/" + joinPath(comps)) { comps.removeLast() }
    return comps.isEmpty ? mount : mount + "/" + joinPath(comps)
}

/// `parts` joined by "/" (inlineJoined: the standard library's joined costs a conformance scan).
func joinPath(_ parts: [String]) -> String { parts.inlineJoined(separator: "/") }
