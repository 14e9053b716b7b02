#if canImport(Glibc)
import Glibc
#endif

/// The operations the container init and the rootfs stage perform on the kernel, behind one
/// protocol so they can run against `LinuxKernel` (the real syscalls) or `RecordingKernel` (a
/// fake that records what would have been done, for unit tests with no root and no fork).
/// Model: youki's `syscall::Syscall` trait with its `LinuxSyscall` and `TestHelperSyscall`.
///
/// Every method has the syscall's convention: it returns what the kernel returns (-1 with
/// `errno` set on failure), so callers keep one error path (`sys`, `check`, `valueOrErrno`).
/// Paths and fds mean what they mean to the syscall; mount targets are usually
/// `/proc/self/fd/N` of an O_PATH fd resolved with `SafePath`.
///
/// The init is single-threaded and a copy of the runtime: implementations must not allocate
/// locks or start threads.
public protocol Kernel: Sendable {
    // --- mounts -------------------------------------------------------------
    func mount(_ source: String?, _ target: String, _ fstype: String?, _ flags: UInt, _ data: String?) -> Int32
    func umount2(_ target: String, _ flags: Int32) -> Int32
    func mountSetattr(_ dirfd: Int32, _ path: String, _ flags: UInt32, set: UInt64, clear: UInt64,
                      propagation: UInt64, userns: UInt64) -> Int32
    func openTree(_ dirfd: Int32, _ path: String, _ flags: UInt32) -> Int32
    func moveMount(_ fromFD: Int32, _ fromPath: String, _ toFD: Int32, _ toPath: String, _ flags: UInt32) -> Int32
    func pivotRoot(_ newRoot: String, _ putOld: String) -> Int32
    func chroot(_ path: String) -> Int32
    func chdir(_ path: String) -> Int32
    func fchdir(_ fd: Int32) -> Int32
    /// getcwd(3); nil on failure.
    func getcwd() -> String?

    // --- files --------------------------------------------------------------
    func open(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32
    func openat(_ dirfd: Int32, _ path: String, _ flags: Int32, _ mode: mode_t) -> Int32
    func openat2(_ dirfd: Int32, _ path: String, flags: UInt64, mode: UInt64, resolve: UInt64) -> Int32
    func close(_ fd: Int32) -> Int32
    func dupCloexec(_ fd: Int32) -> Int32
    func mkdirat(_ dirfd: Int32, _ name: String, _ mode: mode_t) -> Int32
    func mknodat(_ dirfd: Int32, _ name: String, _ mode: mode_t, _ dev: dev_t) -> Int32
    func symlinkat(_ target: String, _ dirfd: Int32, _ name: String) -> Int32
    func unlinkat(_ dirfd: Int32, _ name: String, _ flags: Int32) -> Int32
    /// readlinkat(2); nil when `name` is not a symlink (or cannot be read).
    func readlinkat(_ dirfd: Int32, _ name: String) -> String?
    func fchownat(_ dirfd: Int32, _ name: String, _ uid: uid_t, _ gid: gid_t, _ flags: Int32) -> Int32
    func fchown(_ fd: Int32, _ uid: uid_t, _ gid: gid_t) -> Int32
    func fchmod(_ fd: Int32, _ mode: mode_t) -> Int32
    func fchmodat(_ dirfd: Int32, _ name: String, _ mode: mode_t, _ flags: Int32) -> Int32
    func utimensat(_ dirfd: Int32, _ name: String, _ times: [timespec], _ flags: Int32) -> Int32
    func fstat(_ fd: Int32, _ st: inout stat) -> Int32
    func fstatat(_ dirfd: Int32, _ name: String, _ st: inout stat, _ flags: Int32) -> Int32
    func stat(_ path: String, _ st: inout stat) -> Int32
    /// fstatfs(fd) when `path` is nil, else statfs(path): the filesystem magic and ST_* flags.
    func statfs(_ fd: Int32, _ path: String?, magic: inout UInt64, flags: inout UInt64) -> Int32
    func access(_ path: String, _ mode: Int32) -> Int32
    /// The names in the directory `fd` (not "." and ".."), read through a dup of it; nil on failure.
    func listDirectory(_ fd: Int32) -> [String]?
    func sendfile(_ outFD: Int32, _ inFD: Int32, _ count: Int) -> Int
    func umask(_ mode: mode_t) -> mode_t
    func geteuid() -> uid_t
    func getegid() -> gid_t
    func isatty(_ fd: Int32) -> Bool

    // --- namespaces, identity, process attributes ---------------------------
    func setns(_ fd: Int32, _ nstype: Int32) -> Int32
    func unshare(_ flags: Int32) -> Int32
    func sethostname(_ name: String) -> Int32
    func setdomainname(_ name: String) -> Int32
    func setsid() -> Int32
    func setresuid(_ r: uid_t, _ e: uid_t, _ s: uid_t) -> Int32
    func setresgid(_ r: gid_t, _ e: gid_t, _ s: gid_t) -> Int32
    func setgroups(_ groups: [gid_t]) -> Int32
    func prctl(_ option: Int32, _ a2: UInt, _ a3: UInt, _ a4: UInt, _ a5: UInt) -> Int32
    /// capset(2), version 3, on the calling thread.
    func capset(effective: UInt64, permitted: UInt64, inheritable: UInt64) -> Int32
    func prlimit(_ pid: pid_t, _ resource: Int32, soft: UInt64, hard: UInt64) -> Int32
    func setDumpable(_ on: Bool) -> Int32
    /// keyctl(KEYCTL_JOIN_SESSION_KEYRING, name).
    func joinSessionKeyring(_ name: String) -> Int32

    // --- the init's own process: its fd table, signals, stdio ---------------
    // (Process-wide, so a test running the whole init setup in its own process must not do them.)
    /// close_range(2) of every fd from 3 up that is not in `keep` (FDTable.closeAll).
    func closeFDs(except keep: [Int32])
    /// Every signal back to its default disposition, none blocked (SignalMask.resetForChild).
    func resetSignals()
    /// fds 0-2 that are the host's /dev/null, reopened from the container's (FD.reopenDevNullStdio);
    /// throws its SysError.
    func reopenDevNullStdio() throws
}

extension Kernel {
    /// prctl with only the option and its first argument.
    public func prctl(_ option: Int32, _ a2: UInt = 0) -> Int32 { prctl(option, a2, 0, 0, 0) }
}

/// struct stat, named so that an empty one (`FileStat()`) does not read like a stat(2) call.
public typealias FileStat = stat
