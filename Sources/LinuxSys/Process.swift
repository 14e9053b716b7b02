#if canImport(Glibc)
import Glibc
#endif
import CShim

/// Process primitives: clone3, pidfds, wait, /proc/<pid>/stat.
public enum Proc {
    /// clone3 without CLONE_VM: returns 0 in the child, the child's pid in the parent.
    /// The parent also gets a pidfd for the child.
    public static func clone3(flags: UInt64, cgroupFD: Int32 = -1) throws -> (pid: pid_t, pidfd: Int32) {
        var pidfd: Int32 = -1
        let pid = sr_clone3(flags, &pidfd, cgroupFD)
        if pid < 0 { throw SysError("clone3", "flags 0x\(String(flags, radix: 16))") }
        return (pid, pidfd)
    }

    /// This process's pid (getpid(2)).
    public static var currentPID: pid_t { getpid() }

    public static func pidfdOpen(_ pid: pid_t) throws -> Int32 {
        try sys("pidfd_open", "pid \(pid)") { sr_pidfd_open(pid, 0) }
    }

    public static func signal(pidfd: Int32, _ sig: Int32) throws {
        try sys("pidfd_send_signal", "signal \(sig)") { sr_pidfd_send_signal(pidfd, sig, 0) }
    }

    public enum ExitStatus: Equatable, Sendable {
        case exited(Int32)
        case signaled(Int32)
        /// Shell-style code: the exit status, or 128+signal.
        public var code: Int32 {
            switch self {
            case .exited(let c): return c
            case .signaled(let s): return 128 + s
            }
        }
    }

    public static func decode(status: Int32) -> ExitStatus {
        if sr_wifsignaled(status) != 0 { return .signaled(sr_wtermsig(status)) }
        return .exited(sr_wexitstatus(status))
    }

    /// waitpid that retries on EINTR. Returns nil with WNOHANG when the child has not exited.
    public static func wait(_ pid: pid_t, noHang: Bool = false) throws -> ExitStatus? {
        var status: Int32 = 0
        let r = try sys("waitpid", "pid \(pid)") { waitpid(pid, &status, noHang ? WNOHANG : 0) }
        if r == 0 { return nil }
        return decode(status: status)
    }

    /// Makes this process the child subreaper (PR_SET_CHILD_SUBREAPER): orphaned descendants are
    /// reparented to it instead of to the pid namespace's init.
    public static func becomeSubreaper() throws {
        try sys("prctl(PR_SET_CHILD_SUBREAPER)") { sr_prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) }
    }

    /// Reaps one exited child of any pid without blocking: its pid and status, or nil when none
    /// has exited (or there are no children).
    public static func reapAny() -> (pid: pid_t, status: ExitStatus)? {
        var status: Int32 = 0
        let r = waitpid(-1, &status, WNOHANG)
        return r > 0 ? (r, decode(status: status)) : nil
    }

    /// The start time (field 22 of /proc/<pid>/stat, in clock ticks since boot), used to tell a
    /// container process from a recycled PID. nil when the process does not exist.
    public static func startTime(_ pid: pid_t) -> UInt64? { ProcStat.read(pid)?.startTime }

    /// True when `pid` exists, is not a zombie, and started at `startTime` (when given).
    public static func isAlive(_ pid: pid_t, startTime: UInt64?) -> Bool {
        guard pid > 0, let st = ProcStat.read(pid), !st.isDead else { return false }
        if let want = startTime, let have = st.startTime, have != want { return false }
        return true
    }

    /// The process's argument count and vector as the kernel passed them (argv[argc] is NULL):
    /// kept by the C shim at start-up, so reading them runs none of CommandLine's lazy set-up
    /// (CommandLine's only when the C library did not pass them to the shim).
    public static var argc: Int { sr_argv() != nil ? Int(sr_argc()) : Int(CommandLine.argc) }
    public static var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> { sr_argv() ?? CommandLine.unsafeArgv }

    /// argv[1...] as Strings (invalid UTF-8 repaired, as CommandLine.arguments does).
    public static func arguments() -> [String] {
        let v = argv
        var out: [String] = []
        out.reserveCapacity(max(argc - 1, 0))
        var i = 1
        while i < argc, let p = v[i] {
            out.append(String(decoding: UnsafeRawBufferPointer(start: p, count: strlen(p)), as: UTF8.self))
            i += 1
        }
        return out
    }

    /// Marks every fd >= `from` close-on-exec.
    public static func cloexecFrom(_ from: Int32) {
        // CLOSE_RANGE_CLOEXEC = 1 << 2
        if sr_close_range(UInt32(from), UInt32.max, 4) == 0 { return }
        for name in FileIO.listDirectory("/proc/self/fd") {
            if let fd = Int32(name), fd >= from { _ = sr_fcntl_int(fd, F_SETFD, FD_CLOEXEC) }
        }
    }

    /// execve with a C argv/envp built from Swift strings. Only returns by throwing.
    public static func exec(path: String, args: [String], env: [String]) -> SysError {
        var cargs = args.map { strdup($0) } + [nil]
        var cenv = env.map { strdup($0) } + [nil]
        execve(path, &cargs, &cenv)
        let e = errno
        cargs.forEach { free($0) }
        cenv.forEach { free($0) }
        return SysError("exec", path, errno: e)
    }
}
