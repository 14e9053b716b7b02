#if canImport(Glibc)
import Glibc
#endif
import CShim

/// A verified procfs. The runtime's reads and writes of /proc files that matter (sysctls,
/// oom_score_adj, id maps, setgroups, LSM attributes, ...) go through one of these, never
/// through a path string that a container could redirect with a mount or a symlink
/// (CVE-2025-52881 class).
///
/// `open` takes /proc as it is at the moment (the host's before the rootfs is set up, whatever
/// the container has at /proc after pivot_root or setns) and checks that it is the root of a
/// real procfs: fstatfs says PROC_SUPER_MAGIC and the inode is procfs's root inode. A tmpfs, a
/// bind of /proc/sys or of /proc/<pid> mounted over /proc, or a symlink at /proc is refused.
/// Files are then opened beneath that root with openat2(RESOLVE_BENEATH | RESOLVE_NO_XDEV |
/// RESOLVE_NO_MAGICLINKS): a mount over the file or over any directory on the way (a bind of
/// some host file onto /proc/self/attr/exec, a tmpfs on /proc/self) fails the open with EXDEV
/// instead of sending the write elsewhere. `self` and `thread-self` are ordinary symlinks inside
/// procfs and stay allowed; what they name is the caller, in any procfs that shows it.
public struct ProcFS {
    public static let superMagic: UInt64 = 0x9fa0
    /// PROC_ROOT_INO.
    static let rootInode: ino_t = 1
    public static let resolve: UInt64 =
        SafePath.RESOLVE_BENEATH | SafePath.RESOLVE_NO_XDEV | SafePath.RESOLVE_NO_MAGICLINKS

    /// O_PATH fd of the procfs root.
    public let root: Int32
    /// Where it was opened, for messages.
    public let path: String

    /// Opens and verifies the procfs at `path`.
    public static func open(_ path: String = "/proc") throws -> ProcFS {
        let fd = sr_open(path, SafePath.O_PATH | SafePath.O_DIRECTORY | SafePath.O_NOFOLLOW | O_CLOEXEC, 0)
        if fd < 0 { let e = errno; throw ProcFSError(path, errno: e, "open: \(Errno.describe(e))") }
        do {
            try verify(fd, path: path)
        } catch {
            Glibc.close(fd)
            throw error
        }
        return ProcFS(root: fd, path: path)
    }

    /// Throws unless `fd` is the root directory of a procfs.
    public static func verify(_ fd: Int32, path: String, kernel k: any Kernel = LinuxKernel()) throws {
        var magic: UInt64 = 0, flags: UInt64 = 0
        if k.statfs(fd, nil, magic: &magic, flags: &flags) != 0 {
            let e = errno; throw ProcFSError(path, errno: e, "fstatfs: \(Errno.describe(e))")
        }
        var st = stat()
        if k.fstat(fd, &st) != 0 { let e = errno; throw ProcFSError(path, errno: e, "fstat: \(Errno.describe(e))") }
        if let why = refusal(magic: magic, inode: st.st_ino) { throw ProcFSError(path, errno: EXDEV, why) }
    }

    /// Why a file with this filesystem magic and inode is not a procfs root (nil when it is).
    /// Pure; unit-tested.
    public static func refusal(magic: UInt64, inode: ino_t) -> String? {
        if magic != superMagic {
            return "is not a procfs (filesystem magic 0x\(String(magic, radix: 16)))"
        }
        if inode != rootInode { return "is not the root of a procfs (a part of one is mounted there)" }
        return nil
    }

    public func close() { Glibc.close(root) }

    /// Opens `name` (relative, e.g. "self/setgroups") beneath the procfs root, refusing a
    /// mount anywhere on the way and magic links.
    public func openFile(_ name: String, flags: Int32) throws -> Int32 {
        while true {
            let fd = sr_openat2(root, name, UInt64(UInt32(bitPattern: flags | O_CLOEXEC)), 0, Self.resolve)
            if fd >= 0 { return fd }
            let e = errno
            switch e {
            case EINTR, EAGAIN: continue
            case EXDEV: throw ProcFSError(display(name), errno: e, "a mount covers it or a directory on its path, refusing to use it")
            case ELOOP: throw ProcFSError(display(name), errno: e, "is reached through a magic link, refusing to use it")
            default: throw SysError("open", display(name), errno: e)
            }
        }
    }

    /// Writes `content` in one write(2) call (procfs files take a single write).
    public func write(_ name: String, _ content: String) throws {
        let fd = try openFile(name, flags: O_WRONLY)
        defer { Glibc.close(fd) }
        try FileIO.writeAll(fd: fd, Array(content.utf8), name: display(name))
    }

    public func readString(_ name: String) throws -> String {
        let fd = try openFile(name, flags: O_RDONLY)
        defer { Glibc.close(fd) }
        return String(decoding: try FileIO.readAll(fd: fd, name: display(name)), as: UTF8.self)
    }

    func display(_ name: String) -> String { path + "/" + name }

    /// Opens the procfs at /proc, runs `body` with it, closes it.
    public static func with<T>(_ path: String = "/proc", _ body: (ProcFS) throws -> T) throws -> T {
        try with(path, openFailure: { $0 }, body)
    }

    /// As `with`, an error of the open itself thrown as `openFailure` makes it (the body's as they are).
    public static func with<T>(_ path: String = "/proc", openFailure: (Error) -> Error,
                               _ body: (ProcFS) throws -> T) throws -> T {
        let p: ProcFS
        do { p = try open(path) } catch { throw openFailure(error) }
        defer { p.close() }
        return try body(p)
    }
}

/// A procfs that failed verification, or a file in it the runtime refuses to use.
public struct ProcFSError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let errno: Int32
    public let reason: String

    public init(_ path: String, errno: Int32, _ reason: String) {
        self.path = path
        self.errno = errno
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
