#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// The last steps before the user program, shared by the container init and `exec`:
/// environment, umask, fd hygiene, LSM label and process attributes, the Landlock domain, the
/// late seccomp filter, then execve. Only returns by throwing.
enum Launch {
    /// `proc`: a verified procfs for the LSM attribute writes (exec passes the host's; nil: the
    /// /proc seen now). It is closed before any path of the container's is resolved.
    static func exec(_ p: OCISpec.Process, linux: Linux?, preserveFDs: Int32, preserved: [Int32], seccomp: SeccompPlan?,
                     state: @autoclosure () -> State, hostPid: Int32, proc: ProcFS? = nil,
                     landlock: consuming LandlockRuleset? = nil, privilegedApplied: Bool) throws -> Never {
        try LSM.apply(process: p, linux: linux, proc: proc)
        // No host fd may be open while args[0] and PATH, which the image controls, are resolved
        // (a PATH through /proc/self/fd/N of the host's procfs would reach the host's binaries).
        proc?.close()
        let args = p.args ?? []
        let path = try PathLookup.find(args[0], env: p.env ?? [])
        let env = try environment(p, preserveFDs: preserveFDs)
        ProcessControl.umask(mode_t(p.user.umask ?? 0o022))
        // Only fds 0-2 and the preserved ones survive exec: never a runtime fd that happens to sit
        // in 3..<3+preserveFDs when the caller passed fewer.
        try FDTable.inheritOnly(preserved)
        try ProcessAttributes.applyBeforeExec(process: p, linux: linux, privilegedApplied: privilegedApplied)
        // Landlock after everything that writes to /proc (LSM labels, attributes), and before
        // seccomp, so a filter that denies the landlock_* syscalls cannot stop the container.
        // no_new_privs (or CAP_SYS_ADMIN) is already in place: LandlockValidator requires it.
        if let ruleset = landlock.take() { try ruleset.enforce() }
        // As late as possible: after this only execve runs.
        if let sc = seccomp, !sc.installEarly { try sc.install(state: state(), hostPid: hostPid) }
        let e = Proc.exec(path: path, args: args, env: env)
        throw RuntimeError("unable to start container process: exec: \"\(args[0])\": \(Errno.describe(e.errno))", errno: e.errno)
    }

    /// process.env, each variable once, plus HOME from the container's /etc/passwd when unset or
    /// empty (as runc: see Environment), plus LISTEN_FDS/LISTEN_PID for `--preserve-fds`
    /// (socket activation). Throws when the container's /etc/passwd is not a regular file.
    static func environment(_ p: OCISpec.Process, preserveFDs: Int32) throws -> [String] {
        var env = try Environment.withHome(Environment.deduplicated(p.env ?? [])) { try Identity.home(uid: p.user.uid) }
        if preserveFDs > 0 {
            env.removeAll { $0.hasBytePrefix("LISTEN_FDS=") || $0.hasBytePrefix("LISTEN_PID=") }
            env.append("LISTEN_FDS=\(preserveFDs)")
            env.append("LISTEN_PID=\(Proc.currentPID)")
        }
        return env
    }
}
