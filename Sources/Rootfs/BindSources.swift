#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// Bind-mount sources of a user-namespace container, opened by the runtime on the host side.
///
/// Once the init is in its user namespace it has the container's credentials on host files, so a
/// source under a directory it cannot search (0700, owned by the host's root: a podman volume
/// under /var/lib/containers, a kubelet pod directory) would fail with EACCES. As runc does, the
/// runtime opens every such source with O_PATH before clone3 (as the host's root); the init
/// inherits the fds and binds from `/proc/self/fd/N`, which needs no search permission on the
/// path. Idmapped bind mounts have their own prepared fds (IdmappedMounts.prepare).
public enum BindSources {
    /// O_PATH fds of the sources of the (non-idmapped) bind mounts in `spec.mounts`, keyed by
    /// index, owned: the init gets the numbers (`rawValues`), the runtime's copies close when the
    /// map goes, after clone3. A source that cannot be opened here is left out: the init reports
    /// it as before.
    public static func open(spec: Spec, bundle: String, skipping: Set<Int>,
                            kernel k: any Kernel = LinuxKernel()) -> FileDescriptorMap<Int> {
        var out = FileDescriptorMap<Int>()
        for (i, m) in (spec.mounts ?? []).enumerated() where !skipping.contains(i) {
            var plan = MountPlan.parse(m.options ?? [])
            if m.type == "bind" { plan.flags |= MS.bind }
            guard plan.isBind, let src = m.source, !src.isEmpty else { continue }
            let host = src.hasBytePrefix("/") ? src : bundle + "/" + src
            var flags = IdmappedMounts.OPEN_TREE_CLONE | IdmappedMounts.OPEN_TREE_CLOEXEC
            if plan.isRecursiveBind { flags |= UInt32(AT_RECURSIVE_) }
            if let fd = FileDescriptor(adoptingResult: k.openTree(AT_FDCWD, host, flags)) { out.insert(fd, for: i) }
        }
        return out
    }
}
