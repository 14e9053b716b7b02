#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// The user's systemd instance, for `--systemd-cgroup` in rootless mode (Docs/ROOTLESS.md): the
/// container's scope is made by `systemd --user` (user@UID.service) over the user's bus, in a
/// slice of that manager (default user.slice), as runc does. Pure rules, unit-tested.
public enum SystemdUserBus {
    /// runc's rule: $DBUS_SESSION_BUS_ADDRESS when set, else unix:path=$XDG_RUNTIME_DIR/bus when
    /// that socket exists; otherwise an error saying what was tried.
    public static func address(env: [String: String], exists: (String) -> Bool) throws -> String {
        if let a = env["DBUS_SESSION_BUS_ADDRESS"], !a.isEmpty { return a }
        guard let xdg = env["XDG_RUNTIME_DIR"], !xdg.isEmpty else {
            throw CgroupError("rootless --systemd-cgroup needs the user's systemd instance, but no user bus was found: "
                              + "DBUS_SESSION_BUS_ADDRESS and XDG_RUNTIME_DIR are not set " + hint)
        }
        let path = (xdg.hasSuffix("/") ? String(xdg.dropLast()) : xdg) + "/bus"
        guard exists(path) else {
            throw CgroupError("rootless --systemd-cgroup needs the user's systemd instance, but no user bus was found: "
                              + "DBUS_SESSION_BUS_ADDRESS is not set and \(path) ($XDG_RUNTIME_DIR/bus) does not exist " + hint)
        }
        return "unix:path=" + escape(path)
    }

    /// Where libdbus connects for the user's bus at `address`. As root of a user namespace whose
    /// systemd is outside it (rootless podman, rootlesskit), a direct connection fails: libdbus's
    /// EXTERNAL authentication sends the euid (0 here) and the bus sees the namespace's owner
    /// (SO_PEERCRED). There libdbus spawns systemd-stdio-bridge over a socketpair inside the
    /// namespace (`unixexec:`; the uid-0 authentication matches that peer), and the bridge
    /// (sd-bus) authenticates to the real bus with an empty identity. Otherwise `address` as it is,
    /// with no extra process. Throws when the bridge is needed and `bridge` is not an executable.
    public static func connectAddress(_ address: String, rootOfUserNamespace: Bool,
                                      bridge: String = bridgePath, executable: (String) -> Bool) throws -> (address: String, bridged: Bool) {
        guard rootOfUserNamespace else { return (address, false) }
        guard executable(bridge) else {
            throw CgroupError("rootless --systemd-cgroup as root of a user namespace whose systemd is outside it needs "
                              + "\(bridge) (systemd's systemd-stdio-bridge) to reach the user's bus \(address) from inside "
                              + "the namespace, and it is not an executable here (install systemd, or use the cgroupfs driver)")
        }
        return ("unixexec:path=" + escape(bridge) + ",argv1=" + escape("--bus-path=" + address), true)
    }

    /// True when this process is root (euid 0) of a user namespace other than the initial one
    /// (its uid_map is not the identity map of all ids): the case `connectAddress` bridges.
    public static func isRootOfUserNamespace() -> Bool {
        guard Credentials.euid == 0, let m = try? FileIO.readString("/proc/self/uid_map") else { return false }
        return !isInitialUidMap(m)
    }

    /// The initial user namespace's uid_map: "0 0 4294967295".
    public static func isInitialUidMap(_ map: String) -> Bool {
        let f = map.byteSplit { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") }
        return f.count == 3 && f[0] == "0" && f[1] == "0" && f[2] == "4294967295"
    }

    /// systemd-stdio-bridge as Debian (systemd 252) installs it.
    public static let bridgePath = "/usr/bin/systemd-stdio-bridge"

    static let hint = "(install dbus-user-session, and run from a login session of the user or enable lingering: loginctl enable-linger)"

    /// D-Bus address value escaping: bytes outside [-0-9A-Za-z_/.\*] become %XX.
    static func escape(_ value: String) -> String {
        var out = ""
        for b in value.utf8 {
            switch b {
            case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "/"), UInt8(ascii: "."), UInt8(ascii: "\\"), UInt8(ascii: "*"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                out += "%" + String(b >> 4, radix: 16) + String(b & 0xf, radix: 16)
            }
        }
        return out
    }

    /// The uid of the user manager whose tree `path` (a cgroup path) lies in: the N of its
    /// "user@N.service" component; nil for the system manager's units. A system-manager scope can
    /// never be below a service, so the component identifies user-manager containers from their
    /// saved cgroup path.
    public static func managerUID(ofCgroupPath path: String) -> UInt32? {
        for c in path.split(separator: "/") where c.hasBytePrefix("user@") && c.hasSuffix(".service") {
            if let n = UInt32(c.dropFirst(5).dropLast(8)) { return n }
        }
        return nil
    }

    /// The manager's cgroup ("/user.slice/user-1000.slice/user@1000.service") as components, checked.
    static func managerComponents(_ controlGroup: String) throws -> [String] {
        let comps = controlGroup.split(separator: "/").map(String.init)
        guard controlGroup.hasBytePrefix("/"), !comps.isEmpty, !comps.contains(".."), !comps.contains("."),
              managerUID(ofCgroupPath: controlGroup) != nil else {
            throw CgroupError("the user's systemd instance reports an unexpected ControlGroup \"\(controlGroup)\" (want /…/user@UID.service)")
        }
        return comps
    }

    /// The process environment entries the address rule reads.
    public static func environment() -> [String: String] {
        var env: [String: String] = [:]
        for k in ["DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"] { if let v = getenv(k) { env[k] = String(cString: v) } }
        return env
    }
}
