#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// A fresh directory under /tmp, removed by `cleanup`.
struct TempDir {
    let path: String
    init() {
        var tmpl = Array("/tmp/swiftrun-rootfs-test-XXXXXX".utf8CString)
        let p = mkdtemp(&tmpl)!
        path = String(cString: p)
    }
    func cleanup() { try? FileIO.removeAll(path) }
    func mkdir(_ rel: String) { try! FileIO.mkdirAll(path + "/" + rel) }
    func write(_ rel: String, _ content: String) {
        let fd = open(path + "/" + rel, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(fd >= 0, "create \(rel)")
        try! FileIO.writeAll(fd: fd, Array(content.utf8))
        close(fd)
    }
    func symlink(_ target: String, _ rel: String) {
        precondition(Glibc.symlink(target, path + "/" + rel) == 0, "symlink \(rel)")
    }
}

/// Where an fd points, as the kernel says.
func fdPath(_ fd: Int32) -> String { SafePath.describe(fd) }
