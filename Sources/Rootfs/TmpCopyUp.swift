#if canImport(Glibc)
import Glibc
#endif
import CShim

/// The `tmpcopyup` option: after a tmpfs is mounted over a directory, copy what the directory
/// held (read through an fd opened before the mount) into the tmpfs, keeping type, mode, owner
/// and timestamps. Works entirely on fds, so nothing is resolved through symlinks.
enum TmpCopyUp {
    static func copy(from src: Int32, to dst: Int32, ctx: String) throws {
        var st = stat()
        try check("\(ctx): stat") { fstat(src, &st) }
        try check("\(ctx): chmod") { fchmod(dst, st.st_mode & 0o7777) }
        try check("\(ctx): chown") { fchown(dst, st.st_uid, st.st_gid) }
        try copyTree(src, dst, ctx: ctx)
    }

    private static func copyTree(_ src: Int32, _ dst: Int32, ctx: String) throws {
        let dup = try check("\(ctx): dup") { fcntl(src, F_DUPFD_CLOEXEC, 0) }
        guard let dir = fdopendir(dup) else { close(dup); throw RootfsError("\(ctx): opendir") }
        defer { closedir(dir) }
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name == "." || name == ".." { continue }
            try copyEntry(name, src, dst, ctx: "\(ctx): \(name)")
        }
    }

    private static func copyEntry(_ name: String, _ src: Int32, _ dst: Int32, ctx: String) throws {
        var st = stat()
        try check("\(ctx): stat") { fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) }
        let perm = st.st_mode & 0o7777
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            try check("\(ctx): mkdir") { mkdirat(dst, name, 0o700) }
            let s = try check("\(ctx): open") { sr_openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0) }
            defer { close(s) }
            let d = try check("\(ctx): open") { sr_openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0) }
            defer { close(d) }
            try copyTree(s, d, ctx: ctx)
        case S_IFREG:
            let s = try check("\(ctx): open") { sr_openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0) }
            defer { close(s) }
            let d = try check("\(ctx): create") {
                sr_openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            }
            defer { close(d) }
            var left = Int(st.st_size)
            while left > 0 {
                let n = try check("\(ctx): sendfile") { sendfile(d, s, nil, left) }
                if n == 0 { break }
                left -= n
            }
        case S_IFLNK:
            guard let target = readLinkAt(src, name) else { throw RootfsError("\(ctx): readlink") }
            try check("\(ctx): symlink") { symlinkat(target, dst, name) }
        default: // devices, fifos, sockets
            try check("\(ctx): mknod") { mknodat(dst, name, st.st_mode, st.st_rdev) }
        }
        try check("\(ctx): chown") { fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) }
        if st.st_mode & S_IFMT != S_IFLNK {
            try check("\(ctx): chmod") { fchmodat(dst, name, perm, 0) }
        }
        var times = [st.st_atim, st.st_mtim]
        try check("\(ctx): utimensat") { utimensat(dst, name, &times, AT_SYMLINK_NOFOLLOW) }
    }

    static func readLinkAt(_ dirfd: Int32, _ name: String) -> String? {
        var buf = [CChar](repeating: 0, count: 4097)
        let n = readlinkat(dirfd, name, &buf, 4096)
        if n < 0 { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
