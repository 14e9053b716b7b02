#if canImport(Glibc)
import Glibc
#endif
import CShim

/// The calls of the processes the runtime forks without exec'ing (a hook's keeper, a hook before
/// its execve) and of its foreground loop: pipes, dup2, process groups, signal masks and
/// signalfds, waits, terminals. Thin: each returns what the kernel returns unless documented.
/// The fork-side ones allocate nothing.
extension FileIO {
    /// pipe2(O_CLOEXEC): (read end, write end); errors name `name`.
    public static func pipe(_ name: String) throws -> (Int32, Int32) {
        var p: [Int32] = [-1, -1]
        try sys("pipe2", name) { sr_pipe2(&p, O_CLOEXEC) }
        return (p[0], p[1])
    }

    /// dup2(fd, onto).
    @discardableResult
    public static func duplicate(_ fd: Int32, onto: Int32) -> Int32 { dup2(fd, onto) }

    /// fcntl(F_GETFL) / fcntl(F_SETFL).
    public static func statusFlags(_ fd: Int32) -> Int32 { sr_fcntl_int(fd, F_GETFL, 0) }
    @discardableResult
    public static func setStatusFlags(_ fd: Int32, _ flags: Int32) -> Int32 { sr_fcntl_int(fd, F_SETFL, flags) }

    /// One read(2) into `buffer`: the count, 0 at EOF, -1 with errno set.
    public static func readSome(_ fd: Int32, into buffer: inout [UInt8]) -> Int {
        let n = buffer.count
        return buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, n) }
    }

    /// One write(2) of `bytes[from..<to]`: the count, -1 with errno set.
    public static func writeSome(_ fd: Int32, _ bytes: [UInt8], from: Int, to: Int) -> Int {
        bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + from, to - from) }
    }

    /// write(2) of a message from a forked child (no allocation beyond the C string's).
    public static func writeMessage(_ fd: Int32, _ s: String) {
        _ = s.withCString { Glibc.write(fd, $0, strlen($0)) }
    }

    /// chdir(2).
    public static func changeDirectory(_ path: UnsafePointer<CChar>) -> Int32 { chdir(path) }
}

extension Proc {
    /// clone3 without a pidfd, for a child the caller reaps with `waitStatus`.
    public static func forkRaw() -> pid_t { sr_clone3(0, nil, -1) }

    /// setpgid(2).
    @discardableResult
    public static func setProcessGroup(_ pid: pid_t, _ pgid: pid_t) -> Int32 { setpgid(pid, pgid) }

    /// PR_SET_PDEATHSIG of the calling thread.
    public static func setParentDeathSignal(_ signal: Int32) { _ = sr_prctl(PR_SET_PDEATHSIG, UInt(signal), 0, 0, 0) }

    /// execve(2) with C arrays built before the fork; only returns on failure (-1, errno set).
    public static func execPrepared(_ path: String, _ argv: inout [UnsafeMutablePointer<CChar>?],
                                    _ envp: inout [UnsafeMutablePointer<CChar>?]) -> Int32 {
        execve(path, &argv, &envp)
    }

    /// waitpid(2): the pid (0 with WNOHANG and no change, -1 with errno set) and the raw status.
    public static func waitStatus(_ pid: pid_t, options: Int32) -> (pid: pid_t, status: Int32) {
        var st: Int32 = 0
        let r = waitpid(pid, &st, options)
        return (r, st)
    }

    /// True when `pid` has exited with status 0; it stays unreaped (waitid WEXITED|WNOWAIT).
    public static func exitedWithZeroUnreaped(_ pid: pid_t) -> Bool {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 {
            if errno != EINTR { return false }
        }
        return info.si_code == Int32(CLD_EXITED) && info._sifields._sigchld.si_status == 0
    }

    /// RLIMIT_CORE 0: a death by signal that follows leaves no core dump.
    public static func disableCoreDumps() { _ = sr_prlimit(0, 4 /* RLIMIT_CORE */, 0, 0) }

    /// poll(2) over `fds`.
    public static func poll(_ fds: inout [pollfd], timeoutMS: Int32) -> Int32 {
        Glibc.poll(&fds, nfds_t(fds.count), timeoutMS)
    }
}

extension SignalMask {
    /// Every disposition back to SIG_DFL (the mask is left alone).
    public static func resetDispositions() { sr_reset_signal_dispositions() }

    /// Blocks every signal; returns the full set (for `waitInfo`).
    public static func blockEverything() -> sigset_t {
        var all = sigset_t()
        sigfillset(&all)
        sigprocmask(SIG_BLOCK, &all, nil)
        return all
    }

    /// sigwaitinfo(2): the signal taken from `set`, -1 with errno set.
    public static func waitInfo(_ set: inout sigset_t, _ info: inout siginfo_t) -> Int32 { sigwaitinfo(&set, &info) }

    /// Unblocks one signal and raises it on the caller.
    public static func unblockAndRaise(_ s: Int32) {
        var one = sigset_t()
        sigemptyset(&one)
        sigaddset(&one, s)
        sigprocmask(SIG_UNBLOCK, &one, nil)
        _ = raise(s)
    }
}

/// A signalfd over every signal (the caller has blocked them), non-blocking, close-on-exec.
public enum SignalFD {
    public static func openAll() -> Int32 { sr_signalfd_all() }
    /// The next signal (0 when none is pending, -1 on error).
    public static func next(_ fd: Int32) -> Int32 { sr_signalfd_read(fd, nil) }
}

/// Terminal settings of the foreground side.
public enum TTY {
    public static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// Raw mode; the old termios goes to `saved` (128 bytes). False when it failed.
    public static func makeRaw(_ fd: Int32, saving saved: inout [UInt8]) -> Bool {
        saved.withUnsafeMutableBytes { sr_tty_make_raw(fd, $0.baseAddress!) } == 0
    }

    public static func restore(_ fd: Int32, _ saved: [UInt8]) {
        _ = saved.withUnsafeBytes { sr_tty_restore(fd, $0.baseAddress!) }
    }

    public static func windowSize(_ fd: Int32) -> (rows: UInt16, cols: UInt16)? {
        var rows: UInt16 = 0, cols: UInt16 = 0
        return sr_get_winsize(fd, &rows, &cols) == 0 ? (rows, cols) : nil
    }

    @discardableResult
    public static func setWindowSize(_ fd: Int32, rows: UInt16, cols: UInt16) -> Int32 { sr_set_winsize(fd, rows, cols) }

    /// Clears ONLCR ("\n" stays "\n") on either end of a pty.
    public static func clearONLCR(_ fd: Int32) {
        var t = termios()
        guard tcgetattr(fd, &t) == 0 else { return }
        t.c_oflag &= ~tcflag_t(ONLCR)
        _ = tcsetattr(fd, TCSANOW, &t)
    }
}

extension Clock {
    /// CLOCK_MONOTONIC in milliseconds.
    public static func monotonicMS() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
