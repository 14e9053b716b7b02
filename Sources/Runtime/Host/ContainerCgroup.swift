import Cgroups
import LinuxSys
import OCISpec

/// The glue between a container and its cgroup manager: which manager, which device rules,
/// and how to find it again from the saved state.
enum ContainerCgroup {
    /// A manager for a new container, honouring linux.cgroupsPath. `systemd` with `rootless`: the
    /// user's systemd instance over the user bus (runc's rootless systemd driver).
    static func make(spec: Spec, id: String, systemd: Bool = false, rootless: Bool = false) throws -> CgroupManager {
        if systemd {
            guard SystemdDBus.isRunning() else {
                throw RuntimeError("--systemd-cgroup: systemd is not running on this host (no /run/systemd/system); use the cgroupfs driver")
            }
            if !rootless, let refusal = Rootless.systemdBusRefusal() { throw RuntimeError(refusal) }
            let bus = SystemdDBus(rootless ? .user : .system)
            if rootless {
                guard Cgroups.detectMode() == .unified else {
                    throw RuntimeError("--systemd-cgroup: rootless containers need the unified cgroup v2 hierarchy (runc: cannot use rootless systemd cgroups manager on cgroup v1)")
                }
                do { try bus.connect() } catch { throw RuntimeError("--systemd-cgroup", cause: error) }
            }
            do {
                return try Cgroups.systemdManager(cgroupsPath: spec.linux?.cgroupsPath, id: id,
                                                  annotations: spec.annotations, bus: bus, userManager: rootless)
            } catch { throw RuntimeError("--systemd-cgroup: config.json: linux.cgroupsPath", cause: error) }
        }
        do { return try Cgroups.manager(cgroupsPath: spec.linux?.cgroupsPath, id: id) } catch {
            throw RuntimeError("config.json: linux.cgroupsPath", cause: error)
        }
    }

    /// The systemd unit of a systemd-driven manager, nil for cgroupfs ones.
    static func unit(of cg: CgroupManager) -> String? { (cg as? SystemdManager)?.unit }

    /// Like runc (1.2's wording): a container never shares a cgroup with processes already there
    /// (they would get its limits and go with its teardown), nor starts in a frozen one (its init
    /// would freeze, and create hang). Checked in every hierarchy, before anything is made.
    static func refuseOccupied(_ cg: CgroupManager) throws {
        let o = cg.occupancy()
        if let d = o.firstOccupied {
            throw RuntimeError("config.json: linux.cgroupsPath: container's cgroup is not empty: "
                               + "\(o.pids.count) process(es) found (in \(d))")
        }
        if let d = o.frozen {
            throw RuntimeError("config.json: linux.cgroupsPath: container's cgroup unexpectedly frozen (\(d))")
        }
    }

    /// The manager of an existing container, or nil for state written without cgroups.
    static func load(_ r: ContainerRecord) -> CgroupManager? {
        load(mode: r.cgroupMode, paths: r.cgroupPaths, systemdUnit: r.systemdUnit)
    }

    /// The manager for stored paths (state.json or intent.json), nil when there are none; with a
    /// systemd unit, the systemd driver's (it stops the unit on destroy).
    static func load(mode: CgroupMode?, paths: [String: String]?, systemdUnit: String? = nil) -> CgroupManager? {
        guard let mode, let paths, !paths.isEmpty else { return nil }
        if let unit = systemdUnit, let p = paths[""] {
            return Cgroups.systemdManager(unit: unit, path: p, bus: SystemdDBus.forCgroupPath(p))
        }
        return Cgroups.manager(paths: paths, mode: mode)
    }

    /// linux.resources as it is applied: the config's device rules, then (as runc) the devices
    /// every container may use. A linux.devices node gets no rule of its own: engines add the
    /// allow rules they want (runc behaves the same). Without device rules in the config the
    /// device controller is left alone.
    static func resources(for spec: Spec) -> LinuxResources {
        var r = spec.linux?.resources ?? LinuxResources()
        if let rules = r.devices, !rules.isEmpty {
            r.devices = rules + Cgroups.defaultAllowedDevices
        }
        return r
    }
}
