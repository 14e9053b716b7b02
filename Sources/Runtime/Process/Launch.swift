#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// The last steps before the user program, shared by the container init and `exec`:
/// environment, umask, fd hygiene, LSM label and process attributes, the late seccomp filter,
/// then execve. Only returns by throwing.
enum Launch {
    static func exec(_ p: OCISpec.Process, linux: Linux?, preserveFDs: Int32, seccomp: SeccompPlan?,
                     state: @autoclosure () -> State, hostPid: Int32) throws -> Never {
        let args = p.args ?? []
        let path = try PathLookup.find(args[0], env: p.env ?? [])
        let env = try environment(p, preserveFDs: preserveFDs)
        umask(mode_t(p.user.umask ?? 0o022))
        // Only fds 0-2 and the preserved ones survive exec.
        for fd in 3..<(3 + preserveFDs) { _ = try? FileIO.setCloexec(fd, false) }
        Proc.cloexecFrom(3 + preserveFDs)
        try LSM.apply(process: p, linux: linux)
        try ProcessAttributes.applyBeforeExec(process: p, linux: linux)
        // As late as possible: after this only execve runs.
        if let sc = seccomp, !sc.installEarly { try sc.install(state: state(), hostPid: hostPid) }
        let e = Proc.exec(path: path, args: args, env: env)
        throw RuntimeError("unable to start container process: exec: \"\(args[0])\": \(Errno.describe(e.errno))", errno: e.errno)
    }

    /// process.env, plus HOME from the container's /etc/passwd when unset (as runc), plus
    /// LISTEN_FDS/LISTEN_PID for `--preserve-fds` (socket activation).
    static func environment(_ p: OCISpec.Process, preserveFDs: Int32) throws -> [String] {
        var env = p.env ?? []
        if !env.contains(where: { $0.hasPrefix("HOME=") }) { env.append("HOME=" + (try Identity.home(uid: p.user.uid))) }
        if preserveFDs > 0 {
            env.removeAll { $0.hasPrefix("LISTEN_FDS=") || $0.hasPrefix("LISTEN_PID=") }
            env.append("LISTEN_FDS=\(preserveFDs)")
            env.append("LISTEN_PID=\(getpid())")
        }
        return env
    }
}
