#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// linux.uidMappings / gidMappings written to /proc/<pid>/{uid,gid}_map by the parent, through
/// a verified procfs. As an ordinary user (runc's rules): a map of the user's own id alone is
/// written directly (for gid_map after "deny" in setgroups, as the kernel requires); any other
/// map goes through newuidmap/newgidmap (Debian's uidmap), which allow the ranges of
/// /etc/subuid and /etc/subgid, and leave setgroups allowed.
enum IDMaps {
    static func write(pid: pid_t, linux: Linux?) throws {
        let um = linux?.uidMappings ?? [], gm = linux?.gidMappings ?? []
        if um.isEmpty && gm.isEmpty { return }
        let rootless = Credentials.euid != 0
        let uidDirect = !rootless || isOwn(um, id: Credentials.euid)
        let gidDirect = !rootless || isOwn(gm, id: Credentials.egid)
        do {
            try ProcFS.with { proc in
                if !um.isEmpty && uidDirect { try proc.write("\(pid)/uid_map", text(um)) }
                if !gm.isEmpty && gidDirect {
                    if rootless { try proc.write("\(pid)/setgroups", "deny") }
                    try proc.write("\(pid)/gid_map", text(gm))
                }
            }
        } catch {
            throw RuntimeError("linux.uidMappings/gidMappings: write id maps", cause: error)
        }
        if !um.isEmpty && !uidDirect { try runTool("newuidmap", pid: pid, um, field: "linux.uidMappings") }
        if !gm.isEmpty && !gidDirect { try runTool("newgidmap", pid: pid, gm, field: "linux.gidMappings") }
    }

    static func text(_ m: [LinuxIDMapping]) -> String {
        m.map { "\($0.containerID) \($0.hostID) \($0.size)\n" }.inlineJoined()
    }

    /// A single mapping of exactly the caller's id: what an unprivileged user may write itself.
    static func isOwn(_ m: [LinuxIDMapping], id: UInt32) -> Bool {
        m.count == 1 && m[0].hostID == id && m[0].size == 1
    }

    /// newuidmap PID ID HOSTID COUNT...; run as a hook would be (output captured, killed with us).
    static func runTool(_ name: String, pid: pid_t, _ m: [LinuxIDMapping], field: String) throws {
        guard let path = findTool(name) else {
            throw RuntimeError("\(field): mapping more than the user's own id needs \(name) (package uidmap), "
                               + "which is not in PATH", errno: ENOENT)
        }
        let args = [name, "\(pid)"] + m.flatMap { ["\($0.containerID)", "\($0.hostID)", "\($0.size)"] }
        do {
            try HookRunner.runOne(Hook(path: path, args: args, env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], timeout: 30),
                                  input: [], kept: true)
        } catch {
            throw RuntimeError("\(field): \(path) (the ranges allowed are the user's in /etc/sub\(name == "newuidmap" ? "uid" : "gid"))",
                               cause: error)
        }
    }

    static func findTool(_ name: String) -> String? {
        let path = getenv("PATH").map { String(cString: $0) } ?? ""
        for d in (path + ":/usr/bin:/usr/sbin:/bin").split(separator: ":") where d.hasBytePrefix("/") {
            let p = "\(d)/\(name)"
            if Credentials.mayAccess(p, X_OK) { return p }
        }
        return nil
    }
}
