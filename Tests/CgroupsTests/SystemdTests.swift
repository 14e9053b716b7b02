#if canImport(Glibc)
import Glibc
#endif
@testable import OCISpec
import LinuxSys
import XCTest
@testable import Cgroups

/// Records the calls and plays systemd: starting a unit makes its cgroup directory in the fake
/// cgroupfs (as systemd would, with the delegated controllers), stopping removes it.
final class FakeSystemd: SystemdBus {
    var calls: [String] = []
    var started: [String: [SystemdProperty]] = [:]
    var set: [String: [SystemdProperty]] = [:]
    var states: [String: String] = [:]
    var failStart: Error?
    var versionNumber = 252
    let fake: FakeCgroupFS
    var dirFor: [String: String] = [:]

    init(_ fake: FakeCgroupFS) { self.fake = fake }

    func version() -> Int { versionNumber }
    func startTransientUnit(_ name: String, properties: [SystemdProperty]) throws {
        calls.append("start \(name)")
        if let e = failStart { throw e }
        if states[name] == "active" { throw SystemdUnitExists(unit: name) }
        started[name] = properties
        states[name] = "active"
        if let d = dirFor[name] {
            try fake.dir(d, ["cgroup.controllers": "cpu cpuset io memory pids", "cgroup.procs": "", "cgroup.freeze": "0",
                             "cgroup.kill": "", "memory.max": "", "memory.low": "", "memory.swap.max": "", "memory.high": "",
                             "pids.max": "", "cpu.weight": "", "cpu.max": "", "cpuset.cpus": "", "io.weight": ""])
        }
    }
    func stopUnit(_ name: String) throws -> Bool {
        calls.append("stop \(name)")
        guard states[name] != nil else { return false }
        states[name] = nil
        if let d = dirFor[name] { try? FileIO.removeAll(fake.root + "/" + d) }
        return true
    }
    func resetFailedUnit(_ name: String) { calls.append("reset-failed \(name)") }
    func setUnitProperties(_ name: String, properties: [SystemdProperty]) throws {
        calls.append("set \(name)")
        set[name] = properties
    }
    func activeState(_ name: String) -> String? { states[name] }
    var controlGroup = "/"
    func managerControlGroup() throws -> String { controlGroup }
}

final class SystemdTests: XCTestCase {
    var fake: FakeCgroupFS!
    var bus: FakeSystemd!

    override func setUpWithError() throws {
        fake = try FakeCgroupFS()
        bus = FakeSystemd(fake)
    }
    override func tearDown() { fake = nil; bus = nil }

    func manager(_ path: String?, id: String = "c1", annotations: [String: String]? = nil) throws -> SystemdManager {
        try Cgroups.systemdManager(cgroupsPath: path, id: id, annotations: annotations, bus: bus, root: fake.root, mode: .unified)
    }

    func prop(_ props: [SystemdProperty], _ name: String) -> DBusValue? { props.last { $0.name == name }?.value }

    func testUserManagerSlicesAndPaths() throws {
        bus.controlGroup = "/user.slice/user-1000.slice/user@1000.service"
        func user(_ path: String?, id: String = "c1") throws -> SystemdManager {
            try Cgroups.systemdManager(cgroupsPath: path, id: id, annotations: nil, bus: bus, root: fake.root,
                                       mode: .unified, userManager: true)
        }
        let base = fake.root + "/user.slice/user-1000.slice/user@1000.service"
        // No cgroupsPath: swiftrun-ID.scope in the user manager's user.slice (runc: user.slice).
        var m = try user(nil, id: "myid")
        XCTAssertEqual(m.unit, "swiftrun-myid.scope")
        XCTAssertEqual(m.slice, "user.slice")
        XCTAssertEqual(m.path, base + "/user.slice/swiftrun-myid.scope")
        // An empty slice is user.slice too; named slices nest below the manager's cgroup.
        m = try user(":vt:a")
        XCTAssertEqual(m.slice, "user.slice")
        XCTAssertEqual(m.path, base + "/user.slice/vt-a.scope")
        m = try user("user.slice:swiftrun:b")
        XCTAssertEqual(m.unit, "swiftrun-b.scope")
        XCTAssertEqual(m.path, base + "/user.slice/swiftrun-b.scope")
        m = try user("app-vt.slice:p:c")
        XCTAssertEqual(m.slice, "app-vt.slice")
        XCTAssertEqual(m.path, base + "/app.slice/app-vt.slice/p-c.scope")
        XCTAssertEqual(m.baseProperties(pid: 5).first { $0.name == "Slice" }?.value, .string("app-vt.slice"))
        // The system manager keeps system.slice for the same inputs.
        XCTAssertEqual(try manager(":vt:a").path, fake.root + "/system.slice/vt-a.scope")
        // A manager cgroup that is not a user@UID.service is refused.
        bus.controlGroup = "/init.scope"
        XCTAssertThrowsError(try user(nil)) { XCTAssertTrue("\($0)".contains("unexpected ControlGroup \"/init.scope\""), "\($0)") }
    }

    func testUserBusAddress() throws {
        let none: (String) -> Bool = { _ in false }
        let all: (String) -> Bool = { _ in true }
        XCTAssertEqual(try SystemdUserBus.address(env: ["DBUS_SESSION_BUS_ADDRESS": "unix:path=/x/bus", "XDG_RUNTIME_DIR": "/run/user/5"],
                                                  exists: none), "unix:path=/x/bus")
        XCTAssertEqual(try SystemdUserBus.address(env: ["XDG_RUNTIME_DIR": "/run/user/1000"], exists: { $0 == "/run/user/1000/bus" }),
                       "unix:path=/run/user/1000/bus")
        XCTAssertEqual(try SystemdUserBus.address(env: ["XDG_RUNTIME_DIR": "/run/user/1000/", "DBUS_SESSION_BUS_ADDRESS": ""], exists: all),
                       "unix:path=/run/user/1000/bus")
        XCTAssertEqual(try SystemdUserBus.address(env: ["XDG_RUNTIME_DIR": "/tmp/a b;c"], exists: all), "unix:path=/tmp/a%20b%3bc/bus")
        XCTAssertThrowsError(try SystemdUserBus.address(env: ["XDG_RUNTIME_DIR": "/run/user/1000"], exists: none)) {
            XCTAssertTrue("\($0)".contains("DBUS_SESSION_BUS_ADDRESS is not set and /run/user/1000/bus ($XDG_RUNTIME_DIR/bus) does not exist"), "\($0)")
        }
        XCTAssertThrowsError(try SystemdUserBus.address(env: [:], exists: all)) {
            XCTAssertTrue("\($0)".contains("DBUS_SESSION_BUS_ADDRESS and XDG_RUNTIME_DIR are not set"), "\($0)")
        }
    }

    /// Root of a user namespace (rootless podman): the user's bus through systemd-stdio-bridge over
    /// libdbus's unixexec: transport, the address escaped as one argument; otherwise the address
    /// as it is (no extra process); a missing bridge is an error naming it.
    func testUserBusThroughTheBridge() throws {
        let direct = try SystemdUserBus.connectAddress("unix:path=/run/user/1000/bus", rootOfUserNamespace: false, executable: { _ in false })
        XCTAssertEqual(direct.address, "unix:path=/run/user/1000/bus")
        XCTAssertFalse(direct.bridged)
        let bridged = try SystemdUserBus.connectAddress("unix:path=/run/user/1000/bus", rootOfUserNamespace: true,
                                                        executable: { $0 == "/usr/bin/systemd-stdio-bridge" })
        XCTAssertEqual(bridged.address, "unixexec:path=/usr/bin/systemd-stdio-bridge,argv1=--bus-path%3dunix%3apath%3d/run/user/1000/bus")
        XCTAssertTrue(bridged.bridged)
        // An address with escapes of its own is escaped again: the bridge gets it back verbatim.
        let odd = try SystemdUserBus.connectAddress("unix:path=/tmp/a%20b/bus,guid=1", rootOfUserNamespace: true, executable: { _ in true })
        XCTAssertEqual(odd.address, "unixexec:path=/usr/bin/systemd-stdio-bridge,argv1=--bus-path%3dunix%3apath%3d/tmp/a%2520b/bus%2cguid%3d1")
        XCTAssertThrowsError(try SystemdUserBus.connectAddress("unix:path=/run/user/1000/bus", rootOfUserNamespace: true, executable: { _ in false })) {
            XCTAssertTrue("\($0)".contains("needs /usr/bin/systemd-stdio-bridge (systemd's systemd-stdio-bridge)"), "\($0)")
        }
    }

    func testInitialUidMap() {
        XCTAssertTrue(SystemdUserBus.isInitialUidMap("         0          0 4294967295\n"))
        XCTAssertFalse(SystemdUserBus.isInitialUidMap("         0       1000          1\n         1     200000      65536\n"))
        XCTAssertFalse(SystemdUserBus.isInitialUidMap(""))
    }

    func testUserManagerFromCgroupPath() {
        XCTAssertEqual(SystemdUserBus.managerUID(ofCgroupPath: "/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/user.slice/x.scope"), 1000)
        XCTAssertNil(SystemdUserBus.managerUID(ofCgroupPath: "/sys/fs/cgroup/system.slice/x.scope"))
        XCTAssertNil(SystemdUserBus.managerUID(ofCgroupPath: "/sys/fs/cgroup/user.slice/user-1000.slice/x.scope"))
        XCTAssertEqual(SystemdDBus.forCgroupPath("/sys/fs/cgroup/user.slice/user-7.slice/user@7.service/user.slice/a.scope").instance, .user)
        XCTAssertEqual(SystemdDBus.forCgroupPath("/sys/fs/cgroup/system.slice/a.scope").instance, .system)
    }

    func testUnitNamesAndSlices() throws {
        var m = try manager("system.slice:docker:abc")
        XCTAssertEqual(m.unit, "docker-abc.scope")
        XCTAssertEqual(m.slice, "system.slice")
        XCTAssertEqual(m.path, fake.root + "/system.slice/docker-abc.scope")
        m = try manager(":crio:abc")
        XCTAssertEqual(m.slice, "system.slice")
        XCTAssertEqual(m.path, fake.root + "/system.slice/crio-abc.scope")
        m = try manager("machine-foo-bar.slice:libpod:x")
        XCTAssertEqual(m.unit, "libpod-x.scope")
        XCTAssertEqual(m.path, fake.root + "/machine.slice/machine-foo.slice/machine-foo-bar.slice/libpod-x.scope")
        m = try manager(nil, id: "myid")
        XCTAssertEqual(m.unit, "swiftrun-myid.scope")
        m = try manager("-.slice:p:n")
        XCTAssertEqual(m.path, fake.root + "/p-n.scope")
        for bad in ["/abs/path", "a:b", "a:b:c:d", "bad:p:n", "system.slice:p:x.slice", "a--b.slice:p:n"] {
            XCTAssertThrowsError(try manager(bad), bad)
        }
        XCTAssertThrowsError(try manager("/x")) { e in
            XCTAssertEqual("\(e)", "expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups, got \"/x\" instead")
        }
    }

    func testRefusesHybridAndLegacy() {
        for mode in [CgroupMode.hybrid, .legacy] {
            XCTAssertThrowsError(try Cgroups.systemdManager(cgroupsPath: nil, id: "x", annotations: nil, bus: bus,
                                                            root: fake.root, mode: mode)) { e in
                XCTAssertTrue("\(e)".contains("needs a unified cgroup v2 hierarchy"), "\(e)")
            }
        }
    }

    func testConversions() throws {
        var r = LinuxResources()
        r.memory = LinuxMemory(limit: 100 << 20, reservation: 50 << 20, swap: 150 << 20)
        r.cpu = LinuxCPU(shares: 1024, quota: 33_333, period: 100_000, cpus: "0-2,7", mems: "0")
        r.pids = LinuxPids(limit: 0)
        var b = LinuxBlockIO()
        b.weight = 500
        b.throttleReadBpsDevice = [LinuxThrottleDevice(major: 8, minor: 0, rate: 1_048_576)]
        r.blockIO = b
        let c = try SystemdProperties.resources(r, version: 252)
        let p = c.properties
        XCTAssertEqual(prop(p, "MemoryMax"), .uint64(100 << 20))
        XCTAssertEqual(prop(p, "MemoryLow"), .uint64(50 << 20))
        XCTAssertEqual(prop(p, "MemorySwapMax"), .uint64(50 << 20))      // memory+swap → swap alone
        XCTAssertEqual(prop(p, "CPUWeight"), .uint64(100))               // shares 1024 → 100
        XCTAssertEqual(prop(p, "CPUQuotaPeriodUSec"), .uint64(100_000))
        // 33333/100000 s per s = 333330 µs/s, rounded up to 10 ms: 340000; the files get quota 34000.
        XCTAssertEqual(prop(p, "CPUQuotaPerSecUSec"), .uint64(340_000))
        XCTAssertEqual(c.adjusted.cpu?.quota, 34_000)
        XCTAssertEqual(prop(p, "AllowedCPUs"), .array(element: "y", [.byte(0x87)]))
        XCTAssertEqual(prop(p, "AllowedMemoryNodes"), .array(element: "y", [.byte(0x01)]))
        XCTAssertEqual(prop(p, "TasksMax"), .uint64(1))                  // systemd refuses 0
        XCTAssertEqual(prop(p, "IOWeight"), .uint64(4950))
        XCTAssertEqual(prop(p, "IOReadBandwidthMax"),
                       .array(element: "(st)", [.structure([.string("/dev/block/8:0"), .uint64(1_048_576)])]))
        // Unlimited values are systemd's infinity; systemd < 244 gets no cpuset properties.
        r = LinuxResources()
        r.memory = LinuxMemory(limit: -1)
        r.pids = LinuxPids(limit: -1)
        r.cpu = LinuxCPU(quota: -1, cpus: "1")
        let u = try SystemdProperties.resources(r, version: 243).properties
        XCTAssertEqual(prop(u, "MemoryMax"), .uint64(.max))
        XCTAssertEqual(prop(u, "MemorySwapMax"), .uint64(.max))
        XCTAssertEqual(prop(u, "TasksMax"), .uint64(.max))
        XCTAssertEqual(prop(u, "CPUQuotaPerSecUSec"), .uint64(.max))
        XCTAssertNil(prop(u, "AllowedCPUs"))
        // Swap without a memory limit is refused, as by runc.
        r = LinuxResources()
        r.memory = LinuxMemory(swap: 1 << 20)
        XCTAssertThrowsError(try SystemdProperties.resources(r, version: 252))
    }

    func testUnifiedConversions() throws {
        var r = LinuxResources()
        r.unified = ["memory.high": "1048576", "pids.max": "max", "cpu.max": "50000 100000", "cpu.weight": "7",
                     "io.max": "8:0 rbps=1"]
        let p = try SystemdProperties.resources(r, version: 252).properties
        XCTAssertEqual(prop(p, "MemoryHigh"), .uint64(1_048_576))
        XCTAssertEqual(prop(p, "TasksMax"), .uint64(.max))
        XCTAssertEqual(prop(p, "CPUQuotaPerSecUSec"), .uint64(500_000))
        XCTAssertEqual(prop(p, "CPUWeight"), .uint64(7))
        XCTAssertEqual(p.count, 5)   // + CPUQuotaPeriodUSec; io.max only goes to the file
        r.unified = ["cpu.idle": "1", "cpu.weight": "7"]
        var w = try SystemdProperties.resources(r, version: 252)
        XCTAssertEqual(w.properties, [SystemdProperty("CPUWeight", .uint64(0))])
        XCTAssertEqual(w.warnings.count, 1)
        r.unified = ["memory.max": "lots"]
        XCTAssertThrowsError(try SystemdProperties.resources(r, version: 252))
        r.unified = ["nodot": "1"]
        XCTAssertThrowsError(try SystemdProperties.resources(r, version: 252))
        w = try SystemdProperties.resources(LinuxResources(), version: 252)
        XCTAssertEqual(w.properties, [])
    }

    func testDeviceProperties() throws {
        var warnings: [String] = []
        var p = try SystemdProperties.devices([
            LinuxDeviceCgroup(allow: false, access: "rwm"),
            LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),
            LinuxDeviceCgroup(allow: true, type: "c", major: 136, access: "rw"),
            LinuxDeviceCgroup(allow: true, type: "b", major: nil, minor: nil, access: "m"),
        ], warnings: &warnings)
        XCTAssertEqual(prop(p, "DevicePolicy"), .string("strict"))
        XCTAssertEqual(prop(p, "DeviceAllow"), .array(element: "(ss)", [
            .structure([.string("/dev/char/1:3"), .string("rwm")]),
            .structure([.string("char-136"), .string("rw")]),
            .structure([.string("block-*"), .string("m")]),
        ]))
        XCTAssertEqual(warnings, [])
        p = try SystemdProperties.devices([LinuxDeviceCgroup(allow: true, access: "rwm")], warnings: &warnings)
        XCTAssertEqual(prop(p, "DevicePolicy"), .string("auto"))
        p = try SystemdProperties.devices([LinuxDeviceCgroup(allow: true),
                                           LinuxDeviceCgroup(allow: false, type: "c", major: 1, minor: 3)], warnings: &warnings)
        XCTAssertEqual(prop(p, "DevicePolicy"), .string("strict"))
        XCTAssertEqual(prop(p, "DeviceAllow"), .array(element: "(ss)", []))
        XCTAssertEqual(warnings.count, 1)
    }

    func testAnnotations() throws {
        let p = try SystemdAnnotations.properties([
            "org.systemd.property.TimeoutStopSec": "uint64 5",
            "org.systemd.property.CollectMode": "'inactive-or-failed'",
            "org.systemd.property.CPUAccounting": "true",
            "org.systemd.property.Wants": "['a.service', 'b.service']",
            "org.systemd.property.MemoryMax": "@t 1000",
            "org.systemd.property.RuntimeMaxSec": "1.5",
            "other": "x",
        ])
        XCTAssertEqual(p, [
            SystemdProperty("CPUAccounting", .bool(true)),
            SystemdProperty("CollectMode", .string("inactive-or-failed")),
            SystemdProperty("MemoryMax", .uint64(1000)),
            SystemdProperty("RuntimeMaxUSec", .uint64(1_500_000)),
            SystemdProperty("TimeoutStopUSec", .uint64(5_000_000)),
            SystemdProperty("Wants", .array(element: "s", [.string("a.service"), .string("b.service")])),
        ])
        XCTAssertThrowsError(try SystemdAnnotations.properties(["org.systemd.property.A1b": "1"]))
        XCTAssertThrowsError(try SystemdAnnotations.properties(["org.systemd.property.Ab": "1"]))
        XCTAssertThrowsError(try SystemdAnnotations.properties(["org.systemd.property.Description": "'unterminated"]))
        XCTAssertThrowsError(try SystemdAnnotations.properties(["org.systemd.property.TimeoutStopSec": "'x'"]))
    }

    func testLifecycle() throws {
        var r = LinuxResources()
        r.memory = LinuxMemory(limit: 1 << 20)
        r.pids = LinuxPids(limit: 5)
        let m = try manager("system.slice:test:c1", annotations: ["org.systemd.property.CollectMode": "'inactive-or-failed'"])
        bus.dirFor[m.unit] = "system.slice/test-c1.scope"
        try m.create()
        XCTAssertEqual(try m.apply(r), [])
        XCTAssertNil(try m.cloneIntoFD())                 // the init is handed to systemd by pid
        XCTAssertEqual(bus.calls, [])                     // nothing on the host before addInit
        XCTAssertEqual(try m.pids(), [])
        _ = try m.addInit(4242)
        XCTAssertEqual(bus.calls, ["start test-c1.scope"])
        let props = bus.started["test-c1.scope"]!
        XCTAssertEqual(props.map(\.name), ["Description", "Slice", "Delegate", "PIDs", "MemoryAccounting", "CPUAccounting",
                                           "IOAccounting", "TasksAccounting", "DefaultDependencies", "CollectMode",
                                           "MemoryMax", "TasksMax"])
        XCTAssertEqual(prop(props, "PIDs"), .array(element: "u", [.uint32(4242)]))
        XCTAssertEqual(prop(props, "Delegate"), .bool(true))
        XCTAssertEqual(prop(props, "Slice"), .string("system.slice"))
        // The files follow the properties.
        XCTAssertEqual(fake.read("system.slice/test-c1.scope/memory.max"), "1048576")
        XCTAssertEqual(fake.read("system.slice/test-c1.scope/pids.max"), "5")
        // update: unit properties, then files.
        var u = LinuxResources()
        u.pids = LinuxPids(limit: 9)
        _ = try m.update(u)
        XCTAssertEqual(bus.set["test-c1.scope"], [SystemdProperty("TasksMax", .uint64(9))])
        XCTAssertEqual(fake.read("system.slice/test-c1.scope/pids.max"), "9")
        // Rebuilt from state, as later verbs do.
        let again = Cgroups.systemdManager(unit: m.unit, path: m.path, bus: bus, root: fake.root)
        XCTAssertEqual(again.slice, "system.slice")
        XCTAssertTrue(again.ownsUnit)
        try again.destroy()
        XCTAssertEqual(Array(bus.calls.suffix(2)), ["stop test-c1.scope", "reset-failed test-c1.scope"])
        XCTAssertFalse(FileIO.isDirectory(m.path))
    }

    /// A unit that is running already is refused and, not being ours, never stopped by the undo.
    func testExistingUnitIsNotOurs() throws {
        let m = try manager("system.slice:test:c2")
        bus.states[m.unit] = "active"
        XCTAssertThrowsError(try m.create())
        try m.destroy()
        XCTAssertEqual(bus.calls, [])
        // Start failures reset the unit and leave nothing owned.
        bus.states[m.unit] = nil
        bus.failStart = CgroupError("job failed")
        XCTAssertThrowsError(try m.addInit(1))
        XCTAssertFalse(m.ownsUnit)
        XCTAssertEqual(bus.calls, ["start test-c2.scope", "reset-failed test-c2.scope"])
    }

    func testParseVersion() {
        XCTAssertEqual(SystemdDBus.parseVersion("252.36-1~deb12u1"), 252)
        XCTAssertEqual(SystemdDBus.parseVersion("v255"), 255)
        XCTAssertEqual(SystemdDBus.parseVersion("\"249\""), 249)
        XCTAssertEqual(SystemdDBus.parseVersion("x"), -1)
    }

    func testDBusSignatures() {
        XCTAssertEqual(SystemdProperty("PIDs", .array(element: "u", [.uint32(1)])).dbus.signature, "(sv)")
        XCTAssertEqual(DBusValue.array(element: "(st)", []).signature, "a(st)")
        XCTAssertEqual(DBusValue.structure([.string("a"), .uint64(1)]).signature, "(st)")
    }
}
