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
    static func run(id: String, cgroup: CgroupManager?, resctrlDirs: [String]?) throws {
        if let cg = cgroup {
            if let left = try? cg.pids(), !left.isEmpty { try? cg.kill(signal: SIGKILL) }
            if cg.isFrozen() { try? cg.thaw() }
            do { try cg.destroy() } catch {
                throw RuntimeError("container \(id): remove its cgroup \(cg.paths.values.sorted().first ?? "")", cause: error)
            }
        }
        for d in resctrlDirs ?? [] where rmdir(d) != 0 && errno != ENOENT {
            Log.warn("container \(id): remove resctrl group: \(SysError("rmdir", d))")
        }
    }
}
