#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

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
        for c in path.split(separator: "/") where c.hasPrefix("user@") && c.hasSuffix(".service") {
            if let n = UInt32(c.dropFirst(5).dropLast(8)) { return n }
        }
        return nil
    }

    /// The manager's cgroup ("/user.slice/user-1000.slice/user@1000.service") as components, checked.
    static func managerComponents(_ controlGroup: String) throws -> [String] {
        let comps = controlGroup.split(separator: "/").map(String.init)
        guard controlGroup.hasPrefix("/"), !comps.isEmpty, !comps.contains(".."), !comps.contains("."),
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
