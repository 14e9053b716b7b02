import Cgroups

/// What `create` is about to make on the host, recorded in `<root>/<id>/intent.json` with one small
/// write right after the state directory is made and locked, before any cgroup, clone, mount or
/// hook. However `create` ends (an error, SIGKILL, a crash), `delete` finds here everything to
/// remove: the processes in the container's cgroups, those cgroups in every hierarchy, its resctrl
/// groups. Until state.json exists it also lets `state` and `list` show the half-made container.
/// (Mounts need no entry when the container has its own mount namespace, and idmapped mounts
/// are detached fds that die with the processes holding them; see hostRootfsBelowMountID.)
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
    /// Without a mount namespace in the config the rootfs is set up in the runtime's: the id of
    /// the mount at `rootfs` before create bound it onto itself; teardown detaches whatever is
    /// stacked above it (HostTeardown). nil: the container has a mount namespace of its own.
    public var hostRootfsBelowMountID: Int? = nil
    /// The systemd driver's unit (created after this record, by name): delete stops it.
    public var systemdUnit: String? = nil

    public init(bundle: String, rootfs: String, created: String, cgroupMode: CgroupMode?,
                cgroupPaths: [String: String]?, resctrlDirs: [String]?, hostRootfsBelowMountID: Int? = nil) {
        self.bundle = bundle
        self.rootfs = rootfs
        self.created = created
        self.cgroupMode = cgroupMode
        self.cgroupPaths = cgroupPaths
        self.resctrlDirs = resctrlDirs
        self.hostRootfsBelowMountID = hostRootfsBelowMountID
    }

    /// The cgroups the intent names, nil when it names none.
    var cgroup: CgroupManager? { ContainerCgroup.load(mode: cgroupMode, paths: cgroupPaths, systemdUnit: systemdUnit) }
}
