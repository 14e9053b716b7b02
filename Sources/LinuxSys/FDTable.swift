#if canImport(Glibc)
import Glibc
#endif
import CShim

/// The process's fd table: what is open, and closing everything but a known set (CVE-2024-21626
/// class: no fd the runtime did not mean to hand over may reach a container).
public enum FDTable {
    /// The fds open now, ascending, read from /proc/self/fd (one getdents, whatever the fd numbers).
    public static func open() -> [Int32] {
        guard let d = opendir("/proc/self/fd") else { return [] }
        defer { closedir(d) }
        let own = dirfd(d)
        var fds: [Int32] = []
        while let e = readdir(d) {
            let fd = withUnsafeBytes(of: e.pointee.d_name) { raw in
                Int32(String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self)))
            }
            if let fd, fd != own { fds.append(fd) }
        }
        return fds.sorted()
    }

    /// Closes every fd >= 3 that is not in `keep`, with one close_range per gap.
    public static func closeAll(except keep: [Int32]) {
        var next: Int32 = 3
        for fd in Set(keep.filter { $0 >= 3 }).sorted() {
            if fd > next { _ = sr_close_range(UInt32(next), UInt32(fd - 1), 0) }
            next = fd + 1
        }
        _ = sr_close_range(UInt32(next), UInt32.max, 0)
    }

    /// Marks every fd >= 3 close-on-exec except `inherit`, which lose the flag.
    public static func inheritOnly(_ inherit: [Int32]) throws {
        Proc.cloexecFrom(3)
        for fd in inherit where fd >= 3 { try FileIO.setCloexec(fd, false) }
    }
}
