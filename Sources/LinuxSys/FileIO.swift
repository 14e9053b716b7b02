#if canImport(Glibc)
import Glibc
#endif
import CShim

/// Small fd-based file helpers; no Foundation so they are safe in the container child.
public enum FileIO {
    public static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws -> Int32 {
        try sys("open", path) { sr_open(path, flags | O_CLOEXEC, UInt32(mode)) }
    }

    /// Reads until EOF, or until `limit` bytes are in (then returns those: the caller decides whether
    /// more was an error).
    public static func readAll(fd: Int32, name: String = "", limit: Int = Int.max) throws -> [UInt8] {
        // Each chunk is read straight into a new array's uninitialized storage (no zeroed buffer,
        // no copy for a file that fits in the first one: state.json, /proc/<pid>/stat, a cgroup
        // file); chunks double up to 1 MiB.
        var out: [UInt8] = []
        var chunk = 4096
        while out.count < limit {
            let want = min(chunk, limit - out.count)
            var failure: Errno?
            let piece = [UInt8](unsafeUninitializedCapacity: want) { p, count in
                switch valueOrErrno({ Glibc.read(fd, p.baseAddress, want) }) {
                case .success(let n): count = n
                case .failure(let e):
                    failure = e
                    count = 0
                }
            }
            if let e = failure { throw SysError("read", name, errno: e.rawValue) }
            if piece.isEmpty { return out }
            if out.isEmpty { out = piece } else { out.append(contentsOf: piece) }
            chunk = min(chunk * 2, 1 << 20)
        }
        return out
    }

    /// A whole regular file of at most `limit` bytes, for files someone else controls (the container's
    /// /etc/passwd, a bundle's config.json): opened O_NONBLOCK|O_NOCTTY, so a FIFO or a tty neither
    /// blocks nor becomes the controlling terminal, then refused unless fstat says S_IFREG; a larger
    /// file is refused too. Symlinks are followed (resolve them inside the container's root).
    public static func readRegular(_ path: String, limit: Int) throws -> [UInt8] {
        let fd = try open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY)
        defer { close(fd) }
        var st = stat()
        try sys("fstat", path) { fstat(fd, &st) }
        if (st.st_mode & S_IFMT) != S_IFREG { throw FileError(path, .notRegular(st.st_mode & S_IFMT)) }
        let bytes = try readAll(fd: fd, name: path, limit: limit + 1)
        if bytes.count > limit { throw FileError(path, .tooLarge(limit)) }
        return bytes
    }

    public static func readRegularString(_ path: String, limit: Int) throws -> String {
        String(decoding: try readRegular(path, limit: limit), as: UTF8.self)
    }

    public static func read(_ path: String) throws -> [UInt8] {
        let fd = try open(path, O_RDONLY)
        defer { close(fd) }
        return try readAll(fd: fd, name: path)
    }

    public static func readString(_ path: String) throws -> String {
        String(decoding: try read(path), as: UTF8.self)
    }

    public static func writeAll(fd: Int32, _ bytes: [UInt8], name: String = "") throws {
        var off = 0
        while off < bytes.count {
            let n = try bytes.withUnsafeBytes { p in
                try sys("write", name) { Glibc.write(fd, p.baseAddress! + off, p.count - off) }
            }
            off += n
        }
    }

    /// Writes `content` to an existing file (procfs, sysfs, cgroupfs) in one write call.
    public static func write(_ path: String, _ content: String, flags: Int32 = O_WRONLY | O_TRUNC) throws {
        let fd = try open(path, flags)
        defer { close(fd) }
        try writeAll(fd: fd, Array(content.utf8), name: path)
    }

    /// Atomically replaces `path` with `bytes` (write to a temp file in the same directory, fsync-free rename).
    public static func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o600) throws {
        let tmp = path + ".tmp"
        let fd = try open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode: mode)
        do {
            try writeAll(fd: fd, bytes, name: tmp)
            close(fd)
            try sys("rename", path) { rename(tmp, path) }
        } catch {
            close(fd)
            unlink(tmp)
            throw error
        }
    }

    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// mkdir -p for host paths (state directories); container paths use SafePath.
    public static func mkdirAll(_ path: String, mode: mode_t = 0o755) throws {
        if isDirectory(path) { return }
        var parts: [Substring] = []
        var prefix = path.hasBytePrefix("/") ? "/" : ""
        parts = path.split(separator: "/")
        for p in parts {
            if !prefix.isEmpty && !prefix.hasSuffix("/") { prefix += "/" }
            // append(contentsOf: Substring), not `String + Substring`: that generic `+` runs
            // unspecialized and costs a protocol-conformance scan (Docs/BENCHMARK.md).
            prefix.append(contentsOf: p)
            if mkdir(prefix, mode) != 0 && errno != EEXIST {
                throw SysError("mkdir", prefix)
            }
        }
    }

    /// rm -rf of a host directory the runtime owns (state directories). Does not follow symlinks.
    public static func removeAll(_ path: String) throws {
        var st = stat()
        if lstat(path, &st) != 0 { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            if let d = opendir(path) {
                var names: [String] = []
                while let e = readdir(d) {
                    let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
                        String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
                    }
                    if name != "." && name != ".." { names.append(name) }
                }
                closedir(d)
                for n in names { try removeAll(path + "/" + n) }
            }
            if rmdir(path) != 0 && errno != ENOENT { throw SysError("rmdir", path) }
        } else if unlink(path) != 0 && errno != ENOENT {
            throw SysError("unlink", path)
        }
    }

    public static func listDirectory(_ path: String) -> [String] {
        guard let d = opendir(path) else { return [] }
        defer { closedir(d) }
        var names: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// The subdirectories of `path`, sorted, from the directory entries' types (one getdents per
    /// block of entries, no stat per entry; lstat only where the filesystem gives no type).
    public static func listSubdirectories(_ path: String) -> [String] {
        guard let d = opendir(path) else { return [] }
        defer { closedir(d) }
        var names: [String] = []
        while let e = readdir(d) {
            let type = e.pointee.d_type
            guard type == UInt8(DT_DIR) || type == UInt8(DT_UNKNOWN) else { continue }
            let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name == "." || name == ".." { continue }
            if type == UInt8(DT_UNKNOWN) {
                var st = stat()
                guard lstat(path + "/" + name, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { continue }
            }
            names.append(name)
        }
        return names.sorted()
    }

    public static func setCloexec(_ fd: Int32, _ on: Bool) throws {
        let flags = try sys("fcntl", "fd \(fd)") { sr_fcntl_int(fd, F_GETFD, 0) }
        let nf = on ? (flags | FD_CLOEXEC) : (flags & ~FD_CLOEXEC)
        try sys("fcntl", "fd \(fd)") { sr_fcntl_int(fd, F_SETFD, nf) }
    }
}
