#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// linux.netDevices (config-linux.md "Network Devices"): move host interfaces into the
/// container's network namespace.
///
/// Call from the runtime (parent, host namespaces, CAP_NET_ADMIN) once the init exists and has
/// created its network namespace (e.g. when the init reports ready or at the runtimeHooks
/// step), before `start`. For each device: the permanent global addresses are read, then ONE
/// RTM_NEWLINK moves it (IFLA_NET_NS_FD), renames it (IFLA_IFNAME: the kernel renames in the
/// target namespace under the same rtnl lock) and sets it up (IFF_UP); the addresses are
/// re-added through a netlink socket opened inside the container's namespace.
enum NetDevices {

    /// The spec's requirements that need no syscall: names valid for IFNAMSIZ, no duplicates.
    static func validate(_ devices: [String: LinuxNetDevice], namespaces: [LinuxNamespace]?) throws {
        if devices.isEmpty { return }
        guard let ns = namespaces?.first(where: { $0.type == "network" }) else {
            throw RuntimeError("linux.netDevices: needs a network namespace (linux.namespaces has none of type \"network\")",
                               errno: EINVAL)
        }
        _ = ns
        var targets = Set<String>()
        for (host, d) in devices.sorted(by: { $0.key < $1.key }) {
            let f = "linux.netDevices[\"\(host)\"]"
            try checkName(host, field: f)
            let target = (d.name?.isEmpty ?? true) ? host : d.name!
            try checkName(target, field: f + ".name")
            if !target.contains("%d") && !targets.insert(target).inserted {
                throw RuntimeError("\(f).name: \"\(target)\" is used by another device", errno: EINVAL)
            }
        }
    }

    static func checkName(_ n: String, field: String) throws {
        if n.isEmpty || n.utf8.count > 15 || n == "." || n == ".." || n.contains("/") || n.contains(":")
            || n.unicodeScalars.contains(where: { $0 == " " || $0 == "\t" || $0 == "\n" }) {
            throw RuntimeError("\(field): invalid interface name \"\(n)\"", errno: EINVAL)
        }
    }

    static func move(_ devices: [String: LinuxNetDevice], toPid pid: Int32) throws {
        if devices.isEmpty { return }
        let nsPath = "/proc/\(pid)/ns/net"
        func open(_ path: String, _ what: String) throws -> FileDescriptor {
            do { return FileDescriptor(adopting: try FileIO.open(path, O_RDONLY)) } catch {
                throw RuntimeError("linux.netDevices: open \(what)", cause: error)
            }
        }
        let target = try open(nsPath, "the container's network namespace")
        let host = try open("/proc/thread-self/ns/net", "the runtime's network namespace")
        let hostNS = host.rawValue  // for the defer below (it cannot capture the owned value)
        if let a = FileIO.status(fd: target.rawValue), let b = FileIO.status(fd: host.rawValue), a.st_ino == b.st_ino && a.st_dev == b.st_dev {
            throw RuntimeError("linux.netDevices: the container shares the runtime's network namespace; a new network namespace is required",
                               errno: EINVAL)
        }

        var hostNL = try Netlink()
        // A socket inside the container's namespace: switch this thread there only to create it.
        var inner: Netlink
        do {
            try Namespaces.setns(fd: target.rawValue, .network, path: nsPath)
            defer { try? Namespaces.setns(fd: hostNS, .network, path: "the runtime's network namespace") }
            inner = try Netlink()
        } catch {
            throw RuntimeError("linux.netDevices: enter the container's network namespace", cause: error)
        }

        for (name, dev) in devices.sorted(by: { $0.key < $1.key }) {
            let f = "linux.netDevices[\"\(name)\"]"
            let newName = (dev.name?.isEmpty ?? true) ? name : dev.name!
            guard let index = NetworkInterface.index(of: name) else {
                let e = errno
                throw RuntimeError("\(f): \(e == ENODEV || e == ENXIO || e == 0 ? "no such device" : Errno.describe(e))",
                                   errno: ENODEV)
            }
            if !newName.contains("%d"), (try? inner.index(of: newName)) ?? nil != nil {
                throw RuntimeError("\(f): a device named \"\(newName)\" already exists in the container's network namespace",
                                   errno: EEXIST)
            }
            let addrs: [InterfaceAddress]
            do { addrs = try hostNL.permanentGlobalAddresses(index: index) } catch {
                throw RuntimeError("\(f): read addresses", cause: error)
            }
            var m = Netlink.Message(type: Netlink.RTM_NEWLINK, flags: 0)
            m.ifinfo(index: index, flags: Netlink.IFF_UP, change: Netlink.IFF_UP)
            m.attr(Netlink.IFLA_NET_NS_FD, int: UInt32(bitPattern: target.rawValue))
            if newName != name { m.attr(Netlink.IFLA_IFNAME, string: newName) }
            do { try hostNL.request(m, op: "RTM_NEWLINK") } catch let e as SysError {
                throw RuntimeError("\(f): move to the container's network namespace as \"\(newName)\"", cause: e)
            }
            // The index may change on a move when it is taken in the target namespace: look it up.
            // With a "%d" template the final name is unknown; find it by the old index.
            let newIndex = newName.contains("%d") ? index : ((try? inner.index(of: newName)) ?? nil) ?? index
            for ad in addrs {
                do { try inner.addAddress(ad, index: newIndex) } catch let e as SysError where e.errno == EEXIST {
                } catch {
                    throw RuntimeError("\(f): restore address in the container", cause: error)
                }
            }
        }
    }
}
