#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// The `tmpcopyup` option: after a tmpfs is mounted over a directory, copy what the directory
/// held (read through an fd opened before the mount) into the tmpfs, keeping type, mode, owner
/// and timestamps. Works entirely on fds, so nothing is resolved through symlinks.
enum TmpCopyUp {
    static func copy(from src: Int32, to dst: Int32, ctx: String, kernel k: any Kernel) throws {
        var st = FileStat()
        try check("\(ctx): stat") { k.fstat(src, &st) }
        try check("\(ctx): chmod") { k.fchmod(dst, st.st_mode & 0o7777) }
        try check("\(ctx): chown") { k.fchown(dst, st.st_uid, st.st_gid) }
        try copyTree(src, dst, ctx: ctx, k)
    }

    private static func copyTree(_ src: Int32, _ dst: Int32, ctx: String, _ k: any Kernel) throws {
        guard let names = k.listDirectory(src) else { throw RootfsError("\(ctx): opendir") }
        for name in names { try copyEntry(name, src, dst, ctx: "\(ctx): \(name)", k) }
    }

    private static func copyEntry(_ name: String, _ src: Int32, _ dst: Int32, ctx: String, _ k: any Kernel) throws {
        var st = FileStat()
        try check("\(ctx): stat") { k.fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) }
        let perm = st.st_mode & 0o7777
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            try check("\(ctx): mkdir") { k.mkdirat(dst, name, 0o700) }
            let s = try checkFD("\(ctx): open") { k.openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0) }
            let d = try checkFD("\(ctx): open") { k.openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0) }
            try copyTree(s.rawValue, d.rawValue, ctx: ctx, k)
        case S_IFREG:
            let s = try checkFD("\(ctx): open") { k.openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0) }
            let d = try checkFD("\(ctx): create") {
                k.openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            }
            var left = Int(st.st_size)
            while left > 0 {
                let n = try check("\(ctx): sendfile") { k.sendfile(d.rawValue, s.rawValue, left) }
                if n == 0 { break }
                left -= n
            }
        case S_IFLNK:
            guard let target = k.readlinkat(src, name) else { throw RootfsError("\(ctx): readlink") }
            try check("\(ctx): symlink") { k.symlinkat(target, dst, name) }
        default: // devices, fifos, sockets
            try check("\(ctx): mknod") { k.mknodat(dst, name, st.st_mode, st.st_rdev) }
        }
        try check("\(ctx): chown") { k.fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) }
        if st.st_mode & S_IFMT != S_IFLNK {
            try check("\(ctx): chmod") { k.fchmodat(dst, name, perm, 0) }
        }
        try check("\(ctx): utimensat") { k.utimensat(dst, name, [st.st_atim, st.st_mtim], AT_SYMLINK_NOFOLLOW) }
    }
}
