#if canImport(Glibc)
import Glibc
#endif
import Cgroups
import LinuxSys

/// Removes what a container has on the host outside its own namespaces: kills whatever still runs
/// in its cgroups (cgroup.kill where the kernel has it; on v1 the freezer holds the group still
/// while each pid is signalled), thaws them (a frozen process cannot die), removes them in every
/// hierarchy, then its resctrl groups. Used by `delete` and by a failing `create`; each step
/// tolerates what was never made.
enum HostTeardown {
    static func run(id: String, cgroup: CgroupManager?, resctrlDirs: [String]?,
                    log: Logger, hostRootfs: String? = nil, belowMountID: Int? = nil) throws {
        if let cg = cgroup {
            if let left = try? cg.pids(), !left.isEmpty { try? cg.kill(signal: SIGKILL) }
            if cg.isFrozen() { try? cg.thaw() }
            do { try cg.destroy() } catch {
                throw RuntimeError("container \(id): remove its cgroup \(cg.paths.values.sorted().first ?? "")", cause: error)
            }
        }
        if let rootfs = hostRootfs, let below = belowMountID { try unmountRootfs(id: id, rootfs, below: below) }
        for d in resctrlDirs ?? [] {
            if let e = FileIO.removeDirectory(d), e != .ENOENT {
                log.warn("container \(id): remove resctrl group: \(SysError("rmdir", d, errno: e.rawValue))")
            }
        }
    }

    /// A container without a mount namespace: its rootfs bind (and every mount below it) lives in
    /// the runtime's mount namespace. Lazily detach what is stacked on `rootfs` above the mount
    /// that was there before create (recorded first), so a create that died before binding, or
    /// the engine's own rootfs mount, is never touched.
    static func unmountRootfs(id: String, _ rootfs: String, below: Int) throws {
        for _ in 0..<8 {
            guard let top = topMountID(rootfs), top != below else { return }
            do { try sys("umount2", rootfs) { LinuxKernel().umount2(rootfs, Int32(MNT_DETACH)) } } catch {
                throw RuntimeError("container \(id): unmount its rootfs", cause: error)
            }
        }
    }
}
