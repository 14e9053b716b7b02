#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// Idmapped mounts (config.md "idmap"/"ridmap", mounts[].uidMappings/gidMappings).
///
/// An idmapped mount is made on a *detached* mount: open_tree(OPEN_TREE_CLONE [| AT_RECURSIVE]),
/// then mount_setattr(MOUNT_ATTR_IDMAP, userns_fd) [| AT_RECURSIVE for ridmap], then
/// move_mount onto the target (an O_PATH fd resolved in the rootfs with SafePath). The kernel
/// requires CAP_SYS_ADMIN in the user namespace owning the filesystem's superblock — for host
/// filesystems the initial one — so a container init that is already in a new user namespace
/// cannot idmap a host directory itself. For that case the runtime calls `prepare` in its own
/// (host) context before clone3; the detached mount fds are inherited by the init and consumed by
/// `Rootfs.prepare` through `RootfsConfig.idmappedMountFDs` (only the move happens in the init,
/// which needs CAP_SYS_ADMIN over the container's mount namespace only).
///
/// The mapping's user namespace is made by a short-lived child created with clone3(CLONE_NEWUSER)
/// that only waits; its /proc/<pid>/uid_map and gid_map get `containerID hostID size` lines
/// verbatim, and /proc/<pid>/ns/user is kept open. With such a mapping a file owned by
/// `containerID + n` on disk shows as `hostID + n` through the mount (as runc and crun do).
public enum IdmappedMounts {
    static let OPEN_TREE_CLONE: UInt32 = 1
    static let OPEN_TREE_CLOEXEC: UInt32 = UInt32(O_CLOEXEC)
    static let MOVE_MOUNT_F_EMPTY_PATH: UInt32 = 0x04
    static let MOVE_MOUNT_T_EMPTY_PATH: UInt32 = 0x40

    /// What one mount asks for. nil when the mount is not idmapped.
    public struct Request: Equatable, Sendable {
        public var uid: [LinuxIDMapping]
        public var gid: [LinuxIDMapping]
        /// "ridmap": the idmap goes to every mount of an rbind tree.
        public var recursive: Bool
    }

    /// Decides whether `m` is idmapped and with which maps (pure; unit-tested). Mappings on a mount
    /// imply an idmap even without the option; without mappings the container's user namespace
    /// maps are used, and with no user namespace that is an error (config.md "idmap").
    public static func request(for m: OCISpec.Mount, plan: MountPlan, containerUID: [LinuxIDMapping]?,
                               containerGID: [LinuxIDMapping]?, userNamespace: Bool) throws -> Request? {
        let dest = m.destination
        let ctx = "mount \(m.source ?? m.type ?? "") to \(dest)"
        guard plan.idmapRecursive != nil || m.uidMappings != nil || m.gidMappings != nil else { return nil }
        if (m.uidMappings == nil) != (m.gidMappings == nil) {
            throw RootfsError(ctx, errno: EINVAL, detail: "uidMappings and gidMappings must be given together")
        }
        var uid = m.uidMappings ?? [], gid = m.gidMappings ?? []
        if m.uidMappings == nil {
            guard userNamespace, let cu = containerUID, let cg = containerGID, !cu.isEmpty, !cg.isEmpty else {
                throw RootfsError(ctx, errno: EINVAL,
                                  detail: "idmap/ridmap without uidMappings/gidMappings needs the container to have a user namespace with linux.uidMappings/gidMappings")
            }
            uid = cu; gid = cg
        }
        if uid.isEmpty || gid.isEmpty {
            throw RootfsError(ctx, errno: EINVAL, detail: "uidMappings and gidMappings must not be empty")
        }
        for mp in uid + gid where mp.size == 0 {
            throw RootfsError(ctx, errno: EINVAL, detail: "an id mapping has size 0")
        }
        return Request(uid: uid, gid: gid, recursive: plan.idmapRecursive ?? false)
    }

    /// uid_map/gid_map text.
    static func mapText(_ m: [LinuxIDMapping]) -> String {
        m.map { "\($0.containerID) \($0.hostID) \($0.size)\n" }.inlineJoined()
    }

    /// A user namespace with these maps; returns an O_RDONLY|O_CLOEXEC fd of it. Needs
    /// CAP_SETUID/CAP_SETGID over the caller's user namespace (root on the host, or the init).
    public static func userNamespace(uid: [LinuxIDMapping], gid: [LinuxIDMapping]) throws -> Int32 {
        func hold() throws -> UserNamespaceHolder {
            do { return try UserNamespaceHolder() } catch let e as SysError {
                throw RootfsError("idmapped mount: create a user namespace (clone3 CLONE_NEWUSER)", e)
            }
        }
        let holder = try hold()
        // The child's pid as the mounted /proc sees it (we may be in a new pid namespace whose
        // numbers differ from the host procfs still mounted at /proc).
        let procPid = pidInProc(pidfd: holder.pidfd) ?? holder.pid
        do {
            try ProcFS.with { proc in
                try proc.write("\(procPid)/uid_map", mapText(uid))
                try proc.write("\(procPid)/gid_map", mapText(gid))
            }
        } catch let e as SysError {
            throw RootfsError("idmapped mount: write the id maps (\(e.object))", e)
        } catch let e as ProcFSError {
            throw RootfsError("idmapped mount: write the id maps", errno: e.errno, detail: e.description)
        }
        do { return try FileIO.open("/proc/\(procPid)/ns/user", O_RDONLY) } catch let e as SysError {
            throw RootfsError("idmapped mount: open the user namespace", e)
        }
    }

    /// "Pid:" of /proc/self/fdinfo/<pidfd>: the pid in the pid namespace of the procfs at /proc.
    static func pidInProc(pidfd: Int32) -> pid_t? {
        guard let s = try? FileIO.readString("/proc/self/fdinfo/\(pidfd)") else { return nil }
        for line in s.split(separator: "\n") where line.hasBytePrefix("Pid:") {
            if let p = Int32(line.dropFirst(4).trimmingCharactersSpace), p > 0 { return p }
        }
        return nil
    }

    /// mount_setattr attributes for the per-mount options of a bind (MS_* -> MOUNT_ATTR_*).
    static func attributes(_ plan: MountPlan) -> (set: UInt64, clear: UInt64) {
        var set: UInt64 = 0, clear: UInt64 = 0
        let pairs: [(UInt, UInt64)] = [(MS.rdonly, MountAttr.rdonly), (MS.nosuid, MountAttr.nosuid),
                                      (MS.nodev, MountAttr.nodev), (MS.noexec, MountAttr.noexec),
                                      (MS.nodiratime, MountAttr.nodiratime), (MS.nosymfollow, MountAttr.nosymfollow)]
        for (ms, attr) in pairs {
            if plan.flags & ms != 0 { set |= attr } else if plan.clearFlags & ms != 0 { clear |= attr }
        }
        if plan.flags & MS.atimeMask != 0 {
            clear |= MountAttr.atimeMask
            if plan.flags & MS.noatime != 0 { set |= MountAttr.noatime }
            else if plan.flags & MS.strictatime != 0 { set |= MountAttr.strictatime }
        }
        return (set, clear)
    }

    /// A detached, idmapped clone of `dirfd`/`path` (a host path, or "" with AT_EMPTY_PATH when
    /// `dirfd` is the object), with the bind's per-mount attributes already applied.
    public static func detachedMount(dirfd: Int32 = AT_FDCWD, path: String, rbind: Bool, request r: Request,
                                     plan: MountPlan, ctx: String, kernel k: any Kernel = LinuxKernel()) throws -> Int32 {
        let userns = FileDescriptor(adopting: try userNamespace(uid: r.uid, gid: r.gid))
        var treeFlags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rbind ? AT_RECURSIVE_ : 0)
        if path.isEmpty { treeFlags |= UInt32(AT_EMPTY_PATH_) }
        let tree = try checkFD("\(ctx): open_tree") { k.openTree(dirfd, path, treeFlags) }
        do {
            let recursive: UInt32 = r.recursive && rbind ? AT_RECURSIVE_ : 0
            if k.mountSetattr(tree.rawValue, "", UInt32(AT_EMPTY_PATH_) | recursive, set: MountAttr.idmap, clear: 0,
                              propagation: 0, userns: UInt64(userns.rawValue)) != 0 {
                let e = errno
                var why: String? = nil
                if e == EPERM {
                    why = "mount_setattr MOUNT_ATTR_IDMAP: operation not permitted (idmapping needs CAP_SYS_ADMIN over the filesystem's user namespace: prepare the mount from the runtime with IdmappedMounts.prepare)"
                } else if e == EINVAL {
                    why = "mount_setattr MOUNT_ATTR_IDMAP: invalid argument (the filesystem may not support idmapped mounts, or the mapping equals the filesystem's)"
                }
                throw RootfsError("\(ctx): idmap", errno: e, detail: why)
            }
            let a = attributes(plan)
            if a.set != 0 || a.clear != 0 {
                try check("\(ctx): mount_setattr") {
                    k.mountSetattr(tree.rawValue, "", UInt32(AT_EMPTY_PATH_), set: a.set, clear: a.clear, propagation: 0, userns: 0)
                }
            }
        }
        return tree.release()
    }

    /// Runtime side, before clone3: detached idmapped mounts for the idmapped *bind* mounts of
    /// `spec.mounts`, keyed by their index. Put their numbers (`rawValues`) in
    /// `RootfsConfig.idmappedMountFDs` of the init (fds are inherited by clone3 without
    /// CLONE_FILES); the runtime's copies close when the map goes, after clone3. Other idmapped
    /// mounts (tmpfs, ...) are made by the init itself.
    public static func prepare(spec: Spec, bundle: String, userNamespace: Bool) throws -> FileDescriptorMap<Int> {
        var out = FileDescriptorMap<Int>()
        for (i, m) in (spec.mounts ?? []).enumerated() {
            var plan = MountPlan.parse(m.options ?? [])
            if m.type == "bind" { plan.flags |= MS.bind }
            guard plan.isBind, let r = try request(for: m, plan: plan, containerUID: spec.linux?.uidMappings,
                                                   containerGID: spec.linux?.gidMappings,
                                                   userNamespace: userNamespace) else { continue }
            guard let src = m.source, !src.isEmpty else { continue }  // the init reports it
            let host = src.hasBytePrefix("/") ? src : bundle + "/" + src
            out.insert(FileDescriptor(adopting: try detachedMount(path: host, rbind: plan.isRecursiveBind, request: r, plan: plan,
                                                                  ctx: "mount \(src) to \(m.destination)")), for: i)
        }
        return out
    }
}

extension Substring {
    var trimmingCharactersSpace: Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" || s.last == "\n" { s = s.dropLast() }
        return s
    }
}

extension Stage {
    /// One idmapped mount in the rootfs: a bind (prepared by the runtime, or made here), or a
    /// filesystem mounted normally and then replaced by an idmapped clone of itself.
    func idmappedMount(_ m: OCISpec.Mount, index: Int, dest: String, plan: MountPlan, request r: IdmappedMounts.Request,
                       ctx: String) throws {
        if plan.isBind {
            guard let src = m.source, !src.isEmpty else {
                throw RootfsError(ctx, errno: EINVAL, detail: "bind mount without a source")
            }
            let host = c.hostPath(src)
            // The runtime's fd (not ours to close), or one made here (closed on return).
            var owned: FileDescriptor? = nil
            let tree: Int32
            let isDir: Bool
            if let fd = c.idmappedMountFDs[index] {
                tree = fd
                isDir = fileType(fd) != S_IFREG
            } else if c.inNewUserNamespace {
                // CAP_SYS_ADMIN over the host filesystem is gone once in the user namespace.
                throw RootfsError(ctx, errno: EPERM,
                                  detail: "an idmapped bind mount in a user namespace must be prepared by the runtime before the init enters it (IdmappedMounts.prepare)")
            } else {
                var st = FileStat()
                try check("\(ctx): stat") { k.stat(host, &st) }
                isDir = st.st_mode & S_IFMT == S_IFDIR
                owned = FileDescriptor(adopting: try IdmappedMounts.detachedMount(
                    path: host, rbind: plan.isRecursiveBind, request: r, plan: plan, ctx: ctx, kernel: k))
                tree = owned.raw()
            }
            let target = try create(dest, isDir ? .directory : .file)
            try check("\(ctx): move_mount") {
                k.moveMount(tree, "", target.rawValue, "",
                            IdmappedMounts.MOVE_MOUNT_F_EMPTY_PATH | IdmappedMounts.MOVE_MOUNT_T_EMPTY_PATH)
            }
            _ = consume owned
            try finish(dest, plan: plan, ctx: ctx)
            return
        }
        // A filesystem: mount it (flags included), clone it detached, idmap the clone, swap it in.
        var p = plan
        p.propagation = []; p.recursiveSet = 0; p.recursiveClear = 0
        try mountFS(m.source ?? m.type ?? "none", dest, type: m.type ?? "", plan: p, data: labeled(plan.data), ctx: ctx)
        let top = try resolve(dest)
        var none = MountPlan()
        none.flags = 0
        let tree = FileDescriptor(adopting: try IdmappedMounts.detachedMount(
            dirfd: top.rawValue, path: "", rbind: false, request: r, plan: none, ctx: ctx, kernel: k))
        try check("\(ctx): detach the non-idmapped mount") { k.umount2(SafePath.procPath(top.rawValue), Int32(MNT_DETACH)) }
        let target = try resolve(dest)
        try check("\(ctx): move_mount") {
            k.moveMount(tree.rawValue, "", target.rawValue, "",
                        IdmappedMounts.MOVE_MOUNT_F_EMPTY_PATH | IdmappedMounts.MOVE_MOUNT_T_EMPTY_PATH)
        }
        try finish(dest, plan: plan, ctx: ctx)
    }
}
