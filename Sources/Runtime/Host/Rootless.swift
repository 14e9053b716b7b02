#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import Cgroups
import OCISpec

/// Running as an ordinary user (Docs/ROOTLESS.md). Two questions, answered as runc does:
/// - rootless EUID (euid != 0): the config must bring a user namespace with mappings, id ranges
///   beyond the user's own ids go through newuidmap/newgidmap, and the state root defaults to
///   $XDG_RUNTIME_DIR/swiftrun;
/// - rootless cgroups (`--rootless auto|true|false`; auto: euid != 0, or root of a user namespace
///   other than the initial one): cgroups the user may not create or join are left out (Delegation).
public enum Rootless {
    public static var euid: uid_t { Credentials.euid }

    /// Whether the runtime is in a user namespace other than the initial one (its uid_map is not
    /// the identity map of all ids).
    public static func inUserNamespace() -> Bool {
        guard let m = try? FileIO.readString("/proc/self/uid_map") else { return false }
        return !SystemdUserBus.isInitialUidMap(m)
    }

    /// `--rootless`: "true", "false" or "auto" (the default); auto is rootless for a non-root euid
    /// and for root of a nested user namespace unless --systemd-cgroup is given (runc's rules).
    public static func cgroups(flag: String?, systemdCgroup: Bool) throws -> Bool {
        switch flag ?? "auto" {
        case "true": return true
        case "false": return false
        case "auto":
            if euid != 0 { return true }
            if !inUserNamespace() { return false }
            // runc: with the systemd driver, rootless when the bus's owner is not root: here, when
            // systemd is outside the namespace (its user's instance is then used, through a bridge).
            return !systemdCgroup || systemdIsOutside()
        case let v: throw RuntimeError("--rootless: invalid value \"\(v)\" (true, false or auto)")
        }
    }

    /// Root of a user namespace whose systemd is outside it (rootless podman, rootlesskit): the
    /// system bus socket belongs to an id this namespace does not map (the overflow uid).
    static func systemdIsOutside(socket: String = "/run/dbus/system_bus_socket") -> Bool {
        guard euid == 0, inUserNamespace(), let st = FileIO.status(socket) else { return false }
        let overflow = (try? FileIO.readString("/proc/sys/kernel/overflowuid"))
            .flatMap { $0.split(whereSeparator: { $0 == "\n" || $0 == " " }).first.flatMap { UInt32($0) } } ?? 65534
        return st.st_uid == overflow
    }

    /// `--rootless false` with `--systemd-cgroup` there: the system bus sees this process as the
    /// namespace's owner, not root, and refuses it. The refusal, or nil when the bus is reachable.
    static func systemdBusRefusal() -> String? {
        guard systemdIsOutside() else { return nil }
        let map = ((try? FileIO.readString("/proc/self/uid_map")) ?? "").split(separator: "\n").first
            .map { $0.split(separator: " ").inlineJoined(separator: " ") } ?? ""
        return "--systemd-cgroup: the runtime is root of a user namespace (uid_map \"\(map)\") and systemd is outside it "
            + "(rootless podman, rootlesskit): the system bus sees this process as the namespace's owner, not root; "
            + "with --rootless false swiftrun would need the system instance, which refuses it (leave --rootless at auto "
            + "to use the user's systemd instance, or use the cgroupfs driver)"
    }

    /// The checks runc makes for a non-root euid, before anything is made (runc's wording).
    static func validate(_ spec: Spec, plan: NamespacePlan) throws {
        guard euid != 0 else { return }
        guard plan.newUser || plan.joins.contains(where: { $0.kind == .user }) else {
            throw RuntimeError("rootless container requires user namespaces (linux.namespaces has no \"user\")", errno: EPERM)
        }
        if plan.newUser {
            if (spec.linux?.uidMappings ?? []).isEmpty {
                throw RuntimeError("rootless containers requires at least one UID mapping (linux.uidMappings)", errno: EPERM)
            }
            if (spec.linux?.gidMappings ?? []).isEmpty {
                throw RuntimeError("rootless containers requires at least one GID mapping (linux.gidMappings)", errno: EPERM)
            }
        }
    }
}

/// The state directory (`--root`): given, or $XDG_RUNTIME_DIR/swiftrun for an ordinary user
/// (runc's rule: also for root of a user namespace whose $USER is not root), else /run/swiftrun.
public enum StateRoot {
    public static let systemDefault = "/run/swiftrun"

    public static func resolve(_ explicit: String?, env: [String: String] = environment(),
                               euid: uid_t = Credentials.euid, inUserNamespace: () -> Bool = Rootless.inUserNamespace) throws -> String {
        if let explicit { return explicit }
        let xdg = env["XDG_RUNTIME_DIR"] ?? ""
        let honourXDG = !xdg.isEmpty && (euid != 0 || (inUserNamespace() && env["USER"] != "root"))
        guard honourXDG else {
            if euid != 0 && !usable(systemDefault) {
                throw RuntimeError("no state directory: \(systemDefault) is not writable by uid \(euid); "
                                   + "set XDG_RUNTIME_DIR or pass --root", errno: EACCES)
            }
            return systemDefault
        }
        let root = (xdg.hasSuffix("/") ? String(xdg.dropLast()) : xdg) + "/swiftrun"
        // XDG: a sticky bit keeps the directory from being pruned.
        do { try FileIO.mkdirAll(root, mode: 0o700) } catch {
            throw RuntimeError("the path in $XDG_RUNTIME_DIR must be writable by the user", cause: error)
        }
        do { try FileIO.chmod(root, 0o700 | S_ISVTX) } catch {
            throw RuntimeError("you should check permission of the path in $XDG_RUNTIME_DIR", cause: error)
        }
        return root
    }

    /// An existing directory the caller may write, or a missing one whose parent it may write.
    static func usable(_ dir: String) -> Bool {
        let e = Credentials.accessError(dir, W_OK | X_OK)
        if e == 0 { return true }
        if e != ENOENT { return false }
        let parent = dir.split(separator: "/").dropLast().inlineJoined(separator: "/")
        return Credentials.mayAccess("/" + parent, W_OK | X_OK)
    }

    public static func environment() -> [String: String] {
        var env: [String: String] = [:]
        for k in ["XDG_RUNTIME_DIR", "USER"] { if let v = getenv(k) { env[k] = String(cString: v) } }
        return env
    }
}
