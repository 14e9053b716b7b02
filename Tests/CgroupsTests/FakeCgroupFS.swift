#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import XCTest
@testable import Cgroups

/// A temporary directory standing in for cgroupfs: directories and files are pre-created (the kernel
/// would create the interface files on mkdir), and writes never create files.
final class FakeCgroupFS {
    let root: String

    init() throws {
        var tmpl = Array("/tmp/swiftrun-cgfake-XXXXXX".utf8CString)
        guard let dir = mkdtemp(&tmpl) else { throw SysError("mkdtemp") }
        root = String(cString: dir)
    }

    deinit { try? FileIO.removeAll(root) }

    /// Creates `dir` (relative to root) with `files` (name → initial content).
    func dir(_ rel: String, _ files: [String: String] = [:]) throws {
        let d = root + "/" + rel
        try FileIO.mkdirAll(d)
        for (name, content) in files {
            let fd = try FileIO.open(d + "/" + name, O_WRONLY | O_CREAT | O_TRUNC)
            try FileIO.writeAll(fd: fd, Array(content.utf8))
            close(fd)
        }
    }

    func read(_ rel: String) -> String? { try? FileIO.readString(root + "/" + rel) }
}

extension CgroupManager {
    /// The (path relative to `root`, value) of every write, in order.
    func writes(relativeTo root: String) -> [String] {
        let fs: CgroupFS
        if let m = self as? V2Manager { fs = m.fs } else { fs = (self as! V1Manager).fs }
        return fs.journal.map { w in
            let p = w.path.hasPrefix(root + "/") ? String(w.path.dropFirst(root.count + 1)) : w.path
            return "\(p)=\(w.value)"
        }
    }
}
