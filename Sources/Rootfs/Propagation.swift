#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// Mount propagation of "/" and of the rootfs mount (config-linux.md "Rootfs Mount Propagation").
enum Propagation {
    /// First step: make every mount of the new namespace rslave (rprivate for "private" and
    /// "unbindable"), so nothing the container mounts propagates back to the host.
    static func isolateRoot(_ c: RootfsConfig) throws {
        let kind: UInt
        switch c.rootfsPropagation {
        case "private"?, "unbindable"?: kind = MS.private
        case nil, "slave"?, "shared"?: kind = MS.slave
        case let other?:
            throw RootfsError("rootfsPropagation \(other)", errno: EINVAL, detail: "unknown propagation")
        }
        let name = kind == MS.private ? "rprivate" : "rslave"
        try check("make / \(name)") { c.kernel.mount(nil, "/", nil, kind | MS.rec, nil) }
    }

    /// Bind the rootfs onto itself so it is a mount point (pivot_root needs one) and lookups
    /// below it see only what we mount there.
    static func bindRootfs(_ c: RootfsConfig) throws {
        try check("bind rootfs \(c.rootfs) onto itself") { c.kernel.mount(c.rootfs, c.rootfs, nil, MS.bind | MS.rec, nil) }
    }

    /// After pivot_root: "shared" gives the root mount a new peer group (still a slave of the
    /// host, so events never go back), "unbindable" makes it unbindable. Both are applied only now
    /// because pivot_root refuses a shared new root and an unbindable mount cannot be bound from.
    static func applyToRoot(_ c: RootfsConfig) throws {
        switch c.rootfsPropagation {
        case "shared"?: try check("make / shared") { c.kernel.mount(nil, "/", nil, MS.shared, nil) }
        case "unbindable"?: try check("make / unbindable") { c.kernel.mount(nil, "/", nil, MS.unbindable, nil) }
        case "slave"?, "private"?, nil: break  // done by isolateRoot
        case let other?:
            throw RootfsError("rootfsPropagation \(other)", errno: EINVAL, detail: "unknown propagation")
        }
    }
}
