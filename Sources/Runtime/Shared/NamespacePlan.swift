import LinuxSys
import OCISpec

/// How the container's namespaces come about, decided once from linux.namespaces:
/// - new namespaces go into the clone3 flags when nothing has to be joined first (the fast path);
/// - namespaces with a `path` are joined by the child with setns in runc's order (NamespaceJoins:
///   the others first, then the user namespace, then those the host's credentials could not join),
///   and new ones are then unshared, so that they are owned by the right user namespace;
/// - pid and time namespaces only apply to children, so joining a pid namespace and creating a time
///   namespace (whose offsets must be written before any process enters it) happen in the parent
///   right before clone3;
/// - a user namespace joined by path with a new pid namespace: that pid namespace must be created
///   from inside the joined user namespace (or the container's root may not mount /proc), so the
///   runtime's child joins, then clones the init with CLONE_NEWPID | CLONE_PARENT and exits
///   (`forkInJoinedUserNamespace`, UserNamespaceJoin). Only then: one extra process.
struct NamespacePlan {
    var cloneFlags: UInt64 = 0
    var unshareFlags: UInt64 = 0
    var joins: [(kind: NamespaceKind, path: String)] = []
    var pidPath: String?
    var newTime = false
    var newUser = false
    var newPid = false
    var newMount = false
    var newCgroup = false
    var newNetwork = false
    /// The user namespace is given by path.
    var joinsUser = false
    /// The init is cloned by a child that joined the user namespace (see above); the runtime's
    /// clone3 then has no namespace flags, and `cloneFlags` are the child's.
    var forkInJoinedUserNamespace = false

    init(_ namespaces: [LinuxNamespace]) throws {
        var new: [NamespaceKind] = []
        for (i, ns) in namespaces.enumerated() {
            guard let kind = NamespaceKind(specType: ns.type) else {
                throw RuntimeError("config.json: linux.namespaces[\(i)].type: unknown namespace type \"\(ns.type)\"")
            }
            if let p = ns.path, !p.isEmpty {
                if kind == .pid { pidPath = p } else { joins.append((kind, p)) }
            } else {
                new.append(kind)
            }
        }
        joinsUser = joins.contains { $0.kind == .user }
        newUser = new.contains(.user)
        newPid = new.contains(.pid)
        newMount = new.contains(.mount)
        newCgroup = new.contains(.cgroup)
        newNetwork = new.contains(.network)
        newTime = new.contains(.time)
        // The cgroup namespace is unshared by the init once it is in its cgroup (the namespace's
        // root is the cgroup of the process that creates it), never at clone time.
        let others = new.filter { $0 != .time && $0 != .pid && $0 != .cgroup }
        if joins.isEmpty {
            cloneFlags = others.reduce(0) { $0 | $1.cloneFlag }
        } else {
            unshareFlags = others.reduce(0) { $0 | $1.cloneFlag }
        }
        if newPid { cloneFlags |= NamespaceKind.pid.cloneFlag }
        forkInJoinedUserNamespace = joinsUser && newPid
    }

    /// The flags of the runtime's own clone3 (the init's, or the joining child's).
    var runtimeCloneFlags: UInt64 { forkInJoinedUserNamespace ? 0 : cloneFlags }
}

extension NamespaceKind {
    /// The names linux.namespaces[].type uses.
    init?(specType: String) {
        switch specType {
        case "pid": self = .pid
        case "network": self = .network
        case "mount": self = .mount
        case "ipc": self = .ipc
        case "uts": self = .uts
        case "user": self = .user
        case "cgroup": self = .cgroup
        case "time": self = .time
        default: return nil
        }
    }
}
