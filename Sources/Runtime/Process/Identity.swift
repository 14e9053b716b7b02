#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// process.user: supplementary groups, gid, uid (in that order), keeping capabilities across
/// the uid change so the configured sets can be applied afterwards.
enum Identity {
    static func apply(_ user: User, setgroupsAllowed: Bool, kernel k: any Kernel) throws {
        _ = k.prctl(PR_SET_KEEPCAPS, 1)
        defer { _ = k.prctl(PR_SET_KEEPCAPS, 0) }
        if setgroupsAllowed {
            let groups = user.additionalGids ?? []
            if k.setgroups(groups) != 0 { throw RuntimeError("setgroups \(groups)", cause: SysError("setgroups", errno: errno)) }
        } else if let g = user.additionalGids, !g.isEmpty {
            throw RuntimeError("process.user.additionalGids: cannot set supplementary groups: setgroups is denied in this user namespace")
        }
        if k.setresgid(user.gid, user.gid, user.gid) != 0 {
            throw RuntimeError("setgid \(user.gid)", cause: SysError("setresgid", errno: errno))
        }
        if k.setresuid(user.uid, user.uid, user.uid) != 0 {
            throw RuntimeError("setuid \(user.uid)", cause: SysError("setresuid", errno: errno))
        }
    }

    /// Whether setgroups(2) is allowed in the caller's user namespace, from `self/setgroups` of
    /// a verified procfs (never a container's path: a fake "deny" would keep the runtime's own
    /// supplementary groups). Unreadable means allowed; setgroups then says if it is not.
    static func setgroupsAllowed(_ proc: ProcFS?) -> Bool {
        guard let proc else { return true }
        return (try? proc.readString("self/setgroups"))?.hasBytePrefix("allow") ?? true
    }

    /// HOME from the container's /etc/passwd when the config does not set it (as runc does).
    /// "/" when the file cannot be opened; an error when it is no regular file (a FIFO would block
    /// us for ever) or larger than maxPasswdSize, since the container controls it.
    static func home(uid: UInt32) throws -> String {
        let passwd: String
        do { passwd = try FileIO.readRegularString("/etc/passwd", limit: maxPasswdSize) } catch let e as FileError {
            throw RuntimeError("cannot look up HOME for uid \(uid) in the container's /etc/passwd", cause: e)
        } catch { return "/" }
        for line in passwd.split(separator: "\n") {
            let f = line.split(separator: ":", omittingEmptySubsequences: false)
            if f.count >= 6, UInt32(f[2]) == uid { return String(f[5]) }
        }
        return "/"
    }

    /// /etc/passwd larger than this is refused (the container controls it).
    static let maxPasswdSize = 16 << 20
}
