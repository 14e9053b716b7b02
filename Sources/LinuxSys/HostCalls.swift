#if canImport(Glibc)
import Glibc
#endif
import CShim

/// Small host-side calls of the runtime process: state directories, locks, signals to pids it
/// read from /proc, waiting for a pidfd, the clock.
extension FileIO {
    /// rmdir(2); nil on success, else the errno.
    public static func removeDirectory(_ path: String) -> Errno? {
        rmdir(path) == 0 ? nil : .current
    }

    /// unlink(2); nil on success, else the errno.
    @discardableResult
    public static func remove(_ path: String) -> Errno? {
        unlink(path) == 0 ? nil : .current
    }

    /// fstat(2) of an fd; nil with errno set when it fails.
    public static func status(fd: Int32) -> FileStat? {
        var st = FileStat()
        return fstat(fd, &st) == 0 ? st : nil
    }

    /// access(path, F_OK): the path exists, following symlinks.
    public static func isReachable(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// statfs(2) of a path: its filesystem magic; nil when it fails.
    public static func filesystemMagic(_ path: String) -> UInt64? {
        var magic: UInt64 = 0
        return sr_statfs(-1, path, &magic, nil) == 0 ? magic : nil
    }

    /// flock(2) LOCK_EX (LOCK_NB with `wait` false); nil once held, else the errno.
    public static func lockExclusive(_ fd: Int32, wait: Bool = true) -> Errno? {
        flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) == 0 ? nil : .current
    }
}

extension Proc {
    /// poll(2) for a pidfd (or any fd) to become readable: a pidfd does when the process exits.
    /// False on timeout.
    @discardableResult
    public static func waitReadable(_ fd: Int32, timeoutMS: Int32, retryOnInterrupt: Bool = true) -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let r = Glibc.poll(&pfd, 1, timeoutMS)
            if r < 0 && errno == EINTR && retryOnInterrupt { continue }
            return r > 0
        }
    }
}

/// The clock, for timestamps and pauses.
public enum Clock {
    /// CLOCK_REALTIME now.
    public static func realtime() -> timespec {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return ts
    }

    /// Sleeps `ns` nanoseconds, resuming after signals.
    public static func sleep(nanoseconds ns: Int) {
        var ts = timespec(tv_sec: ns / 1_000_000_000, tv_nsec: ns % 1_000_000_000)
        var rem = timespec()
        while nanosleep(&ts, &rem) != 0 && errno == EINTR { ts = rem }
    }
}

extension FileIO {
    /// getcwd(3); nil with errno set when it fails.
    public static func currentDirectory() -> String? { LinuxKernel().getcwd() }

    /// realpath(3): the absolute path with every symlink resolved; nil with errno set when a
    /// component is missing.
    public static func realPath(_ path: String) -> String? {
        guard let r = realpath(path, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }

    /// getrlimit(RLIMIT_NOFILE).rlim_max, nil when it cannot be read.
    public static func openFileHardLimit() -> UInt64? {
        var lim = rlimit()
        return getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &lim) == 0 ? UInt64(lim.rlim_max) : nil
    }
}

extension UnixAddress {
    /// A listening AF_UNIX socket of `type` (close-on-exec) bound at `path`; errors name
    /// `socketName` for socket(2) and `name` for bind(2)/listen(2).
    public static func listen(_ path: String, type: Int32, backlog: Int32, socketName: String, name: String) throws -> Int32 {
        let fd = try sys("socket", socketName) { socket(AF_UNIX, type | Int32(SOCK_CLOEXEC.rawValue), 0) }
        do {
            var addr = try UnixAddress(path)
            try sys("bind", name) { addr.withSockaddr { bind(fd, $0, $1) } }
            try sys("listen", name) { Glibc.listen(fd, backlog) }
        } catch { Glibc.close(fd); throw error }
        return fd
    }
}
