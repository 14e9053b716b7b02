#if canImport(Glibc)
import Glibc
#endif
import CShim

/// Resolution of container paths relative to a root directory fd, never escaping it.
///
/// Every lookup goes through openat2(2) with `RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS`: absolute
/// symlinks and `..` are clamped to the root, and /proc magic links are refused. Missing components
/// are created one at a time with mkdirat(2) relative to an fd of their (already resolved) parent, so
/// a symlink such as `rootfs/evil -> /etc` can never make the runtime create or mount anything on the
/// host. Callers mount onto the result through `procPath(fd)` (`/proc/self/fd/N`).
public enum SafePath {
    public static let O_PATH: Int32 = 0o10000000
    public static let O_DIRECTORY: Int32 = 0o200000
    public static let O_NOFOLLOW: Int32 = 0o400000
    public static let RESOLVE_NO_XDEV: UInt64 = 0x01
    public static let RESOLVE_NO_MAGICLINKS: UInt64 = 0x02
    public static let RESOLVE_NO_SYMLINKS: UInt64 = 0x04
    public static let RESOLVE_BENEATH: UInt64 = 0x08
    public static let RESOLVE_IN_ROOT: UInt64 = 0x10
    /// The resolution flags used for every container path.
    public static let inRoot: UInt64 = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS

    /// What `create` makes for a missing final component.
    public enum Kind: Sendable { case directory, file }

    /// The magic-link path that names `fd`, usable as a mount(2) source or target.
    @inline(__always)
    public static func procPath(_ fd: Int32) -> String { "/proc/self/fd/\(fd)" }

    /// openat2(root, path, flags, RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS). Returns -1 with errno set
    /// instead of throwing, so callers can branch on ENOENT cheaply. Retries EAGAIN/EINTR.
    public static func openRaw(root: Int32, _ path: String, flags: Int32 = O_PATH, mode: mode_t = 0) -> Int32 {
        let p = path.isEmpty ? "." : path
        var tries = 0
        while true {
            let fd = sr_openat2(root, p, UInt64(UInt32(bitPattern: flags | O_CLOEXEC)), UInt64(mode), inRoot)
            if fd >= 0 { return fd }
            let e = errno
            if e == EINTR || (e == EAGAIN && tries < 64) { tries += 1; continue }
            errno = e
            return -1
        }
    }

    /// Opens `path` inside `root` (default O_PATH). Throws SysError("openat2", path).
    public static func open(root: Int32, _ path: String, flags: Int32 = O_PATH) throws -> Int32 {
        let fd = openRaw(root: root, path, flags: flags)
        if fd < 0 { throw SysError("openat2", path) }
        return fd
    }

    /// Resolves `path` inside `root`, creating missing components: directories for every
    /// intermediate component, and a `kind` for the last one (an empty file with `fileMode` for
    /// `.file`). A dangling symlink is followed (inside the root) and its target created.
    /// Returns an O_PATH fd of the final object, which may already exist with any type.
    public static func create(root: Int32, _ path: String, kind: Kind, dirMode: mode_t = 0o755,
                              fileMode: mode_t = 0o644) throws -> Int32 {
        let fast = openRaw(root: root, path)
        if fast >= 0 { return fast }
        if errno != ENOENT { throw SysError("openat2", path) }

        var comps = components(path)
        if comps.isEmpty { return try open(root: root, ".") }
        var links = 0
        var parent = root          // resolved fd of comps[0..<i]; `root` is not ours to close
        var i = 0
        defer { if parent != root { close(parent) } }
        while i < comps.count {
            let last = i == comps.count - 1
            let prefix = "/" + comps[0...i].inlineJoined(separator: "/")
            let fd = openRaw(root: root, prefix)
            if fd >= 0 {
                if last { return fd }
                if parent != root { close(parent) }
                parent = fd
                i += 1
                continue
            }
            if errno != ENOENT { throw SysError("openat2", prefix) }
            let name = comps[i]
            // Missing: either really absent, or a dangling symlink we must follow inside the root.
            if let target = readLink(parent, name) {
                links += 1
                if links > 40 { throw SysError("openat2", path, errno: ELOOP) }
                let head = target.hasBytePrefix("/") ? [] : Array(comps[0..<i])
                comps = head + components(target) + comps[(i + 1)...]
                if comps.isEmpty { return try open(root: root, ".") }
                if parent != root { close(parent) }
                parent = root
                i = 0
                continue
            }
            if !last || kind == .directory {
                if mkdirat(parent, name, dirMode) != 0 && errno != EEXIST {
                    throw SysError("mkdir", prefix)
                }
            } else {
                let f = sr_openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, UInt32(fileMode))
                if f < 0 && errno != EEXIST { throw SysError("create", prefix) }
                if f >= 0 { Glibc.close(f) }
            }
            // Loop again on the same component: it now exists (or a racer created it).
        }
        return try open(root: root, ".")
    }

    /// `create` when only the object matters, not an fd of it (a mount point, a cwd to chdir to
    /// later): makes sure `path` exists inside `root`.
    public static func ensure(root: Int32, _ path: String, kind: Kind, dirMode: mode_t = 0o755,
                              fileMode: mode_t = 0o644) throws {
        FileDescriptor(adopting: try create(root: root, path, kind: kind, dirMode: dirMode, fileMode: fileMode)).close()
    }

    /// Path components with "" and "." removed ("..” kept: openat2 resolves it inside the root).
    public static func components(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).compactMap { $0 == "." ? nil : String($0) }
    }

    /// readlinkat(dirfd, name); nil when `name` is not a symlink.
    public static func readLink(_ dirfd: Int32, _ name: String) -> String? {
        var buf = [CChar](repeating: 0, count: 4097)
        let n = readlinkat(dirfd, name, &buf, 4096)
        if n < 0 { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The path an fd refers to, per /proc/self/fd (for error messages and tests).
    public static func describe(_ fd: Int32) -> String {
        readLink(AT_FDCWD, procPath(fd)) ?? "fd \(fd)"
    }
}
