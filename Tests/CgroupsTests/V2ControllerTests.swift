#if canImport(Glibc)
import Glibc
#endif
@testable import OCISpec
import LinuxSys
import XCTest
@testable import Cgroups

/// cgroup v2 file writes against a fake cgroupfs.
final class V2ControllerTests: XCTestCase {
    var fake: FakeCgroupFS!

    override func setUpWithError() throws { fake = try FakeCgroupFS() }
    override func tearDown() { fake = nil }

    /// A leaf "c1" with the given controllers and interface files (all empty unless given).
    func leaf(_ controllers: [String], _ files: [String], _ contents: [String: String] = [:]) throws -> CgroupManager {
        var f: [String: String] = ["cgroup.controllers": controllers.joined(separator: " "), "cgroup.procs": "",
                                   "cgroup.freeze": "0", "cgroup.kill": ""]
        for n in files { f[n] = "" }
        for (k, v) in contents { f[k] = v }
        try fake.dir("c1", f)
        return try Cgroups.manager(cgroupsPath: "/c1", id: "x", root: fake.root, mode: .unified)
    }

    func testOccupancyBeforeCreate() throws {
        // A leaf that does not exist yet under a parent frozen by cgroup.freeze.
        try fake.dir("p", ["cgroup.freeze": "1", "cgroup.events": "populated 0\nfrozen 1\n", "cgroup.procs": ""])
        var m = try Cgroups.manager(cgroupsPath: "/p/c", id: "x", root: fake.root, mode: .unified)
        XCTAssertEqual(m.occupancy().frozen, fake.root + "/p")
        XCTAssertNil(m.occupancy().firstOccupied)
        // An existing leaf holding processes (also in a sub-cgroup); not frozen.
        try fake.dir("c1", ["cgroup.procs": "12\n13\n", "cgroup.freeze": "0"])
        try fake.dir("c1/sub", ["cgroup.procs": "14\n"])
        m = try Cgroups.manager(cgroupsPath: "/c1", id: "x", root: fake.root, mode: .unified)
        XCTAssertEqual(m.occupancy().pids, [12, 13, 14])
        XCTAssertEqual(m.occupancy().firstOccupied, fake.root + "/c1")
        XCTAssertNil(m.occupancy().frozen)
        // Nothing there yet: free.
        m = try Cgroups.manager(cgroupsPath: "/new/leaf", id: "x", root: fake.root, mode: .unified)
        XCTAssertEqual(m.occupancy(), CgroupOccupancy())
    }

    func testCPUWeightConversion() {
        XCTAssertEqual(V2CPU.weight(shares: 0), 0)
        XCTAssertEqual(V2CPU.weight(shares: 2), 1)
        XCTAssertEqual(V2CPU.weight(shares: 1024), 100)
        XCTAssertEqual(V2CPU.weight(shares: 512), 59)
        XCTAssertEqual(V2CPU.weight(shares: 2048), 174)
        XCTAssertEqual(V2CPU.weight(shares: 262_144), 10_000)
        XCTAssertEqual(V2CPU.weight(shares: 1_000_000), 10_000)
    }

    func testCPU() throws {
        let m = try leaf(["cpu", "cpuset"], ["cpu.weight", "cpu.max", "cpu.max.burst", "cpu.idle", "cpuset.cpus", "cpuset.mems"])
        var r = LinuxResources()
        r.cpu = LinuxCPU(shares: 1024, quota: 50000, burst: 1000, period: 100000, cpus: "0-1", mems: "0", idle: 0)
        _ = try m.apply(r)
        XCTAssertEqual(fake.read("c1/cpu.weight"), "100")
        XCTAssertEqual(fake.read("c1/cpu.max"), "50000 100000")
        XCTAssertEqual(fake.read("c1/cpu.max.burst"), "1000")
        XCTAssertEqual(fake.read("c1/cpu.idle"), "0")
        XCTAssertEqual(fake.read("c1/cpuset.cpus"), "0-1")
        XCTAssertEqual(fake.read("c1/cpuset.mems"), "0")

        r.cpu = LinuxCPU(quota: -1, period: 200000)
        _ = try m.apply(r)
        XCTAssertEqual(fake.read("c1/cpu.max"), "max 200000")

        // update with a new period only keeps the current quota
        try fake.dir("c1", ["cpu.max": "30000 100000\n"])
        r.cpu = LinuxCPU(period: 50000)
        _ = try m.update(r)
        XCTAssertEqual(fake.read("c1/cpu.max"), "30000 50000")

        r.cpu = LinuxCPU(realtimeRuntime: 1000, realtimePeriod: 2000)
        XCTAssertEqual(try m.apply(r).count, 1)
    }

    func testMemory() throws {
        let m = try leaf(["memory"], ["memory.max", "memory.swap.max", "memory.low", "memory.current"])
        var r = LinuxResources()
        r.memory = LinuxMemory(limit: 100 << 20, reservation: 50 << 20, swap: 150 << 20, kernel: 1 << 20,
                               swappiness: 10, disableOOMKiller: true)
        let warnings = try m.apply(r)
        XCTAssertEqual(fake.read("c1/memory.max"), "104857600")
        XCTAssertEqual(fake.read("c1/memory.swap.max"), "52428800")
        XCTAssertEqual(fake.read("c1/memory.low"), "52428800")
        XCTAssertEqual(warnings.count, 3, "\(warnings)")  // kernel, swappiness, disableOOMKiller

        r.memory = LinuxMemory(limit: -1)
        _ = try m.apply(r)
        XCTAssertEqual(fake.read("c1/memory.max"), "max")
        XCTAssertEqual(fake.read("c1/memory.swap.max"), "max")

        r.memory = LinuxMemory(limit: 100, swap: 100)
        _ = try m.apply(r)
        XCTAssertEqual(fake.read("c1/memory.swap.max"), "0")

        r.memory = LinuxMemory(limit: 100, swap: 50)
        XCTAssertThrowsError(try m.apply(r))
        r.memory = LinuxMemory(swap: 50)
        XCTAssertThrowsError(try m.apply(r))

        // checkBeforeUpdate refuses a limit below the current usage
        try fake.dir("c1", ["memory.current": "200000000\n", "memory.max": "max\n"])
        r.memory = LinuxMemory(limit: 100 << 20, checkBeforeUpdate: true)
        XCTAssertThrowsError(try m.update(r)) { XCTAssertTrue("\($0)".contains("current usage")) }
        XCTAssertEqual(fake.read("c1/memory.max"), "max\n")
        r.memory = LinuxMemory(limit: 100 << 20)
        _ = try m.update(r)
        XCTAssertEqual(fake.read("c1/memory.max"), "104857600")

        // update of swap alone converts against the current memory.max
        r.memory = LinuxMemory(swap: 200 << 20)
        _ = try m.update(r)
        XCTAssertEqual(fake.read("c1/memory.swap.max"), "104857600")
    }

    func testPids() throws {
        let m = try leaf(["pids"], ["pids.max"])
        var r = LinuxResources()
        r.pids = LinuxPids(limit: 0)
        _ = try m.apply(r)
        XCTAssertEqual(fake.read("c1/pids.max"), "0")
        r.pids = LinuxPids(limit: -1)
        _ = try m.apply(r)
        XCTAssertEqual(fake.read("c1/pids.max"), "max")
        r.pids = LinuxPids(limit: 42)
        _ = try m.apply(r)
        XCTAssertEqual(fake.read("c1/pids.max"), "42")
    }

    func testMissingController() throws {
        let m = try leaf(["cpu"], ["pids.max"])
        var r = LinuxResources()
        r.pids = LinuxPids(limit: 5)
        XCTAssertThrowsError(try m.apply(r)) { XCTAssertTrue("\($0)".contains("pids controller is not available"), "\($0)") }
    }

    func testIO() throws {
        let m = try leaf(["io"], ["io.weight", "io.max"])
        var r = LinuxResources()
        var b = LinuxBlockIO(weight: 500, leafWeight: 300)
        b.weightDevice = [LinuxWeightDevice(major: 8, minor: 0, weight: 1000)]
        b.throttleReadBpsDevice = [LinuxThrottleDevice(major: 8, minor: 0, rate: 1000), LinuxThrottleDevice(major: 8, minor: 16, rate: 0)]
        b.throttleWriteIOPSDevice = [LinuxThrottleDevice(major: 8, minor: 0, rate: 20)]
        r.blockIO = b
        let warnings = try m.apply(r)
        // Without BFQ the per-device weight is not applied (runc: silently), with a warning.
        XCTAssertEqual(warnings.count, 2)
        XCTAssertTrue(warnings[1].contains("linux.resources.blockIO.weightDevice ignored: the BFQ I/O scheduler is not loaded"), warnings[1])
        XCTAssertEqual(m.writes(relativeTo: fake.root), [
            "c1/io.weight=default 4950",
            "c1/io.max=8:0 rbps=1000 wiops=20", "c1/io.max=8:16 rbps=max",
        ])
    }

    func testIOBFQWithoutPerDeviceWeights() throws {
        // A kernel before 5.4: io.bfq.weight holds a bare number and takes no device lines.
        let m = try leaf(["io"], ["io.weight"], ["io.bfq.weight": "100\n"])
        var r = LinuxResources()
        var b = LinuxBlockIO(weight: 500)
        b.weightDevice = [LinuxWeightDevice(major: 8, minor: 0, weight: 100)]
        r.blockIO = b
        let warnings = try m.apply(r)
        XCTAssertEqual(m.writes(relativeTo: fake.root), ["c1/io.bfq.weight=500"])
        XCTAssertEqual(warnings, ["linux.resources.blockIO.weightDevice ignored: this kernel's BFQ has no per-device weights"])
    }

    func testIOBFQ() throws {
        let m = try leaf(["io"], ["io.weight"], ["io.bfq.weight": "default 100\n"])
        var r = LinuxResources()
        var b = LinuxBlockIO(weight: 500)
        b.weightDevice = [LinuxWeightDevice(major: 8, minor: 0, weight: 100)]
        r.blockIO = b
        _ = try m.apply(r)
        XCTAssertEqual(m.writes(relativeTo: fake.root), ["c1/io.bfq.weight=500", "c1/io.bfq.weight=8:0 100"])
    }

    func testHugetlb() throws {
        let m = try leaf(["hugetlb"], ["hugetlb.2MB.max", "hugetlb.2MB.rsvd.max", "hugetlb.1GB.max"])
        var r = LinuxResources()
        r.hugepageLimits = [LinuxHugepageLimit(pageSize: "2MB", limit: 4 << 20), LinuxHugepageLimit(pageSize: "1GB", limit: 0)]
        _ = try m.apply(r)
        XCTAssertEqual(fake.read("c1/hugetlb.2MB.max"), "4194304")
        XCTAssertEqual(fake.read("c1/hugetlb.2MB.rsvd.max"), "4194304")
        XCTAssertEqual(fake.read("c1/hugetlb.1GB.max"), "0")
        r.hugepageLimits = [LinuxHugepageLimit(pageSize: "64KB", limit: 1)]
        XCTAssertThrowsError(try m.apply(r)) { XCTAssertTrue("\($0)".contains("64KB")) }
    }

    func testRDMA() throws {
        let m = try leaf(["rdma"], ["rdma.max"])
        var r = LinuxResources()
        r.rdma = ["rxe3": LinuxRdma(hcaObjects: 10000), "mlx5_1": LinuxRdma(hcaHandles: 3, hcaObjects: 10000)]
        _ = try m.apply(r)
        XCTAssertEqual(m.writes(relativeTo: fake.root),
                       ["c1/rdma.max=mlx5_1 hca_handle=3 hca_object=10000", "c1/rdma.max=rxe3 hca_object=10000"])
        r.rdma = ["x": LinuxRdma()]
        XCTAssertThrowsError(try m.apply(r))
    }

    func testUnified() throws {
        let m = try leaf(["memory", "pids"], ["memory.high", "memory.max", "io.max"])
        var r = LinuxResources()
        r.memory = LinuxMemory(limit: 1000)
        r.unified = ["memory.high": "500", "memory.max": "2000"]
        _ = try m.apply(r)
        XCTAssertEqual(fake.read("c1/memory.high"), "500")
        XCTAssertEqual(fake.read("c1/memory.max"), "2000", "unified is applied last and wins")

        for (bad, needle) in [("io.max", "io controller is not available"), ("../memory.max", "must be a file name"),
                              ("a/b", "must be a file name"), ("memory.nope", "does not exist"), ("nodot", "<controller>.<file>"),
                              ("cgroup.procs", "not a resource")] {
            r = LinuxResources()
            r.unified = [bad: "1"]
            XCTAssertThrowsError(try m.apply(r), bad) { XCTAssertTrue("\($0)".contains(needle), "\(bad): \($0)") }
        }
    }

    func testCreateEnablesControllersInAncestors() throws {
        try fake.dir("", ["cgroup.controllers": "cpu io memory pids\n", "cgroup.subtree_control": "cpu\n"])
        let m = try Cgroups.manager(cgroupsPath: "/a/b", id: "x", root: fake.root, mode: .unified)
        try m.create()
        XCTAssertTrue(FileIO.isDirectory(fake.root + "/a/b"))
        XCTAssertEqual(fake.read("cgroup.subtree_control"), "+io +memory +pids")
        XCTAssertEqual(m.writes(relativeTo: fake.root), ["cgroup.subtree_control=+io +memory +pids"])
        let fd = try XCTUnwrap(try m.cloneIntoFD())
        XCTAssertGreaterThanOrEqual(fd, 0)
        close(fd)
        try m.destroy()
        XCTAssertFalse(FileIO.exists(fake.root + "/a/b"))
        try m.destroy() // ENOENT is fine
    }

    func testStatsAndOOM() throws {
        let m = try leaf(["cpu", "memory", "pids", "io", "hugetlb"], [], [
            "cpu.stat": "usage_usec 1000\nuser_usec 600\nsystem_usec 400\nnr_periods 5\nnr_throttled 2\nthrottled_usec 30\n",
            "memory.current": "4096\n", "memory.max": "max\n", "memory.peak": "8192\n",
            "memory.stat": "anon 1024\nfile 2048\n", "memory.events": "low 0\nhigh 0\nmax 3\noom 1\noom_kill 2\n",
            "memory.swap.current": "0\n", "memory.swap.max": "max\n",
            "pids.current": "3\n", "pids.max": "max\n",
            "io.stat": "8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n",
            "hugetlb.2MB.current": "0\n", "hugetlb.2MB.max": "max\n", "hugetlb.2MB.events": "max 0\n",
        ])
        let s = try m.stats()
        XCTAssertEqual(s.cpu.usage.total, 1_000_000)
        XCTAssertEqual(s.cpu.usage.user, 600_000)
        XCTAssertEqual(s.cpu.usage.kernel, 400_000)
        XCTAssertEqual(s.cpu.throttling.throttledPeriods, 2)
        XCTAssertEqual(s.cpu.throttling.throttledTime, 30_000)
        XCTAssertEqual(s.memory.usage.usage, 4096)
        XCTAssertEqual(s.memory.usage.limit, UInt64.max)
        XCTAssertEqual(s.memory.usage.max, 8192)
        XCTAssertEqual(s.memory.usage.failcnt, 3)
        XCTAssertEqual(s.memory.cache, 2048)
        XCTAssertEqual(s.memory.raw["anon"], 1024)
        XCTAssertEqual(s.memory.swap.usage, 4096)
        XCTAssertEqual(s.pids.current, 3)
        XCTAssertEqual(s.pids.limit, 0)
        XCTAssertEqual(s.blkio.ioServiceBytesRecursive, [BlkioEntry(major: 8, minor: 0, op: "Read", value: 100),
                                                         BlkioEntry(major: 8, minor: 0, op: "Write", value: 200),
                                                         BlkioEntry(major: 8, minor: 0, op: "Discard", value: 0)])
        XCTAssertEqual(s.hugetlb.keys.sorted(), ["2MB"])
        XCTAssertEqual(m.oomKillCount(), 2)
    }

    func testFreezeOnFakeAndRebuild() throws {
        let m = try leaf([], [])
        try m.freeze()
        XCTAssertTrue(m.isFrozen())
        try m.thaw()
        XCTAssertFalse(m.isFrozen())
        let r = Cgroups.manager(paths: m.paths, root: fake.root, mode: .unified)
        XCTAssertEqual(r.paths, ["": fake.root + "/c1"])
        XCTAssertEqual(try r.pids(), [])
    }
}
