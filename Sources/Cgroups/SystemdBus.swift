#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// A unit property as StartTransientUnit and SetUnitProperties take it: `(sv)`.
public struct SystemdProperty: Equatable, Sendable, CustomStringConvertible {
    public var name: String
    public var value: DBusValue
    public init(_ name: String, _ value: DBusValue) { self.name = name; self.value = value }
    public var description: String { "\(name)=\(value)" }
    var dbus: DBusValue { .structure([.string(name), .variant(value)]) }
}

/// What the systemd driver asks of systemd's manager (org.freedesktop.systemd1.Manager). The real
/// one is `SystemdDBus`; unit tests use a fake.
public protocol SystemdBus: AnyObject {
    /// systemd's version number (e.g. 252), -1 when unknown.
    func version() -> Int
    /// StartTransientUnit(name, "replace", properties, []) and waits for its job; throws unless the
    /// job's result is "done". A unit that already exists throws `SystemdUnitExists`.
    func startTransientUnit(_ name: String, properties: [SystemdProperty]) throws
    /// StopUnit(name, "replace") and waits for its job. false: there was no such unit.
    @discardableResult func stopUnit(_ name: String) throws -> Bool
    /// ResetFailedUnit(name); errors (no such unit, not failed) are ignored.
    func resetFailedUnit(_ name: String)
    /// SetUnitProperties(name, runtime = true, properties).
    func setUnitProperties(_ name: String, properties: [SystemdProperty]) throws
    /// The unit's ActiveState ("active", "failed", ...), nil when systemd has no such unit loaded.
    func activeState(_ name: String) -> String?
    /// The manager's own cgroup (its ControlGroup property), e.g.
    /// "/user.slice/user-1000.slice/user@1000.service" for a user's systemd instance.
    func managerControlGroup() throws -> String
}

/// StartTransientUnit failed because the unit is already loaded.
public struct SystemdUnitExists: Error, CustomStringConvertible {
    public let unit: String
    public var description: String { "systemd unit \(unit) already exists" }
}

/// `SystemdBus` over the system bus, or the user's bus for its systemd instance (rootless), with
/// libdbus-1 (LinuxSys.DBusConnection), connected on first use and subscribed to the manager's
/// JobRemoved signal, which ends every job we wait for.
public final class SystemdDBus: SystemdBus {
    static let service = "org.freedesktop.systemd1"
    static let object = "/org/freedesktop/systemd1"
    static let manager = "org.freedesktop.systemd1.Manager"

    /// Which systemd instance: PID 1 over the system bus, or the calling user's `systemd --user`
    /// over the bus SystemdUserBus.address finds (runc's rule).
    public enum Instance: Equatable, Sendable { case system, user }

    public let instance: Instance
    /// How long a start or stop job may take (runc: 30 s).
    let jobTimeoutMs: Int32
    private var conn: DBusConnection?
    private var cachedVersion: Int?

    /// The systemd-stdio-bridge libdbus spawned for a bridged connection (our child), reaped when
    /// the connection closes.
    private var bridgePID: pid_t?

    public init(_ instance: Instance = .system, jobTimeoutMs: Int32 = 30_000) {
        self.instance = instance
        self.jobTimeoutMs = jobTimeoutMs
    }

    deinit { close() }

    /// Closes the connection; a bridge exits on its end of the socketpair closing and is reaped
    /// here (waiting at most 2 s, then killed), so that it is no zombie of a long-lived runtime.
    public func close() {
        conn = nil
        guard let pid = bridgePID else { return }
        bridgePID = nil
        for _ in 0..<200 {
            // An error (ECHILD): reaped already (a subreaper's loop); the pid is no longer ours.
            do { if try Proc.wait(pid, noHang: true) != nil { return } } catch { return }
            Proc.sleep(microseconds: 10_000)
        }
        // Still our unreaped child, so the pid cannot have been reused.
        try? Proc.kill(pid, SIGKILL)
        _ = try? Proc.wait(pid)
    }

    /// The pids StartTransientUnit gets are this process's view; the user's systemd reads them in
    /// its own pid namespace. The bus reports the pid of our connection's peer (the bridge) as it
    /// sees it: when that is not our child here, the runtime is in a pid namespace of its own, and
    /// the scope would get the wrong processes. Returns the bridge's pid.
    static func checkBridge(_ c: DBusConnection, address: String) throws -> pid_t {
        let r = try c.call(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
                           method: "GetConnectionUnixProcessID", args: [.string(c.uniqueName ?? "")])
        guard case .uint32(let seen)? = r.first else {
            throw CgroupError("rootless --systemd-cgroup: the user bus \(address) did not report the bridge's pid")
        }
        let pid = pid_t(bitPattern: seen)
        guard pid > 0, ProcStat.read(pid)?.parent == Proc.currentPID else {
            throw CgroupError("rootless --systemd-cgroup: the runtime is in a pid namespace other than the user's systemd's "
                              + "(the user bus \(address) sees the bridge as pid \(seen), which is not the runtime's child here): "
                              + "the scope would get the wrong processes; run the runtime in the user's pid namespace, or use the cgroupfs driver")
        }
        return pid
    }

    /// The instance that manages a unit whose cgroup is `path` (saved state): the user's when the
    /// path lies below a user@UID.service.
    public static func forCgroupPath(_ path: String) -> SystemdDBus {
        SystemdDBus(SystemdUserBus.managerUID(ofCgroupPath: path) != nil ? .user : .system)
    }

    /// True when systemd is the init (sd_booted(3): /run/systemd/system is a directory).
    public static func isRunning(root: String = "/") -> Bool { FileIO.isDirectory(root + "run/systemd/system") }

    /// Connects now (instead of on first use), so that a missing bus is reported before anything
    /// is made.
    public func connect() throws { _ = try connection() }

    func connection() throws -> DBusConnection {
        if let c = conn { return c }
        let c: DBusConnection
        switch instance {
        case .system:
            do { c = try DBusConnection.system() } catch {
                throw CgroupError("systemd cgroup driver: cannot connect to the system bus: \(error)")
            }
        case .user:
            let address = try SystemdUserBus.address(env: SystemdUserBus.environment(), exists: FileIO.exists)
            let route = try SystemdUserBus.connectAddress(address, rootOfUserNamespace: SystemdUserBus.isRootOfUserNamespace(),
                                                          executable: FileIO.isExecutable)
            let via = route.bridged ? " (through \(SystemdUserBus.bridgePath), as root of a user namespace)" : ""
            do { c = try DBusConnection.connect(address: route.address) } catch {
                throw CgroupError("rootless --systemd-cgroup: cannot connect to the user's systemd instance on the user bus \(address)\(via): \(error)")
            }
            if route.bridged { bridgePID = try Self.checkBridge(c, address: address) }
        }
        try c.addMatch("type='signal',sender='\(Self.service)',path='\(Self.object)',interface='\(Self.manager)',member='JobRemoved'")
        _ = try c.call(destination: Self.service, path: Self.object, interface: Self.manager, method: "Subscribe")
        conn = c
        return c
    }

    func callManager(_ method: String, _ args: [DBusValue]) throws -> [DBusValue] {
        try connection().call(destination: Self.service, path: Self.object, interface: Self.manager, method: method, args: args)
    }

    public func version() -> Int {
        if let v = cachedVersion { return v }
        var v = -1
        if let r = try? connection().call(destination: Self.service, path: Self.object,
                                          interface: "org.freedesktop.DBus.Properties", method: "Get",
                                          args: [.string(Self.manager), .string("Version")]),
           let s = r.first?.stringValue {
            v = Self.parseVersion(s)
        }
        cachedVersion = v
        return v
    }

    /// "252.36-1~deb12u1" or "v255" → 252 / 255; -1 when there is no leading number.
    static func parseVersion(_ s: String) -> Int {
        let digits = s.drop(while: { $0 == "v" || $0 == "\"" }).prefix(while: { $0.isASCII && $0.isNumber })
        return Int(digits) ?? -1
    }

    public func startTransientUnit(_ name: String, properties: [SystemdProperty]) throws {
        let reply: [DBusValue]
        do {
            reply = try callManager("StartTransientUnit", [
                .string(name), .string("replace"),
                .array(element: "(sv)", properties.map(\.dbus)),
                .array(element: "(sa(sv))", []),
            ])
        } catch let e as DBusError where e.name == "org.freedesktop.systemd1.UnitExists" {
            throw SystemdUnitExists(unit: name)
        }
        guard let job = reply.first?.stringValue else { throw CgroupError("StartTransientUnit \(name): no job in the reply") }
        let result = try waitForJob(job, unit: name)
        if result != "done" { throw CgroupError("error creating systemd unit `\(name)`: got `\(result)`") }
    }

    public func stopUnit(_ name: String) throws -> Bool {
        let reply: [DBusValue]
        do { reply = try callManager("StopUnit", [.string(name), .string("replace")]) } catch let e as DBusError
            where e.name == "org.freedesktop.systemd1.NoSuchUnit" {
            return false
        }
        guard let job = reply.first?.stringValue else { return true }
        let result = try waitForJob(job, unit: name)
        if result != "done" && result != "canceled" {
            throw CgroupError("error removing systemd unit `\(name)`: got `\(result)`")
        }
        return true
    }

    public func resetFailedUnit(_ name: String) {
        _ = try? callManager("ResetFailedUnit", [.string(name)])
    }

    public func setUnitProperties(_ name: String, properties: [SystemdProperty]) throws {
        if properties.isEmpty { return }
        _ = try callManager("SetUnitProperties", [.string(name), .bool(true), .array(element: "(sv)", properties.map(\.dbus))])
    }

    public func activeState(_ name: String) -> String? {
        guard let c = try? connection(),
              let r = try? callManager("GetUnit", [.string(name)]), let path = r.first?.stringValue,
              let v = try? c.call(destination: Self.service, path: path, interface: "org.freedesktop.DBus.Properties",
                                  method: "Get", args: [.string("org.freedesktop.systemd1.Unit"), .string("ActiveState")])
        else { return nil }
        return v.first?.stringValue
    }

    public func managerControlGroup() throws -> String {
        let r = try connection().call(destination: Self.service, path: Self.object, interface: "org.freedesktop.DBus.Properties",
                                      method: "Get", args: [.string(Self.manager), .string("ControlGroup")])
        guard let s = r.first?.stringValue else { throw CgroupError("systemd's manager has no ControlGroup property") }
        return s
    }

    /// Waits for JobRemoved(id, job, unit, result) of `job`; returns its result ("done", "failed",
    /// "timeout", "canceled", "dependency", "skipped").
    func waitForJob(_ job: String, unit: String) throws -> String {
        let s = try connection().waitForSignal(timeoutMs: jobTimeoutMs) {
            $0.member == "JobRemoved" && $0.args.count >= 4 && $0.args[1].stringValue == job
        }
        guard let s else { throw CgroupError("timed out waiting for systemd's job on unit \(unit)") }
        return s.args[3].stringValue ?? ""
    }
}
