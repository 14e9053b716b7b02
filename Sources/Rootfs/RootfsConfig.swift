import LinuxSys
import OCISpec

/// Everything the rootfs stage needs, extracted from the Spec once.
public struct RootfsConfig: Sendable {
    /// Absolute host path of the rootfs (root.path resolved against the bundle).
    public var rootfs: String
    public var bundle: String
    public var readonly: Bool
    public var mounts: [OCISpec.Mount]
    public var devices: [LinuxDevice]
    /// "shared", "slave", "private", "unbindable" or nil (then "/" is made rslave).
    public var rootfsPropagation: String?
    public var maskedPaths: [String]
    public var readonlyPaths: [String]
    public var mountLabel: String?
    public var terminal: Bool
    public var noPivot: Bool
    public var inNewUserNamespace: Bool
    public var newMountNamespace: Bool
    /// No mount namespace in the config: set up in the runtime's own (no propagation change of
    /// "/", chroot instead of pivot_root); the runtime unmounts the rootfs on delete.
    public var inRuntimeMountNamespace = false
    public var cgroupNamespace: Bool
    /// The container's cgroup directories on the host (controller → path, as the cgroup manager
    /// reports them): on cgroup v1 / hybrid hosts a `cgroup` mount shows these, per hierarchy.
    public var cgroupPaths: [String: String] = [:]
    /// True when the config creates (or joins) a network namespace; sysfs can only be mounted
    /// in a user namespace that owns the network namespace.
    public var networkNamespace: Bool
    /// True when the config creates a network namespace (one the container's user namespace owns).
    public var newNetworkNamespace: Bool
    public var ipcNamespace: Bool
    /// Host path of the pty slave to bind onto /dev/console (set by the runtime when
    /// process.terminal is true and it already holds the pty); nil leaves an empty /dev/console
    /// (created when `terminal`) for a later bind.
    public var consoleSlavePath: String? = nil
    /// Detached idmapped mounts the runtime made before clone3 (`IdmappedMounts.prepare`), keyed
    /// by index in `mounts`; needed when the init is in a new user namespace. The stage moves
    /// them into place and leaves the fds open (they are the runtime's).
    public var idmappedMountFDs: [Int: Int32] = [:]
    /// O_PATH fds of bind-mount sources the runtime opened on the host side (BindSources), keyed
    /// by index in `mounts`: a user-namespace init binds from /proc/self/fd/N. Left open.
    public var bindSourceFDs: [Int: Int32] = [:]
    /// linux.uidMappings/gidMappings: the maps of an idmapped mount that gives none of its own.
    public var containerUIDMappings: [LinuxIDMapping]?
    public var containerGIDMappings: [LinuxIDMapping]?
    /// Where the stage's syscalls go: the real kernel, or a `RecordingKernel` in unit tests.
    public var kernel: any Kernel = LinuxKernel()

    public init(spec: Spec, bundle: String, rootfs: String, noPivot: Bool, inNewUserNamespace: Bool,
                newMountNamespace: Bool, cgroupNamespace: Bool) {
        self.rootfs = rootfs
        self.bundle = bundle
        self.readonly = spec.root?.readonly ?? false
        self.mounts = spec.mounts ?? []
        self.devices = spec.linux?.devices ?? []
        // runc also takes the recursive spellings; the root mount is handled recursively anyway.
        switch spec.linux?.rootfsPropagation {
        case "rprivate"?: self.rootfsPropagation = "private"
        case "rslave"?: self.rootfsPropagation = "slave"
        case "rshared"?: self.rootfsPropagation = "shared"
        case "runbindable"?: self.rootfsPropagation = "unbindable"
        case let p: self.rootfsPropagation = p
        }
        self.maskedPaths = spec.linux?.maskedPaths ?? []
        self.readonlyPaths = spec.linux?.readonlyPaths ?? []
        let label = spec.linux?.mountLabel ?? ""
        self.mountLabel = label.isEmpty ? nil : label
        self.terminal = spec.process?.terminal ?? false
        self.noPivot = noPivot
        self.inNewUserNamespace = inNewUserNamespace
        self.newMountNamespace = newMountNamespace
        self.cgroupNamespace = cgroupNamespace
        let ns = spec.linux?.namespaces ?? []
        self.networkNamespace = ns.contains { $0.type == "network" }
        self.newNetworkNamespace = ns.contains { $0.type == "network" && ($0.path ?? "").isEmpty }
        self.ipcNamespace = ns.contains { $0.type == "ipc" }
        self.containerUIDMappings = spec.linux?.uidMappings
        self.containerGIDMappings = spec.linux?.gidMappings
    }

    /// A bind source path: absolute, or relative to the bundle.
    func hostPath(_ source: String) -> String {
        source.hasBytePrefix("/") ? source : bundle + "/" + source
    }

    /// Where mounts[index]'s bind source is reached: the runtime's fd of it, else its host path.
    func bindSource(_ index: Int, _ source: String) -> String {
        if let fd = bindSourceFDs[index] { return SafePath.procPath(fd) }
        return hostPath(source)
    }
}
