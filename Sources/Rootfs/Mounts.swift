#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// Applying one `mounts[]` entry inside the rootfs. Targets are resolved with SafePath and mounted
/// through /proc/self/fd/N of an O_PATH fd, so symlinks in the rootfs cannot redirect a mount.
extension Stage {
    func apply(_ m: OCISpec.Mount, index: Int = -1) throws {
        let dest = m.destination.hasBytePrefix("/") ? m.destination : "/" + m.destination
        var plan = MountPlan.parse(m.options ?? [])
        let type = m.type ?? ""
        if type == "bind" { plan.flags |= MS.bind }
        // A read-only /dev is made read-only after the devices are created (ReadonlyDev).
        if Self.defersReadonly(m, plan) { plan.flags &= ~MS.rdonly }
        let ctx = "mount \(m.source ?? type) to \(dest) \(inRootfs)"
        let field = index >= 0 ? "mounts[\(index)].destination" : "mount destination"

        // Where the mount goes, for destinations that need more than SafePath: on and in /proc,
        // and proc/sysfs anywhere (an ordinary directory, never a symlink's target).
        var targetFD: FileDescriptor? = nil
        switch ProcDestination.classify(dest) {
        case .refused(let why):
            throw RootfsError(label(field, dest), errno: EPERM, detail: "cannot be mounted inside /proc: \(why)")
        case .inside(let rel):
            targetFD = try procTarget(rel, dest: dest, field: field)
        case .procRoot:
            if type != "proc" && !(plan.isBind && isProcfs(m.source.map { c.bindSource(index, $0) })) {
                throw RootfsError(label(field, dest), errno: EPERM,
                                  detail: "\"/proc\" cannot be mounted because it is not of type proc")
            }
            targetFD = try ordinaryDirectory(dest, fs: "proc", field: field)
        case .outside:
            if !plan.isBind && (type == "proc" || type == "sysfs") {
                targetFD = try ordinaryDirectory(dest, fs: type, field: field)
            }
        }
        // Borrowed by the steps below; `targetFD` closes it when `apply` returns.
        let target = targetFD.raw()

        if let r = try IdmappedMounts.request(for: m, plan: plan, containerUID: c.containerUIDMappings,
                                              containerGID: c.containerGIDMappings,
                                              userNamespace: c.inNewUserNamespace) {
            if target >= 0 {
                throw RootfsError(label(field, dest), errno: EINVAL, detail: "an idmapped mount cannot go on or in /proc or be a \(type)")
            }
            try idmappedMount(m, index: index, dest: dest, plan: plan, request: r, ctx: ctx)
            return
        }
        if plan.isBind {
            guard let src = m.source, !src.isEmpty else {
                throw RootfsError(ctx, errno: EINVAL, detail: "bind mount without a source")
            }
            if let tree = c.bindSourceFDs[index] {
                try bind(SafePath.procPath(tree), to: dest, plan: plan, ctx: ctx, target: target, field: field, tree: tree)
            } else {
                try bind(c.hostPath(src), to: dest, plan: plan, ctx: ctx, target: target, field: field)
            }
            return
        }
        switch type {
        case "cgroup", "cgroup2":
            try mountCgroup(dest, plan: plan, ctx: ctx)
        case "sysfs":
            // Refused in a user namespace that does not own the network namespace: none of the
            // container's, or one joined by path that another user namespace owns.
            try mountOrBind(m.source ?? "sysfs", dest, type: type, plan: plan, ctx: ctx,
                            fallback: c.inNewUserNamespace && !c.newNetworkNamespace ? "/sys" : nil, target: target, field: field)
        case "mqueue":
            try mountOrBind(m.source ?? "mqueue", dest, type: type, plan: plan, ctx: ctx,
                            fallback: c.inNewUserNamespace ? "/dev/mqueue" : nil, target: target, field: field)
        case "proc":
            try mountFS(m.source ?? type, dest, type: type, plan: plan, data: plan.data, ctx: ctx, target: target)
        case "devpts":
            do {
                try mountFS(m.source ?? type, dest, type: type, plan: plan, data: labeled(plan.data), ctx: ctx,
                            target: target, field: field)
            } catch let e as RootfsError where e.errno == EINVAL && c.inNewUserNamespace
                        && (plan.data ?? "").contains("gid=") {
                // gid=5 may not be mapped in the user namespace: retry without it, as crun does.
                let d = (plan.data ?? "").split(separator: ",").filter { !$0.hasBytePrefix("gid=") }.inlineJoined(separator: ",")
                try mountFS(m.source ?? type, dest, type: type, plan: plan, data: labeled(d.isEmpty ? nil : d), ctx: ctx,
                            target: target, field: field)
            }
        case "":
            throw RootfsError(ctx, errno: EINVAL, detail: "mount has no type and is not a bind mount")
        default:
            try mountFS(m.source ?? type, dest, type: type, plan: plan, data: labeled(plan.data), ctx: ctx,
                        target: target, field: field)
        }
    }

    /// True when `path` (a bind source on the host) is on a procfs.
    func isProcfs(_ path: String?) -> Bool {
        guard let path else { return false }
        return fsMagic(-1, path: path) == ProcFS.superMagic
    }

    /// mount(2) of a filesystem (not a bind) at `dest`, then tmpcopyup, propagation, r* attributes.
    /// `target`: an fd of `dest` already resolved and checked by the caller (kept open), else
    /// `dest` is resolved here (see mountTarget); `field` names the config field in errors.
    func mountFS(_ source: String, _ dest: String, type: String, plan: MountPlan, data: String?, ctx: String,
                 target given: Int32 = -1, field: String = "") throws {
        let keepMode = type == "tmpfs" && !TmpfsMode.hasMode(data) && TmpfsMode.exists(root: root, dest)
        let owned: FileDescriptor? = given >= 0 ? nil : try mountTarget(dest, .directory, field: field)
        let target = owned.raw(or: given)
        let data = keepMode ? TmpfsMode.data(data, keepingModeOf: target, kernel: k) : data
        // The directory's current contents, read after the tmpfs hides them.
        let lower: FileDescriptor? = !plan.tmpcopyup ? nil : try checkFD("open \(dest) for tmpcopyup \(inRootfs)") {
            k.openat(target, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)
        }
        let flags = plan.flags & ~(MS.bind | MS.rec)
        try check(ctx) { k.mount(source, SafePath.procPath(target), type, flags, data) }
        if lower != nil {
            let from = lower.raw()
            let top = try checkFD("open \(dest) for tmpcopyup \(inRootfs)") {
                k.openat2(root, dest, flags: UInt64(O_RDONLY | O_DIRECTORY | O_CLOEXEC), mode: 0, resolve: SafePath.inRoot)
            }
            try TmpCopyUp.copy(from: from, to: top.rawValue, ctx: "tmpcopyup \(dest) \(inRootfs)", kernel: k)
        }
        try finish(dest, plan: plan, ctx: ctx)
    }

    /// Bind mount of a host path. MS_BIND ignores the other flags, so per-mount flags ("ro",
    /// "nosuid", ...) need a second MS_REMOUNT|MS_BIND call. That remount keeps the flags the
    /// source already has unless the options clear them: in a user namespace the source's
    /// nosuid/nodev/noexec/ro/atime flags are locked and dropping them would fail with EPERM.
    /// `tree`: the source as a detached mount the runtime made (BindSources), moved in instead.
    func bind(_ src: String, to dest: String, plan: MountPlan, ctx: String, target given: Int32 = -1,
              field: String = "", tree: Int32 = -1) throws {
        var st = FileStat()
        try check("\(ctx): stat") { k.stat(src, &st) }
        let isDir = (st.st_mode & S_IFMT) == S_IFDIR
        let owned: FileDescriptor? = given >= 0 ? nil : try mountTarget(dest, isDir ? .directory : .file, field: field)
        let target = owned.raw(or: given)
        if tree >= 0 {
            try check("\(ctx): move_mount") {
                k.moveMount(tree, "", target, "", IdmappedMounts.MOVE_MOUNT_F_EMPTY_PATH | IdmappedMounts.MOVE_MOUNT_T_EMPTY_PATH)
            }
        } else {
            try check(ctx) { k.mount(src, SafePath.procPath(target), nil, plan.flags & (MS.bind | MS.rec), nil) }
        }

        let want = plan.flags & MS.perMount
        let drop = plan.clearFlags & MS.perMount
        let topFD: FileDescriptor? = want != 0 || drop != 0 ? try resolve(dest) : nil
        let top = topFD.raw()
        if top >= 0 {
            var magic: UInt64 = 0, stFlags: UInt64 = 0
            try check("\(ctx): statfs") { k.statfs(top, nil, magic: &magic, flags: &stFlags) }
            let have = msFlags(fromStatfs: UInt(stFlags))
            var keep = have & ~drop
            if want & MS.atimeMask != 0 || drop & MS.atimeMask != 0 { keep &= ~MS.atimeMask }
            let flags = keep | want
            if flags != have {
                let path = SafePath.procPath(top)
                let base = MS.remount | MS.bind
                if k.mount(nil, path, nil, base | flags, nil) != 0 {
                    let e = errno
                    // A flag the options clear may be locked (user namespace): keep the source's.
                    guard e == EPERM, c.inNewUserNamespace,
                          k.mount(nil, path, nil, base | have | flags, nil) == 0 else {
                        throw RootfsError("\(ctx): remount", errno: e)
                    }
                }
            }
        }
        try finish(dest, plan: plan, ctx: ctx, top: top)
    }

    /// Propagation changes, then the recursive mount_setattr attributes.
    func finish(_ dest: String, plan: MountPlan, ctx: String, top given: Int32 = -1) throws {
        if plan.propagation.isEmpty && !plan.hasRecursiveAttrs { return }
        let owned: FileDescriptor? = given >= 0 ? nil : try resolve(dest)
        let top = owned.raw(or: given)
        for p in plan.propagation {
            try check("\(ctx): set propagation") { k.mount(nil, SafePath.procPath(top), nil, p, nil) }
        }
        if plan.hasRecursiveAttrs {
            try check("\(ctx): mount_setattr") {
                k.mountSetattr(top, "", UInt32(AT_EMPTY_PATH_) | AT_RECURSIVE_,
                               set: plan.recursiveSet, clear: plan.recursiveClear, propagation: 0, userns: 0)
            }
        }
    }

    /// Mount a filesystem, or when that is refused (EPERM in a user namespace that does not own
    /// the relevant namespace) recursively bind the host's `fallback` path, as runc does for sysfs.
    func mountOrBind(_ source: String, _ dest: String, type: String, plan: MountPlan, ctx: String,
                     fallback: String?, target: Int32 = -1, field: String = "") throws {
        do {
            try mountFS(source, dest, type: type, plan: plan, data: plan.data, ctx: ctx, target: target, field: field)
        } catch let e as RootfsError where fallback != nil && (e.errno == EPERM || e.errno == EBUSY) {
            try bindFallback(fallback!, dest, plan: plan, ctx: ctx, target: target, field: field)
        }
    }

    /// rbind of a host directory in place of a filesystem; "ro" becomes recursive so no writable
    /// submount (e.g. a cgroup hierarchy under /sys/fs/cgroup) shows through.
    func bindFallback(_ src: String, _ dest: String, plan: MountPlan, ctx: String, target: Int32 = -1,
                      field: String = "") throws {
        var p = plan
        p.flags |= MS.bind | MS.rec
        p.tmpcopyup = false
        if p.flags & MS.rdonly != 0 { p.recursiveSet |= MountAttr.rdonly; p.recursiveClear &= ~MountAttr.rdonly }
        try bind(src, to: dest, plan: p, ctx: ctx + " (as a bind of \(src))", target: target, field: field)
    }

    /// "cgroup"/"cgroup2": in a cgroup namespace on a cgroup2 host, mount a fresh cgroup2 (it shows
    /// the container's own cgroup as its root). Without a cgroup namespace a fresh mount would show
    /// the whole hierarchy, exactly what the host's /sys/fs/cgroup shows, and the first cgroup2
    /// mount in a new mount namespace costs the kernel ~13 ms, so rbind the host's instead (also
    /// on cgroup v1 / hybrid hosts, or when cgroup2 cannot be mounted, e.g. a user namespace).
    /// A per-controller v1 layout is not built yet.
    func mountCgroup(_ dest: String, plan: MountPlan, ctx: String) throws {
        let isV2 = fsMagic(-1, path: "/sys/fs/cgroup") == 0x6367_7270
        if !isV2 && !c.cgroupPaths.isEmpty {
            try mountCgroupV1(dest, plan: plan, ctx: ctx)
            return
        }
        if isV2 && c.cgroupNamespace {
            do {
                try mountFS("cgroup", dest, type: "cgroup2", plan: plan, data: plan.data, ctx: ctx)
                return
            } catch let e as RootfsError where e.errno == EPERM || e.errno == EBUSY {}
        }
        try bindFallback("/sys/fs/cgroup", dest, plan: plan, ctx: ctx)
    }
}

extension Stage {
    /// cgroup v1 / hybrid hosts, as runc lays it out: a tmpfs at `dest` with, per hierarchy, a bind
    /// of the container's own cgroup directory (`memory/`, `cpu/`, …, and `unified/` on hybrid
    /// hosts), the host's symlinks between hierarchies (`cpuacct -> cpu,cpuacct`), all read-only
    /// when the mount asks for "ro". Tools in the container then read their own limits at the
    /// usual paths.
    func mountCgroupV1(_ dest: String, plan: MountPlan, ctx: String) throws {
        let base = MS.nosuid | MS.nodev | MS.noexec
        var tmpfs = MountPlan()
        tmpfs.flags = base
        try mountFS("tmpfs", dest, type: "tmpfs", plan: tmpfs, data: labeled("mode=755"), ctx: ctx + " (tmpfs)")
        let host = "/sys/fs/cgroup/"
        var seen = Set<String>()
        for (_, path) in c.cgroupPaths.sorted(by: { $0.key < $1.key }) where path.hasBytePrefix(host) {
            guard let name = path.dropFirst(host.count).split(separator: "/").first.map(String.init),
                  seen.insert(name).inserted else { continue }
            var b = MountPlan()
            b.flags = MS.bind | base | (plan.flags & MS.rdonly)
            try bind(path, to: dest + "/" + name, plan: b, ctx: "bind \(path) to \(dest)/\(name) \(inRootfs)")
        }
        let dir = try resolve(dest)
        for name in FileIO.listDirectory("/sys/fs/cgroup") where !seen.contains(name) {
            guard let target = k.readlinkat(AT_FDCWD, host + name) else { continue }
            if k.symlinkat(target, dir.rawValue, name) != 0 && errno != EEXIST {
                throw RootfsError("symlink \(dest)/\(name) -> \(target) \(inRootfs)", errno: errno)
            }
        }
        if plan.flags & MS.rdonly != 0 {
            try check("\(ctx): remount tmpfs read-only") {
                k.mount(nil, SafePath.procPath(dir.rawValue), nil, MS.remount | MS.rdonly | base, nil)
            }
        }
    }
}

/// statfs f_flags (ST_*) to the MS_* flags a bind remount understands.
func msFlags(fromStatfs f: UInt) -> UInt {
    var r: UInt = f & (MS.rdonly | MS.nosuid | MS.nodev | MS.noexec | MS.noatime | MS.nodiratime)
    if f & 0x1000 != 0 { r |= MS.relatime }     // ST_RELATIME
    else if f & 0x400 == 0 { r |= MS.strictatime }   // neither relatime nor noatime
    if f & 0x2000 != 0 { r |= MS.nosymfollow }  // ST_NOSYMFOLLOW
    return r
}
