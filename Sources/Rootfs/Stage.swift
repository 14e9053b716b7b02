#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// State shared by the steps of one rootfs stage: the config and an O_PATH fd of the rootfs
/// mount (opened after the rootfs was bound onto itself, so lookups see the new mount).
struct Stage {
    let c: RootfsConfig
    let root: Int32
    /// Lazily computed: mountLabel is applied only when SELinux is enabled.
    let selinux: Bool
    /// Every syscall of the stage goes through here (the real kernel, or a test's fake).
    var k: any Kernel { c.kernel }

    init(_ c: RootfsConfig, root: Int32) {
        self.c = c
        self.root = root
        self.selinux = c.mountLabel != nil && c.kernel.access("/sys/fs/selinux/enforce", F_OK) == 0
    }

    var inRootfs: String { "(in rootfs \(c.rootfs))" }

    /// Wraps a LinuxSys SysError (from SafePath) into a RootfsError naming the rootfs.
    func relabeled<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as SysError {
            throw RootfsError("\(e.op) \(e.object) \(inRootfs)", e)
        }
    }

    func resolve(_ path: String) throws -> FileDescriptor {
        FileDescriptor(adopting: try relabeled { try SafePath.open(root: root, path) })
    }

    func create(_ path: String, _ kind: SafePath.Kind, fileMode: mode_t = 0o644) throws -> FileDescriptor {
        FileDescriptor(adopting: try relabeled { try SafePath.create(root: root, path, kind: kind, fileMode: fileMode) })
    }

    /// fstat of an fd; S_IFMT bits of the mode.
    func fileType(_ fd: Int32) -> mode_t? {
        var st = FileStat()
        return k.fstat(fd, &st) == 0 ? st.st_mode & S_IFMT : nil
    }

    /// The filesystem magic of an fd (or of a path when given); nil when statfs fails.
    func fsMagic(_ fd: Int32, path: String? = nil) -> UInt64? {
        var magic: UInt64 = 0, flags: UInt64 = 0
        return k.statfs(fd, path, magic: &magic, flags: &flags) == 0 ? magic : nil
    }

    /// Appends `context="<mountLabel>"` to mount data when SELinux is on.
    func labeled(_ data: String?) -> String? {
        guard selinux, let l = c.mountLabel else { return data }
        let ctx = "context=\"\(l)\""
        if let d = data, !d.isEmpty { return d + "," + ctx }
        return ctx
    }
}

let AT_EMPTY_PATH_: Int32 = 0x1000
let AT_RECURSIVE_: UInt32 = 0x8000
