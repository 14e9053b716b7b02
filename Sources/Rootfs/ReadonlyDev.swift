#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// A read-only /dev (a `/dev` mount with "ro", not a bind): mounted read-write first, so the
/// mounts under it (/dev/pts, /dev/shm, ...) get their directories and the devices, /dev
/// symlinks and /dev/console can be created, then made read-only once they exist, as runc does.
extension Stage {
    /// True for the /dev filesystem mount whose "ro" is deferred.
    static func defersReadonly(_ m: OCISpec.Mount, _ plan: MountPlan) -> Bool {
        SafePath.components(m.destination) == ["dev"] && !plan.isBind && plan.flags & MS.rdonly != 0
    }

    /// After the devices: the last /dev mount decides, as it is the one on top.
    func readonlyDev() throws {
        guard let m = c.mounts.last(where: { SafePath.components($0.destination) == ["dev"] }),
              Self.defersReadonly(m, MountPlan.parse(m.options ?? [])) else { return }
        let dev = try resolve("/dev")
        try check("remount /dev read-only \(inRootfs)") {
            k.mountSetattr(dev.rawValue, "", UInt32(AT_EMPTY_PATH_), set: MountAttr.rdonly, clear: 0, propagation: 0, userns: 0)
        }
    }
}
