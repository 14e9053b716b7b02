#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// The container's root filesystem, set up from inside its init process (already in the new
/// mount namespace, and in its user namespace with maps written when it has one).
public enum Rootfs {
    /// Stage 1, before the createRuntime/createContainer hooks:
    /// "/" rslave (or rprivate), rootfs bound onto itself, `mounts` in order, devices (linux.devices
    /// plus the defaults), /dev symlinks and /dev/console, then a read-only /dev made read-only.
    public static func prepare(_ c: RootfsConfig) throws {
        try requireMountNamespace(c)
        // In the runtime's mount namespace "/" is the host's: its propagation is left alone.
        if !c.inRuntimeMountNamespace { try Propagation.isolateRoot(c) }
        try Propagation.bindRootfs(c)
        let rootFD = try openRoot(c)
        let stage = Stage(c, root: rootFD.rawValue)
        for (i, m) in c.mounts.enumerated() { try stage.apply(m, index: i) }
        try stage.createDevices()
        try stage.readonlyDev()
    }

    /// Stage 2, after the createContainer hooks: readonlyPaths, maskedPaths (both resolved in the
    /// rootfs before the switch, through /proc/self/fd of the host's procfs), pivot_root (or move +
    /// chroot with noPivot), the rootfs propagation that must follow the switch, and root.readonly.
    /// Leaves cwd at "/".
    public static func finalize(_ c: RootfsConfig) throws {
        try requireMountNamespace(c)
        if !c.readonlyPaths.isEmpty || !c.maskedPaths.isEmpty {
            let rootFD = try openRoot(c)
            let stage = Stage(c, root: rootFD.rawValue)
            try stage.readonlyPaths()
            try stage.maskPaths()
        }
        if c.inRuntimeMountNamespace { try PivotRoot.chrootOnly(c) }
        else if c.noPivot { try PivotRoot.moveRoot(c) } else { try PivotRoot.pivot(c) }
        if c.readonly {
            // mount_setattr changes only MOUNT_ATTR_RDONLY, so locked flags (user namespace) stay.
            try check("remount / read-only") { c.kernel.mountSetattr(AT_FDCWD, "/", 0, set: MountAttr.rdonly, clear: 0, propagation: 0, userns: 0) }
        }
        try Propagation.applyToRoot(c)
    }

    private static func requireMountNamespace(_ c: RootfsConfig) throws {
        if !c.newMountNamespace && !c.inRuntimeMountNamespace {
            throw RootfsError("set up rootfs \(c.rootfs)", errno: EINVAL,
                              detail: "a new mount namespace is required")
        }
    }

    private static func openRoot(_ c: RootfsConfig) throws -> FileDescriptor {
        try checkFD("open rootfs \(c.rootfs)") { c.kernel.open(c.rootfs, SafePath.O_PATH | O_DIRECTORY | O_CLOEXEC, 0) }
    }
}
