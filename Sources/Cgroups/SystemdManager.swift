#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// The systemd cgroup driver (`--systemd-cgroup`): the container's cgroup is a transient `.scope`
/// unit that systemd creates over D-Bus (StartTransientUnit with the init's PID, Delegate=yes and
/// the properties expressing linux.resources), in the slice cgroupsPath names. Everything else
/// (what systemd cannot express, `unified`, freezing, signalling, stats) goes through a V2Manager
/// on the unit's cgroup directory, as runc does. Unified (pure cgroup v2) hosts only.
///
/// Lifecycle: `create` checks the unit is not in use; `apply` (before the init exists) converts the
/// resources and keeps them; `addInit(pid)` starts the unit with that pid and writes the files;
/// `destroy` stops the unit, waits for its job, resets it if failed and removes what is left.
public final class SystemdManager: CgroupManager {
    public let mode: CgroupMode = .unified
    /// e.g. "docker-ID.scope".
    public let unit: String
    /// The slice the unit goes in, e.g. "system.slice" or "machine-foo.slice".
    public let slice: String
    let v2: V2Manager
    let bus: SystemdBus
    let unitDescription: String
    let extraProperties: [SystemdProperty]
    /// Set once the unit was started by this manager (or loaded from a container's state): only
    /// then does `destroy` stop it. A create refused because the unit exists must not stop it.
    public private(set) var ownsUnit: Bool
    private var pending: LinuxResources?
    private var pendingProperties: [SystemdProperty] = []

    init(unit: String, slice: String, mount: String, rel: [String], bus: SystemdBus, description: String,
         extraProperties: [SystemdProperty], ownsUnit: Bool) {
        self.unit = unit
        self.slice = slice
        self.v2 = V2Manager(mount: mount, rel: rel, key: "", mode: .unified)
        self.bus = bus
        self.unitDescription = description
        self.extraProperties = extraProperties
        self.ownsUnit = ownsUnit
    }

    public var path: String { v2.path }
    public var paths: [String: String] { v2.paths }

    /// The properties every container's unit gets (runc's set), before the annotations' and the
    /// resources'.
    func baseProperties(pid: Int32) -> [SystemdProperty] {
        [
            .init("Description", .string(unitDescription)),
            .init("Slice", .string(slice)),
            .init("Delegate", .bool(true)),
            .init("PIDs", .array(element: "u", [.uint32(UInt32(bitPattern: pid))])),
            .init("MemoryAccounting", .bool(true)),
            .init("CPUAccounting", .bool(true)),
            .init("IOAccounting", .bool(true)),
            .init("TasksAccounting", .bool(true)),
            .init("DefaultDependencies", .bool(false)),
        ]
    }

    /// Nothing is made here (a scope needs its first process); refuses a unit that is running.
    public func create() throws {
        if let s = bus.activeState(unit), s == "active" || s == "activating" || s == "reloading" || s == "deactivating" {
            throw CgroupError("systemd unit \(unit) already exists (\(s))")
        }
    }

    /// The unit's cgroup once it exists (exec); nil before, so that create's init is cloned in the
    /// runtime's cgroup and handed to systemd by `addInit`.
    public func cloneIntoFD() throws -> Int32? { ownsUnit ? try v2.cloneIntoFD() : nil }

    public func addProcess(_ pid: Int32) throws {
        if ownsUnit { return try v2.addProcess(pid) }
        _ = try addInit(pid)
    }

    /// Starts the unit holding `pid` with the pending properties (a failed unit of the same name is
    /// reset and the start retried once, as runc), then writes the resources to its files.
    public func addInit(_ pid: Int32) throws -> [String] {
        if ownsUnit { try v2.addProcess(pid); return [] }
        let props = baseProperties(pid: pid) + extraProperties + pendingProperties
        do { try bus.startTransientUnit(unit, properties: props) } catch is SystemdUnitExists {
            bus.resetFailedUnit(unit)
            do { try bus.startTransientUnit(unit, properties: props) } catch let e as SystemdUnitExists {
                throw CgroupError("unable to start unit \"\(unit)\": \(e)")
            }
        } catch {
            bus.resetFailedUnit(unit)
            throw CgroupError("unable to start unit \"\(unit)\" (properties \(props.map(\.description).inlineJoined(separator: " "))): \(error)")
        }
        ownsUnit = true
        guard let r = pending else { return [] }
        pending = nil
        return try v2.apply(r)
    }

    /// Before the unit exists: converts and keeps `r` (conversion errors surface here, before the
    /// init is cloned). Afterwards: as `update`.
    public func apply(_ r: LinuxResources) throws -> [String] {
        let c = try SystemdProperties.resources(r, version: bus.version())
        if ownsUnit {
            try bus.setUnitProperties(unit, properties: c.properties)
            return c.warnings + (try v2.apply(c.adjusted))
        }
        pending = c.adjusted
        pendingProperties = c.properties
        return c.warnings
    }

    /// SetUnitProperties (runtime) with what `r` sets, then the files.
    public func update(_ r: LinuxResources) throws -> [String] {
        let c = try SystemdProperties.resources(r, version: bus.version())
        do { try bus.setUnitProperties(unit, properties: c.properties) } catch {
            throw CgroupError("unable to set unit properties of \(unit): \(error)")
        }
        return c.warnings + (try v2.update(c.adjusted))
    }

    // Before the unit is ours its cgroup (if any) belongs to someone else: a failing create's
    // teardown must neither signal nor thaw what is there.
    public func freeze() throws { try v2.freeze() }
    public func thaw() throws { if ownsUnit { try v2.thaw() } }
    public func isFrozen() -> Bool { ownsUnit && v2.isFrozen() }
    public func pids() throws -> [Int32] { ownsUnit ? try v2.pids() : [] }
    public func occupancy() -> CgroupOccupancy { v2.occupancy() }
    public func kill(signal: Int32) throws { if ownsUnit { try v2.kill(signal: signal) } }
    public func stats() throws -> CgroupStats { try v2.stats() }
    public func oomKillCount() -> UInt64 { v2.oomKillCount() }

    /// StopUnit and wait for the job (systemd kills what is left and removes the cgroup), reset a
    /// failed unit, then remove the cgroup if systemd left it. A unit this manager does not own is
    /// left alone.
    public func destroy() throws {
        if ownsUnit {
            do { try bus.stopUnit(unit) } catch {
                throw CgroupError("stop systemd unit \(unit): \(error)")
            }
            bus.resetFailedUnit(unit)
            try v2.destroy()
        }
    }
}

extension Cgroups {
    /// The systemd driver's manager for a new container: cgroupsPath must be "slice:prefix:name"
    /// (runc's rule); empty means "system.slice:swiftrun:<id>". The unit is "<prefix>-<name>.scope"
    /// ("<name>.scope" without a prefix) in the slice ("" → system.slice), whose cgroup is the
    /// slice's expanded path (machine-foo.slice → machine.slice/machine-foo.slice).
    /// `userManager` (rootless, `bus` is the user's systemd instance): the default slice is
    /// user.slice, and the cgroup is below the manager's own (…/user@UID.service/user.slice/…).
    public static func systemdManager(cgroupsPath: String?, id: String, annotations: [String: String]?,
                                      bus: SystemdBus, root: String = defaultRoot,
                                      mode: CgroupMode? = nil, userManager: Bool = false) throws -> SystemdManager {
        let m = mode ?? detectMode(root: root)
        guard m == .unified else {
            throw CgroupError("the systemd cgroup driver needs a unified cgroup v2 hierarchy; \(root) is \(m == .hybrid ? "hybrid (cgroup v1 controllers with a controller-less cgroup2 at \(root)/unified)" : "cgroup v1") (boot with systemd.unified_cgroup_hierarchy=1, or use the cgroupfs driver)")
        }
        let defaultSlice = userManager ? "user.slice" : "system.slice"
        var raw = (cgroupsPath ?? "").isEmpty ? "\(defaultSlice):swiftrun:\(id)" : cgroupsPath!
        var parts = raw.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        if userManager && parts.count == 3 && parts[0].isEmpty {
            parts[0] = defaultSlice
            raw = parts.inlineJoined(separator: ":")
        }
        guard parts.count == 3, !raw.hasBytePrefix("/") else {
            throw CgroupError("expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups, got \"\(raw)\" instead")
        }
        if parts[2].hasSuffix(".slice") {
            throw CgroupError("cgroupsPath \"\(raw)\": a slice unit as the container's cgroup is not supported by the systemd driver (name a scope)")
        }
        var comps = try parsePath(raw, id: id).components
        let slice = parts[0].isEmpty ? defaultSlice : parts[0]
        let unit = comps.last!
        if userManager {
            let manager: String
            do { manager = try bus.managerControlGroup() } catch {
                throw CgroupError("read the ControlGroup of the user's systemd instance: \(error)")
            }
            comps = try SystemdUserBus.managerComponents(manager) + comps
        }
        return SystemdManager(unit: unit, slice: slice, mount: root, rel: comps, bus: bus,
                              description: "swiftrun container \(id)",
                              extraProperties: try SystemdAnnotations.properties(annotations), ownsUnit: false)
    }

    /// Rebuilds a container's systemd manager from its state (unit name and cgroup path).
    public static func systemdManager(unit: String, path: String, bus: SystemdBus, root: String = defaultRoot) -> SystemdManager {
        let rel = path.hasBytePrefix(root + "/") ? splitCgroupPath(String(path.dropFirst(root.count))) : splitCgroupPath(path)
        return SystemdManager(unit: unit, slice: rel.dropLast().last ?? "-.slice", mount: root, rel: rel, bus: bus,
                              description: "", extraProperties: [], ownsUnit: true)
    }
}
