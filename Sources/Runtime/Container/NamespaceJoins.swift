#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// Joining the namespaces linux.namespaces gives by `path`, in runc's order (its nsexec):
/// 1. every path is opened first (joining a mount namespace changes what the later paths name);
/// 2. the namespaces other than the user namespace, with the runtime's credentials: a network
///    namespace the host's user namespace owns can only be joined now, before the user namespace
///    takes the host's capabilities away. EPERM here is not fatal: the namespace may need the
///    capabilities of the user namespace (a rootless runtime, or one owned by that namespace);
/// 3. the user namespace, becoming its root (uid/gid 0 there; the maps are the namespace's own and
///    are never written);
/// 4. the namespaces step 2 could not join, now with the user namespace's capabilities.
enum NamespaceJoins {
    static func enter(_ joins: [(kind: NamespaceKind, path: String)], kernel k: any Kernel) throws {
        // By index in `joins`; closed when this returns (or throws).
        var fds = FileDescriptorMap<Int>()
        for (i, j) in joins.enumerated() {
            do { fds.insert(FileDescriptor(adopting: try FileIO.open(j.path, O_RDONLY)), for: i) } catch {
                throw RuntimeError("linux.namespaces: join \(j.kind.rawValue) namespace \(j.path)", cause: error)
            }
        }
        let open = joins.enumerated().map { (kind: $1.kind, path: $1.path, fd: fds.rawValues[$0]!) }
        var joined = Set<Int>()
        func join(_ i: Int, deniedIsFatal: Bool) throws {
            let j = open[i]
            if k.setns(j.fd, Int32(truncatingIfNeeded: j.kind.cloneFlag)) == 0 {
                joined.insert(i)
                return
            }
            let e = errno
            if e == EPERM && !deniedIsFatal { return }
            let what = "linux.namespaces: join \(j.kind.rawValue) namespace \(j.path)"
            if e == EINVAL, let why = notA(j.kind, fd: j.fd, kernel: k) {
                throw RuntimeError("\(what): \(why)", errno: EINVAL, code: .invalidConfig)
            }
            throw RuntimeError(what, cause: SysError("setns", "\(j.kind.rawValue) namespace \(j.path)", errno: e))
        }
        for i in open.indices where open[i].kind != .user { try join(i, deniedIsFatal: false) }
        for i in open.indices where open[i].kind == .user {
            try join(i, deniedIsFatal: true)
            _ = k.setresgid(0, 0, 0)
            _ = k.setresuid(0, 0, 0)
        }
        for i in open.indices where !joined.contains(i) { try join(i, deniedIsFatal: true) }
        _ = consume fds  // (after the last setns: `open` borrows its numbers)
    }

    /// Why setns said EINVAL, when the fd shows it: a path naming another kind of namespace, or
    /// no namespace at all (nil: some other reason).
    static func notA(_ kind: NamespaceKind, fd: Int32, kernel k: any Kernel) -> String? {
        guard let target = k.readlinkat(AT_FDCWD, "/proc/self/fd/\(fd)") else { return nil }
        // An nsfs file reads back as "net:[4026531840]".
        guard let colon = target.firstIndex(of: ":"), target.hasSuffix("]"),
              target[target.index(after: colon)...].hasBytePrefix("[") else {
            return "not a \(kind.rawValue) namespace (\(target) is not a namespace file)"
        }
        let name = String(target[..<colon])
        if name == kind.procName { return nil }
        let other = NamespaceKind.allCases.first { $0.procName == name }?.rawValue ?? name
        return "not a \(kind.rawValue) namespace (it is a \(other) namespace)"
    }
}
