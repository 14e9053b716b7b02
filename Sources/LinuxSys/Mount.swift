#if canImport(Glibc)
import Glibc
#endif
import CShim

/// mount(2) and the new mount API.
public enum Mount {
    public static func mount(source: String?, target: String, fstype: String?, flags: UInt, data: String?) throws {
        try sys("mount", target) {
            Glibc.mount(source, target, fstype, flags, data)
        }
    }

    public static func unmount(_ target: String, flags: Int32 = 0) throws {
        try sys("umount", target) { umount2(target, flags) }
    }

}

/// The id of the mount a lookup of `path` ends on (the topmost one stacked there), from the
/// mnt_id line of an O_PATH fd's /proc/self/fdinfo; nil when it cannot be read.
public func topMountID(_ path: String) -> Int? {
    let fd = open(path, SafePath.O_PATH | O_DIRECTORY | O_CLOEXEC)
    if fd < 0 { return nil }
    defer { close(fd) }
    guard let info = try? FileIO.readString("/proc/self/fdinfo/\(fd)") else { return nil }
    for line in info.split(separator: "\n") where line.hasBytePrefix("mnt_id:") {
        return Int(String(line.dropFirst("mnt_id:".count).filter { $0 != " " && $0 != "\t" }))
    }
    return nil
}
