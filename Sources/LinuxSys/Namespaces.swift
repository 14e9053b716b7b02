#if canImport(Glibc)
import Glibc
#endif
import CShim

/// Linux namespace kinds with their clone flags and /proc/<pid>/ns names.
public enum NamespaceKind: String, CaseIterable, Sendable {
    case user, mount, pid, network, ipc, uts, cgroup, time

    public var cloneFlag: UInt64 {
        switch self {
        case .user: return 0x1000_0000      // CLONE_NEWUSER
        case .mount: return 0x0002_0000     // CLONE_NEWNS
        case .pid: return 0x2000_0000       // CLONE_NEWPID
        case .network: return 0x4000_0000   // CLONE_NEWNET
        case .ipc: return 0x0800_0000       // CLONE_NEWIPC
        case .uts: return 0x0400_0000       // CLONE_NEWUTS
        case .cgroup: return 0x0200_0000    // CLONE_NEWCGROUP
        case .time: return 0x0000_0080      // CLONE_NEWTIME
        }
    }

    /// Name under /proc/<pid>/ns/.
    public var procName: String {
        switch self {
        case .user: return "user"
        case .mount: return "mnt"
        case .pid: return "pid"
        case .network: return "net"
        case .ipc: return "ipc"
        case .uts: return "uts"
        case .cgroup: return "cgroup"
        case .time: return "time"
        }
    }
}

public enum Namespaces {
    public static func setns(fd: Int32, _ kind: NamespaceKind, path: String, kernel k: any Kernel = LinuxKernel()) throws {
        try sys("setns", "\(kind.rawValue) namespace \(path)") { k.setns(fd, Int32(truncatingIfNeeded: kind.cloneFlag)) }
    }

    /// Opens `path` and joins the namespace there.
    public static func join(_ kind: NamespaceKind, path: String, kernel k: any Kernel = LinuxKernel()) throws {
        let fd = FileDescriptor(adopting: try FileIO.open(path, O_RDONLY))
        try setns(fd: fd.rawValue, kind, path: path, kernel: k)
    }

    public static func unshare(_ flags: UInt64, what: String, kernel k: any Kernel = LinuxKernel()) throws {
        try sys("unshare", what) { k.unshare(Int32(truncatingIfNeeded: flags)) }
    }
}

extension Namespaces {
    /// setns(2) through a pidfd: joins every namespace in `flags` of that process at once (a user
    /// namespace first, so the others are joined with its capabilities).
    public static func join(pidfd: Int32, flags: UInt64, what: String) throws {
        try sys("setns", what) { sr_setns(pidfd, Int32(truncatingIfNeeded: flags)) }
    }
}
