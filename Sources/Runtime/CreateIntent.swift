import Cgroups

/// What `create` is about to make on the host, recorded in `<root>/<id>/intent.json` with one small
/// write right after the state directory is made and locked, before any cgroup, clone, mount or
/// hook. However `create` ends (an error, SIGKILL, a crash), `delete` finds here everything to
/// remove: the processes in the container's cgroups, those cgroups in every hierarchy, its resctrl
/// groups. Until state.json exists it also lets `state` and `list` show the half-made container.
/// (Mounts need no entry: create makes them in the container's own mount namespace only, and
/// idmapped mounts are detached fds that die with the processes holding them.)
public struct CreateIntent: Codable, Sendable, Equatable {
    public var bundle: String
    public var rootfs: String
    /// The container's `created` timestamp (state.json reuses it).
    public var created: String
    public var cgroupMode: CgroupMode?
    /// The leaf per hierarchy, as `CgroupManager.paths` (all v1 hierarchies and unified on hybrid hosts).
    public var cgroupPaths: [String: String]?
    /// resctrl groups create may make (linux.intelRdt), deepest first; nil without intelRdt.
    public var resctrlDirs: [String]?

    public init(bundle: String, rootfs: String, created: String, cgroupMode: CgroupMode?,
                cgroupPaths: [String: String]?, resctrlDirs: [String]?) {
        self.bundle = bundle
        self.rootfs = rootfs
        self.created = created
        self.cgroupMode = cgroupMode
        self.cgroupPaths = cgroupPaths
        self.resctrlDirs = resctrlDirs
    }

    /// The cgroups the intent names, nil when it names none.
    var cgroup: CgroupManager? { ContainerCgroup.load(mode: cgroupMode, paths: cgroupPaths) }
}
