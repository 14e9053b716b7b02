#if canImport(Glibc)
import Glibc
#endif

/// A fake kernel for unit tests: it records every operation that changes the process or the
/// mount table (mounts, pivot_root, chroot, chdir, setns, unshare, credentials, capabilities,
/// prctl, rlimits, device nodes, ownership) and pretends it succeeded, and passes lookups and
/// plain file creation (open, openat2, mkdirat, symlinkat, unlinkat, stat) through to the real
/// kernel, so a rootfs plan can be run as a normal user on a directory in /tmp.
/// Model: youki's `TestHelperSyscall`, whose rootfs tests assert on the recorded calls.
///
/// - Paths are recorded as seen through their fds: `/proc/self/fd/N` becomes the path the fd
///   names, and everything under `root` is shown relative to it as `rootfs:/dev/null`.
/// - `mknodat` makes an empty file in the node's place and remembers the node, so later
///   `fstat`/`fstatat` of it report the character or block device asked for.
/// - `failures` makes a matching call fail with an errno (the first entry whose text occurs in
///   the call's description), e.g. `("mount devpts", EINVAL)`.
/// - `failOnce` is the same, but each entry fails one call only (a setns refused with the
///   host's credentials that succeeds once the user namespace is joined).
/// - PR_CAPBSET_READ is answered from `boundingSet` (capabilities 0...`lastCap`); every other
///   prctl is recorded.
public final class RecordingKernel: Kernel, @unchecked Sendable {
    /// One recorded operation: the syscall's name and its arguments as text.
    public struct Call: Equatable, CustomStringConvertible, Sendable {
        public let name: String
        public let args: [String]
        public init(_ name: String, _ args: [String]) { self.name = name; self.args = args }
        public var description: String { ([name] + args).inlineJoined(separator: " ") }
    }

    public private(set) var calls: [Call] = []
    /// The directory shown as `rootfs:` in recorded paths.
    public var root: String?
    public var failures: [(match: String, errno: Int32)] = []
    public var failOnce: [(match: String, errno: Int32)] = []
    public var euid: uid_t = 0
    public var egid: gid_t = 0
    public var lastCap: Int32 = 40
    public var boundingSet: UInt64 = (1 << 41) - 1
    /// statfs answers by path prefix (checked before the real statfs): magic and ST_* flags.
    public var statfsAnswers: [(prefix: String, magic: UInt64, flags: UInt64)] = []
    /// What `access` says for a path (else the real answer).
    public var accessAnswers: [String: Int32] = [:]
    /// What `getcwd` returns.
    public var cwd = "/"
    /// Device nodes made by mknodat: (st_dev, st_ino) of the placeholder → (mode, rdev).
    private var nodes: [DevIno: (mode: mode_t, rdev: dev_t)] = [:]
    private struct DevIno: Hashable { let dev: UInt64; let ino: UInt64 }

    public init(root: String? = nil) { self.root = root }

    /// The recorded calls as text, optionally only those whose name is in `names`.
    public func log(_ names: Set<String>? = nil) -> [String] {
        calls.filter { names == nil || names!.contains($0.name) }.map(\.description)
    }

    public func reset() { calls = [] }

    // --- helpers ----------------------------------------------------------------
    private func record(_ name: String, _ args: [String]) -> Int32 {
        let call = Call(name, args)
        calls.append(call)
        let text = call.description
        if let f = failures.first(where: { text.contains($0.match) }) {
            Glibc.errno = f.errno
            return -1
        }
        if let i = failOnce.firstIndex(where: { text.contains($0.match) }) {
            Glibc.errno = failOnce.remove(at: i).errno
            return -1
        }
        return 0
    }

    /// A path for the log: /proc/self/fd/N resolved, `root` shown as "rootfs:".
    public func show(_ path: String?) -> String {
        guard var p = path else { return "-" }
        if p.hasBytePrefix("/proc/self/fd/"), let fd = Int32(p.dropFirst("/proc/self/fd/".count)) { p = fdPath(fd) }
        return relative(p)
    }

    private func relative(_ p: String) -> String {
        guard let r = root else { return p }
        if p == r { return "rootfs:/" }
        if p.hasBytePrefix(r + "/") { return "rootfs:" + p.dropFirst(r.count) }
        return p
    }

    private func fdPath(_ fd: Int32) -> String {
        if fd == AT_FDCWD { return "." }
        return SafePath.readLink(AT_FDCWD, "/proc/self/fd/\(fd)") ?? "fd \(fd)"
    }

    private func at(_ dirfd: Int32, _ name: String) -> String {
        if name.isEmpty { return relative(fdPath(dirfd)) }
        if name.hasBytePrefix("/") || dirfd == AT_FDCWD { return show(name) }
        return relative(fdPath(dirfd) + "/" + name)
    }

    private static func hex<T: BinaryInteger>(_ v: T) -> String { "0x" + String(v, radix: 16) }

    private func overlay(_ st: inout stat) {
        if let n = nodes[DevIno(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))] {
            st.st_mode = n.mode
            st.st_rdev = n.rdev
        }
    }

    // --- mounts -----------------------------------------------------------------
    public func mount(_ source: String?, _ target: String, _ fstype: String?, _ flags: UInt, _ data: String?) -> Int32 {
        record("mount", [show(source), show(target), fstype ?? "-", Self.hex(flags), data ?? "-"])
    }
    public func umount2(_ target: String, _ flags: Int32) -> Int32 { record("umount2", [show(target), Self.hex(flags)]) }
    public func mountSetattr(_ dirfd: Int32, _ path: String, _ flags: UInt32, set: UInt64, clear: UInt64,
                             propagation: UInt64, userns: UInt64) -> Int32 {
        record("mount_setattr", [at(dirfd, path), Self.hex(flags), "set=" + Self.hex(set), "clear=" + Self.hex(clear)]
               + (propagation != 0 ? ["propagation=" + Self.hex(propagation)] : [])
               + (userns != 0 ? ["userns=" + fdPath(Int32(userns))] : []))
    }
    public func openTree(_ dirfd: Int32, _ path: String, _ flags: UInt32) -> Int32 {
        if record("open_tree", [at(dirfd, path), Self.hex(flags)]) != 0 { return -1 }
        // A real fd of the object, standing for the detached tree.
        return path.isEmpty ? Glibc.fcntl(dirfd, F_DUPFD_CLOEXEC, 0)
                            : SafePath.openRaw(root: AT_FDCWD, path)
    }
    public func moveMount(_ fromFD: Int32, _ fromPath: String, _ toFD: Int32, _ toPath: String, _ flags: UInt32) -> Int32 {
        record("move_mount", [at(fromFD, fromPath), at(toFD, toPath), Self.hex(flags)])
    }
    public func pivotRoot(_ newRoot: String, _ putOld: String) -> Int32 {
        record("pivot_root", [newRoot == "." ? relative(cwdPath) : show(newRoot), putOld])
    }
    public func chroot(_ path: String) -> Int32 { record("chroot", [path == "." ? relative(cwdPath) : show(path)]) }
    /// Where the fake's chdir/fchdir last went (the test process's cwd never changes).
    public private(set) var cwdPath = "/"
    public func chdir(_ path: String) -> Int32 {
        let r = record("chdir", [show(path)])
        if r == 0 { cwdPath = path.hasBytePrefix("/") ? path : cwdPath + "/" + path }
        return r
    }
    public func fchdir(_ fd: Int32) -> Int32 {
        let p = fdPath(fd)
        let r = record("fchdir", [relative(p)])
        if r == 0 { cwdPath = p }
        return r
    }
    public func getcwd() -> String? { cwd }

    // --- files (real, except nodes and ownership) -----------------------------------
    public func open(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { Glibc.open(path, flags, mode) }
    public func openat(_ dirfd: Int32, _ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
        Glibc.openat(dirfd, path, flags, mode)
    }
    public func openat2(_ dirfd: Int32, _ path: String, flags: UInt64, mode: UInt64, resolve: UInt64) -> Int32 {
        LinuxKernel().openat2(dirfd, path, flags: flags, mode: mode, resolve: resolve)
    }
    public func close(_ fd: Int32) -> Int32 { Glibc.close(fd) }
    public func dupCloexec(_ fd: Int32) -> Int32 { Glibc.fcntl(fd, F_DUPFD_CLOEXEC, 0) }
    public func mkdirat(_ dirfd: Int32, _ name: String, _ mode: mode_t) -> Int32 { Glibc.mkdirat(dirfd, name, mode) }
    public func mknodat(_ dirfd: Int32, _ name: String, _ mode: mode_t, _ dev: dev_t) -> Int32 {
        let kind = mode & S_IFMT == S_IFBLK ? "b" : mode & S_IFMT == S_IFIFO ? "p" : "c"
        let where_ = at(dirfd, name)
        let f = Glibc.openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if f < 0 { return -1 }  // EEXIST and the like, as the kernel would say
        var st = Glibc.stat()
        _ = Glibc.fstat(f, &st)
        Glibc.close(f)
        if record("mknod", [where_, kind, DeviceNumber(dev).description, "0o" + String(mode & 0o7777, radix: 8)]) != 0 {
            _ = Glibc.unlinkat(dirfd, name, 0)
            return -1
        }
        nodes[DevIno(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))] = (mode, dev)
        return 0
    }
    public func symlinkat(_ target: String, _ dirfd: Int32, _ name: String) -> Int32 {
        let where_ = at(dirfd, name)
        if Glibc.symlinkat(target, dirfd, name) != 0 { return -1 }
        return record("symlink", [where_, "->", target])
    }
    public func unlinkat(_ dirfd: Int32, _ name: String, _ flags: Int32) -> Int32 {
        let where_ = at(dirfd, name)
        if Glibc.unlinkat(dirfd, name, flags) != 0 { return -1 }
        return record("unlink", [where_])
    }
    public func readlinkat(_ dirfd: Int32, _ name: String) -> String? { SafePath.readLink(dirfd, name) }
    public func fchownat(_ dirfd: Int32, _ name: String, _ uid: uid_t, _ gid: gid_t, _ flags: Int32) -> Int32 {
        record("chown", [at(dirfd, name), "\(uid):\(Int32(bitPattern: gid))"])
    }
    public func fchown(_ fd: Int32, _ uid: uid_t, _ gid: gid_t) -> Int32 {
        record("fchown", [fd <= 2 ? "fd \(fd)" : relative(fdPath(fd)), "\(uid):\(Int32(bitPattern: gid))"])
    }
    public func fchmod(_ fd: Int32, _ mode: mode_t) -> Int32 {
        record("chmod", [relative(fdPath(fd)), "0o" + String(mode, radix: 8)])
    }
    public func fchmodat(_ dirfd: Int32, _ name: String, _ mode: mode_t, _ flags: Int32) -> Int32 {
        record("chmod", [at(dirfd, name), "0o" + String(mode, radix: 8)])
    }
    public func utimensat(_ dirfd: Int32, _ name: String, _ times: [timespec], _ flags: Int32) -> Int32 {
        record("utimensat", [at(dirfd, name)])
    }
    public func fstat(_ fd: Int32, _ st: inout stat) -> Int32 {
        let r = Glibc.fstat(fd, &st)
        if r == 0 { overlay(&st) }
        return r
    }
    public func fstatat(_ dirfd: Int32, _ name: String, _ st: inout stat, _ flags: Int32) -> Int32 {
        let r = Glibc.fstatat(dirfd, name, &st, flags)
        if r == 0 { overlay(&st) }
        return r
    }
    public func stat(_ path: String, _ st: inout stat) -> Int32 {
        let r = statPath(path, &st)
        if r == 0 { overlay(&st) }
        return r
    }
    public func statfs(_ fd: Int32, _ path: String?, magic: inout UInt64, flags: inout UInt64) -> Int32 {
        let p = path ?? fdPath(fd)
        if let a = statfsAnswers.first(where: { p.hasBytePrefix($0.prefix) }) {
            magic = a.magic
            flags = a.flags
            return 0
        }
        return LinuxKernel().statfs(fd, path, magic: &magic, flags: &flags)
    }
    public func access(_ path: String, _ mode: Int32) -> Int32 {
        if let r = accessAnswers[path] { if r != 0 { Glibc.errno = r; return -1 }; return 0 }
        return Glibc.access(path, mode)
    }
    public func listDirectory(_ fd: Int32) -> [String]? { LinuxKernel().listDirectory(fd) }
    public func sendfile(_ outFD: Int32, _ inFD: Int32, _ count: Int) -> Int { Glibc.sendfile(outFD, inFD, nil, count) }
    public func umask(_ mode: mode_t) -> mode_t { Glibc.umask(mode) }
    public func geteuid() -> uid_t { euid }
    public func getegid() -> gid_t { egid }
    public func isatty(_ fd: Int32) -> Bool { Glibc.isatty(fd) == 1 }

    // --- namespaces, identity, process attributes -------------------------------------
    public func setns(_ fd: Int32, _ nstype: Int32) -> Int32 { record("setns", [fdPath(fd), Self.hex(UInt32(bitPattern: nstype))]) }
    public func unshare(_ flags: Int32) -> Int32 { record("unshare", [Self.hex(UInt32(bitPattern: flags))]) }
    public func sethostname(_ name: String) -> Int32 { record("sethostname", [name]) }
    public func setdomainname(_ name: String) -> Int32 { record("setdomainname", [name]) }
    public func setsid() -> Int32 { record("setsid", []) }
    public func setresuid(_ r: uid_t, _ e: uid_t, _ s: uid_t) -> Int32 {
        let res = record("setresuid", ["\(r)", "\(e)", "\(s)"])
        if res == 0 { euid = e }
        return res
    }
    public func setresgid(_ r: gid_t, _ e: gid_t, _ s: gid_t) -> Int32 {
        let res = record("setresgid", ["\(r)", "\(e)", "\(s)"])
        if res == 0 { egid = e }
        return res
    }
    public func setgroups(_ groups: [gid_t]) -> Int32 { record("setgroups", groups.map { "\($0)" }) }
    public func prctl(_ option: Int32, _ a2: UInt, _ a3: UInt, _ a4: UInt, _ a5: UInt) -> Int32 {
        if option == PR_CAPBSET_READ {
            guard a2 <= UInt(lastCap) else { Glibc.errno = EINVAL; return -1 }
            return boundingSet & (1 << UInt64(a2)) != 0 ? 1 : 0
        }
        if option == PR_CAPBSET_DROP {
            let r = record("prctl", ["PR_CAPBSET_DROP", "\(a2)"])
            if r == 0, a2 < 64 { boundingSet &= ~(1 << UInt64(a2)) }
            return r
        }
        let name: String
        switch option {
        case PR_SET_PDEATHSIG: name = "PR_SET_PDEATHSIG"
        case PR_SET_KEEPCAPS: name = "PR_SET_KEEPCAPS"
        case PR_SET_NO_NEW_PRIVS: name = "PR_SET_NO_NEW_PRIVS"
        case PR_CAP_AMBIENT: name = "PR_CAP_AMBIENT"
        default: name = "option \(option)"
        }
        return record("prctl", [name, "\(a2)"] + (a3 != 0 ? ["\(a3)"] : []))
    }
    public func capset(effective: UInt64, permitted: UInt64, inheritable: UInt64) -> Int32 {
        record("capset", ["e=" + Self.hex(effective), "p=" + Self.hex(permitted), "i=" + Self.hex(inheritable)])
    }
    public func prlimit(_ pid: pid_t, _ resource: Int32, soft: UInt64, hard: UInt64) -> Int32 {
        record("prlimit", ["\(resource)", "\(soft)", "\(hard)"])
    }
    public func setDumpable(_ on: Bool) -> Int32 { record("prctl", ["PR_SET_DUMPABLE", on ? "1" : "0"]) }
    public func joinSessionKeyring(_ name: String) -> Int32 { record("keyctl", ["join_session_keyring", name]) }
    /// Recorded with how many fds (3 and up) it keeps; nothing is closed.
    public func closeFDs(except keep: [Int32]) {
        _ = record("close_range", ["keeping", String(Set(keep.filter { $0 >= 3 }).count)])
    }
    public func resetSignals() { _ = record("reset_signals", []) }
    public func reopenDevNullStdio() throws { _ = record("reopen_stdio", ["/dev/null"]) }
}
