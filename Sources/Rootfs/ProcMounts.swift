#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// Where a `mounts[]` destination lies with respect to /proc, decided from the path alone.
/// Pure; unit-tested.
enum ProcDestination: Equatable {
    /// Not under /proc.
    case outside
    /// /proc itself.
    case procRoot
    /// Below /proc: the path relative to it ("cpuinfo", "sys/kernel/ns_last_pid").
    case inside(String)
    /// Below /proc, and never acceptable: the reason.
    case refused(String)

    static func classify(_ destination: String) -> ProcDestination {
        let comps = SafePath.components(destination)
        guard comps.first == "proc" else { return .outside }
        if comps.count == 1 { return .procRoot }
        let rest = comps.dropFirst()
        if rest.contains("..") { return .refused("it contains \"..\"") }
        let top = rest.first!
        if top == "self" || top == "thread-self" {
            return .refused("/proc/\(top) is a symlink to a process's own directory")
        }
        if top.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            return .refused("/proc/\(top) is a process's own directory")
        }
        return .inside(rest.inlineJoined(separator: "/"))
    }
}

/// Mounts on and in /proc, and the directories proc and sysfs are mounted on (CVE-2019-19921
/// and CVE-2025-52881 classes). procfs mounted through a symlink would not be at /proc, where
/// LSM profiles, readonlyPaths and maskedPaths expect it; a mount over a procfs file would
/// redirect what the runtime or the kernel reads and writes there.
extension Stage {
    /// The target of a mount at `dest` that is outside /proc: created as needed, inside the
    /// rootfs, and refused when it resolves into a procfs anyway (a symlink in the rootfs such as
    /// /evil -> /proc/self, and a destination /evil/attr/exec).
    func mountTarget(_ dest: String, _ kind: SafePath.Kind, field: String) throws -> FileDescriptor {
        let fd = try create(dest, kind)
        if fsMagic(fd.rawValue) == ProcFS.superMagic {
            throw RootfsError("\(label(field, dest))", errno: EPERM,
                              detail: "resolves into /proc through a symbolic link; refusing to mount on it")
        }
        return fd
    }

    /// The directory a `fs` ("proc", "sysfs") mount goes on, as an O_PATH fd: it must be an
    /// ordinary directory, not a symlink (whose target would get the filesystem) nor a file.
    /// Missing, it is created. The last component is never followed.
    func ordinaryDirectory(_ dest: String, fs: String, field: String) throws -> FileDescriptor {
        let why = "filesystem \"\(fs)\" must be mounted on ordinary directory"
        let comps = SafePath.components(dest)
        guard let name = comps.last, name != ".." else {
            throw RootfsError(label(field, dest), errno: EINVAL, detail: why)
        }
        let parentFD = try create("/" + comps.dropLast().inlineJoined(separator: "/"), .directory)
        let parent = parentFD.rawValue
        var made = false
        while true {
            let fd = k.openat(parent, name, SafePath.O_PATH | SafePath.O_DIRECTORY | SafePath.O_NOFOLLOW | O_CLOEXEC, 0)
            if fd >= 0 { return FileDescriptor(adopting: fd) }
            let e = errno
            if e == ENOENT && !made {
                if k.mkdirat(parent, name, 0o755) != 0 && errno != EEXIST { throw RootfsError("mkdir \(dest) \(inRootfs)") }
                made = true
                continue
            }
            var st = FileStat()
            let what = k.fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? FileKind.describe(st) : Errno.describe(e)
            throw RootfsError(label(field, dest), errno: e, detail: "\(why) (it is \(what))")
        }
    }

    /// The target of a mount at /proc/`rel`: an ordinary file or directory of the procfs now
    /// mounted at /proc, reached from its root without a symlink and without crossing a mount
    /// (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV). lxcfs-style binds over
    /// /proc/cpuinfo, /proc/meminfo, ... pass.
    func procTarget(_ rel: String, dest: String, field: String) throws -> FileDescriptor {
        let inside = "cannot be mounted inside /proc"
        let procRaw = SafePath.openRaw(root: root, "/proc", flags: SafePath.O_PATH | SafePath.O_DIRECTORY | SafePath.O_NOFOLLOW)
        if procRaw < 0 {
            throw RootfsError(label(field, dest), errno: errno, detail: "\(inside): /proc is not a directory")
        }
        let procFD = FileDescriptor(adopting: procRaw)
        let proc = procFD.rawValue
        do { try ProcFS.verify(proc, path: "/proc", kernel: k) } catch let e as ProcFSError {
            throw RootfsError(label(field, dest), errno: EPERM,
                              detail: "\(inside): /proc \(e.reason) (mount proc on /proc before it)")
        }
        let how = SafePath.RESOLVE_BENEATH | SafePath.RESOLVE_NO_SYMLINKS | SafePath.RESOLVE_NO_XDEV
        let raw = k.openat2(proc, rel, flags: UInt64(UInt32(bitPattern: SafePath.O_PATH | SafePath.O_NOFOLLOW | O_CLOEXEC)),
                            mode: 0, resolve: how)
        if raw < 0 {
            let e = errno
            let what: String
            switch e {
            case ENOENT: what = "it does not exist in the procfs"
            case ELOOP: what = "it is reached through a symbolic link"
            case EXDEV: what = "a mount already covers it or a directory on its path"
            default: what = Errno.describe(e)
            }
            throw RootfsError(label(field, dest), errno: e, detail: "\(inside): \(what)")
        }
        let fd = FileDescriptor(adopting: raw)
        var st = FileStat()
        let kind = k.fstat(fd.rawValue, &st) == 0 ? st.st_mode & S_IFMT : 0
        if kind != S_IFREG && kind != S_IFDIR {
            throw RootfsError(label(field, dest), errno: EPERM,
                              detail: "\(inside): it is \(FileKind.describe(st)), not an ordinary file or directory")
        }
        return fd
    }

    /// "mounts[3].destination: /proc/x (in rootfs /r)".
    func label(_ field: String, _ dest: String) -> String {
        field.isEmpty ? "\(dest) \(inRootfs)" : "\(field): \(dest) \(inRootfs)"
    }
}
