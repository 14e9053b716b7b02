#if canImport(Glibc)
import Glibc
#endif
import CShim

/// A child in a new user namespace that does nothing but exist, so its namespace can be given
/// maps and opened (`/proc/<pid>/ns/user`) by the caller; killed and reaped by `end()`. Used for
/// the user namespace of an idmapped mount.
public struct UserNamespaceHolder: ~Copyable {
    public let pid: pid_t
    public let pidfd: Int32

    /// clone3(CLONE_NEWUSER); the child dies with the caller (PR_SET_PDEATHSIG) and pauses.
    public init() throws {
        var pidfd: Int32 = -1
        let pid = sr_clone3(0x1000_0000 /* CLONE_NEWUSER */, &pidfd, -1)
        if pid == 0 {
            // Only async-signal-safe calls here: we are a fork of a possibly threaded process.
            _ = sr_prctl(1 /* PR_SET_PDEATHSIG */, UInt(SIGKILL), 0, 0, 0)
            while true { pause() }
        }
        if pid < 0 { throw SysError("clone3", "CLONE_NEWUSER") }
        self.pid = pid
        self.pidfd = pidfd
    }

    /// SIGKILL through the pidfd, reap, close the pidfd.
    deinit {
        _ = sr_pidfd_send_signal(pidfd, SIGKILL, 0)
        var st: Int32 = 0
        while waitpid(pid, &st, 0) < 0 && errno == EINTR {}
        Glibc.close(pidfd)
    }
}
