#if canImport(Glibc)
import Glibc
#endif
import CShim

/// The real kernel: each method is the syscall (through glibc, or the C shim where glibc has no
/// wrapper Swift can call).
public struct LinuxKernel: Kernel {
    public init() {}

    public func mount(_ source: String?, _ target: String, _ fstype: String?, _ flags: UInt, _ data: String?) -> Int32 {
        Glibc.mount(source, target, fstype, flags, data)
    }
    public func umount2(_ target: String, _ flags: Int32) -> Int32 { Glibc.umount2(target, flags) }
    public func mountSetattr(_ dirfd: Int32, _ path: String, _ flags: UInt32, set: UInt64, clear: UInt64,
                             propagation: UInt64, userns: UInt64) -> Int32 {
        sr_mount_setattr(dirfd, path, flags, set, clear, propagation, userns)
    }
    public func openTree(_ dirfd: Int32, _ path: String, _ flags: UInt32) -> Int32 { sr_open_tree(dirfd, path, flags) }
    public func moveMount(_ fromFD: Int32, _ fromPath: String, _ toFD: Int32, _ toPath: String, _ flags: UInt32) -> Int32 {
        sr_move_mount(fromFD, fromPath, toFD, toPath, flags)
    }
    public func pivotRoot(_ newRoot: String, _ putOld: String) -> Int32 { sr_pivot_root(newRoot, putOld) }
    public func chroot(_ path: String) -> Int32 { Glibc.chroot(path) }
    public func chdir(_ path: String) -> Int32 { Glibc.chdir(path) }
    public func fchdir(_ fd: Int32) -> Int32 { Glibc.fchdir(fd) }
    public func getcwd() -> String? {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard Glibc.getcwd(&buf, buf.count) != nil else { return nil }
        let n = buf.firstIndex(of: 0) ?? buf.count
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public func open(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { sr_open(path, flags, UInt32(mode)) }
    public func openat(_ dirfd: Int32, _ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
        sr_openat(dirfd, path, flags, UInt32(mode))
    }
    public func openat2(_ dirfd: Int32, _ path: String, flags: UInt64, mode: UInt64, resolve: UInt64) -> Int32 {
        sr_openat2(dirfd, path, flags, mode, resolve)
    }
    public func close(_ fd: Int32) -> Int32 { Glibc.close(fd) }
    public func dupCloexec(_ fd: Int32) -> Int32 { sr_fcntl_int(fd, F_DUPFD_CLOEXEC, 0) }
    public func mkdirat(_ dirfd: Int32, _ name: String, _ mode: mode_t) -> Int32 { Glibc.mkdirat(dirfd, name, mode) }
    public func mknodat(_ dirfd: Int32, _ name: String, _ mode: mode_t, _ dev: dev_t) -> Int32 {
        Glibc.mknodat(dirfd, name, mode, dev)
    }
    public func symlinkat(_ target: String, _ dirfd: Int32, _ name: String) -> Int32 { Glibc.symlinkat(target, dirfd, name) }
    public func unlinkat(_ dirfd: Int32, _ name: String, _ flags: Int32) -> Int32 { Glibc.unlinkat(dirfd, name, flags) }
    public func readlinkat(_ dirfd: Int32, _ name: String) -> String? { SafePath.readLink(dirfd, name) }
    public func fchownat(_ dirfd: Int32, _ name: String, _ uid: uid_t, _ gid: gid_t, _ flags: Int32) -> Int32 {
        Glibc.fchownat(dirfd, name, uid, gid, flags)
    }
    public func fchown(_ fd: Int32, _ uid: uid_t, _ gid: gid_t) -> Int32 { Glibc.fchown(fd, uid, gid) }
    public func fchmod(_ fd: Int32, _ mode: mode_t) -> Int32 { Glibc.fchmod(fd, mode) }
    public func fchmodat(_ dirfd: Int32, _ name: String, _ mode: mode_t, _ flags: Int32) -> Int32 {
        Glibc.fchmodat(dirfd, name, mode, flags)
    }
    public func utimensat(_ dirfd: Int32, _ name: String, _ times: [timespec], _ flags: Int32) -> Int32 {
        Glibc.utimensat(dirfd, name, times, flags)
    }
    public func fstat(_ fd: Int32, _ st: inout stat) -> Int32 { Glibc.fstat(fd, &st) }
    public func fstatat(_ dirfd: Int32, _ name: String, _ st: inout stat, _ flags: Int32) -> Int32 {
        Glibc.fstatat(dirfd, name, &st, flags)
    }
    public func stat(_ path: String, _ st: inout stat) -> Int32 { statPath(path, &st) }
    public func statfs(_ fd: Int32, _ path: String?, magic: inout UInt64, flags: inout UInt64) -> Int32 {
        sr_statfs(fd, path, &magic, &flags)
    }
    public func access(_ path: String, _ mode: Int32) -> Int32 { Glibc.access(path, mode) }
    public func listDirectory(_ fd: Int32) -> [String]? {
        let dup = sr_fcntl_int(fd, F_DUPFD_CLOEXEC, 0)
        if dup < 0 { return nil }
        guard let dir = fdopendir(dup) else { Glibc.close(dup); return nil }
        defer { closedir(dir) }
        var names: [String] = []
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
    public func sendfile(_ outFD: Int32, _ inFD: Int32, _ count: Int) -> Int { Glibc.sendfile(outFD, inFD, nil, count) }
    public func umask(_ mode: mode_t) -> mode_t { Glibc.umask(mode) }
    public func geteuid() -> uid_t { Glibc.geteuid() }
    public func getegid() -> gid_t { Glibc.getegid() }
    public func isatty(_ fd: Int32) -> Bool { Glibc.isatty(fd) == 1 }

    public func setns(_ fd: Int32, _ nstype: Int32) -> Int32 { sr_setns(fd, nstype) }
    public func unshare(_ flags: Int32) -> Int32 { sr_unshare(flags) }
    public func sethostname(_ name: String) -> Int32 { sr_sethostname(name, name.utf8.count) }
    public func setdomainname(_ name: String) -> Int32 { sr_setdomainname(name, name.utf8.count) }
    public func setsid() -> Int32 { Glibc.setsid() }
    public func setresuid(_ r: uid_t, _ e: uid_t, _ s: uid_t) -> Int32 { sr_setresuid(r, e, s) }
    public func setresgid(_ r: gid_t, _ e: gid_t, _ s: gid_t) -> Int32 { sr_setresgid(r, e, s) }
    public func setgroups(_ groups: [gid_t]) -> Int32 {
        groups.withUnsafeBufferPointer { sr_setgroups(groups.count, $0.baseAddress) }
    }
    public func prctl(_ option: Int32, _ a2: UInt, _ a3: UInt, _ a4: UInt, _ a5: UInt) -> Int32 {
        sr_prctl(option, a2, a3, a4, a5)
    }
    public func capset(effective: UInt64, permitted: UInt64, inheritable: UInt64) -> Int32 {
        sr_capset(effective, permitted, inheritable)
    }
    public func prlimit(_ pid: pid_t, _ resource: Int32, soft: UInt64, hard: UInt64) -> Int32 {
        sr_prlimit(pid, resource, soft, hard)
    }
    public func setDumpable(_ on: Bool) -> Int32 { sr_set_dumpable(on ? 1 : 0) }
    public func joinSessionKeyring(_ name: String) -> Int32 { sr_join_session_keyring(name) }
    public func closeFDs(except keep: [Int32]) { FDTable.closeAll(except: keep) }
    public func resetSignals() { SignalMask.resetForChild() }
    public func reopenDevNullStdio() throws { try FD.reopenDevNullStdio() }
}

/// stat(2) by path (a free function: inside a type `stat` names the method).
@inline(__always)
func statPath(_ path: String, _ st: inout stat) -> Int32 { stat(path, &st) }
