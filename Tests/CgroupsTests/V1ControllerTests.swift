#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
@testable import OCISpec
import XCTest
@testable import Cgroups

/// cgroup v1 file writes against a fake cgroupfs whose directories are named after their controllers.
final class V1ControllerTests: XCTestCase {
    var fake: FakeCgroupFS!

    override func setUpWithError() throws {
        fake = try FakeCgroupFS()
        let leafFiles: [String: [String]] = [
            "cpu,cpuacct": ["cpu.shares", "cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.rt_period_us", "cpu.rt_runtime_us", "cpu.idle"],
            "cpuset": ["cpuset.cpus", "cpuset.mems"],
            "memory": ["memory.limit_in_bytes", "memory.soft_limit_in_bytes", "memory.swappiness", "memory.oom_control",
                       "memory.kmem.tcp.limit_in_bytes", "memory.use_hierarchy"],
            "pids": ["pids.max"],
            "blkio": ["blkio.weight", "blkio.leaf_weight", "blkio.weight_device", "blkio.throttle.read_bps_device",
                      "blkio.throttle.write_iops_device"],
            "devices": ["devices.allow", "devices.deny"],
            "freezer": ["freezer.state"],
            "net_cls": ["net_cls.classid"],
            "net_prio": ["net_prio.ifpriomap"],
            "hugetlb": ["hugetlb.2MB.limit_in_bytes"],
        ]
        for (h, files) in leafFiles {
            var f: [String: String] = ["cgroup.procs": ""]
            for n in files { f[n] = "" }
            try fake.dir(h + "/c1", f)
        }
    }

    override func tearDown() { fake = nil }

    func manager(_ mode: CgroupMode = .legacy) throws -> CgroupManager {
        try Cgroups.manager(cgroupsPath: "/c1", id: "x", root: fake.root, mode: mode)
    }

    func testPaths() throws {
        let m = try manager()
        XCTAssertEqual(m.paths["cpu"], fake.root + "/cpu,cpuacct/c1")
        XCTAssertEqual(m.paths["cpuacct"], fake.root + "/cpu,cpuacct/c1")
        XCTAssertEqual(m.paths["memory"], fake.root + "/memory/c1")
        XCTAssertNil(m.paths["unified"])
        XCTAssertNil(try m.cloneIntoFD())
        XCTAssertEqual(Cgroups.manager(paths: m.paths, root: fake.root, mode: .legacy).paths, m.paths)
    }

    func testMemoryWithoutSwapAccounting() throws {
        let m = try manager()
        var r = LinuxResources()
        r.memory = LinuxMemory(limit: 100 << 20, reservation: 50 << 20, swap: 200 << 20, kernel: 1 << 20, kernelTCP: 1 << 20,
                               swappiness: 60, disableOOMKiller: true)
        let warnings = try m.apply(r)
        XCTAssertEqual(fake.read("memory/c1/memory.limit_in_bytes"), "104857600")
        XCTAssertEqual(fake.read("memory/c1/memory.soft_limit_in_bytes"), "52428800")
        XCTAssertEqual(fake.read("memory/c1/memory.kmem.tcp.limit_in_bytes"), "1048576")
        XCTAssertEqual(fake.read("memory/c1/memory.swappiness"), "60")
        XCTAssertEqual(fake.read("memory/c1/memory.oom_control"), "1")
        XCTAssertEqual(warnings.count, 2, "\(warnings)") // swap without memsw, kernel
        r.memory = LinuxMemory(swappiness: 101)
        XCTAssertThrowsError(try m.apply(r))
    }

    func testMemoryAndSwapOrder() throws {
        try fake.dir("memory/c1", ["memory.memsw.limit_in_bytes": "", "memory.limit_in_bytes": "9223372036854771712\n"])
        let m = try manager()
        var r = LinuxResources()
        r.memory = LinuxMemory(limit: 100, swap: 200)
        _ = try m.apply(r)
        // current limit (huge) >= new memsw: lower the limit first
        XCTAssertEqual(m.writes(relativeTo: fake.root),
                       ["memory/c1/memory.limit_in_bytes=100", "memory/c1/memory.memsw.limit_in_bytes=200"])
        r.memory = LinuxMemory(limit: 300, swap: 400)
        _ = try m.update(r)
        // current limit 100 < new memsw 400: raise memsw first
        XCTAssertEqual(Array(m.writes(relativeTo: fake.root).suffix(2)),
                       ["memory/c1/memory.memsw.limit_in_bytes=400", "memory/c1/memory.limit_in_bytes=300"])
        r.memory = LinuxMemory(limit: -1)
        _ = try m.update(r)
        XCTAssertEqual(Array(m.writes(relativeTo: fake.root).suffix(2)),
                       ["memory/c1/memory.memsw.limit_in_bytes=-1", "memory/c1/memory.limit_in_bytes=-1"])
    }

    func testCPUAndCPUSet() throws {
        let m = try manager()
        var r = LinuxResources()
        r.cpu = LinuxCPU(shares: 1024, quota: 50000, burst: 10, period: 100000, realtimeRuntime: 950000,
                         realtimePeriod: 1000000, cpus: "0", mems: "0", idle: 1)
        let warnings = try m.apply(r)
        XCTAssertEqual(fake.read("cpu,cpuacct/c1/cpu.shares"), "1024")
        XCTAssertEqual(fake.read("cpu,cpuacct/c1/cpu.cfs_period_us"), "100000")
        XCTAssertEqual(fake.read("cpu,cpuacct/c1/cpu.cfs_quota_us"), "50000")
        XCTAssertEqual(fake.read("cpu,cpuacct/c1/cpu.rt_period_us"), "1000000")
        XCTAssertEqual(fake.read("cpu,cpuacct/c1/cpu.rt_runtime_us"), "950000")
        XCTAssertEqual(fake.read("cpu,cpuacct/c1/cpu.idle"), "1")
        XCTAssertEqual(fake.read("cpuset/c1/cpuset.cpus"), "0")
        XCTAssertEqual(fake.read("cpuset/c1/cpuset.mems"), "0")
        XCTAssertEqual(warnings, ["cpu.burst ignored: cpu.cfs_burst_us does not exist (kernel < 5.14)"])
    }

    func testCPUSetInheritsFromParent() throws {
        try fake.dir("cpuset", ["cpuset.cpus": "0-1\n", "cpuset.mems": "0\n"])
        try fake.dir("cpuset/new", ["cpuset.cpus": "", "cpuset.mems": ""])
        let fs = CgroupFS()
        try V1CPUSet.inheritFromParent(fs, [fake.root + "/cpuset/new"])
        XCTAssertEqual(fake.read("cpuset/new/cpuset.cpus"), "0-1")
        XCTAssertEqual(fake.read("cpuset/new/cpuset.mems"), "0")
    }

    func testPidsBlkioHugetlbNet() throws {
        let m = try manager()
        var r = LinuxResources()
        r.pids = LinuxPids(limit: 0)
        var b = LinuxBlockIO(weight: 500, leafWeight: 300)
        b.weightDevice = [LinuxWeightDevice(major: 8, minor: 0, weight: 600)]
        b.throttleReadBpsDevice = [LinuxThrottleDevice(major: 8, minor: 0, rate: 1000)]
        b.throttleWriteIOPSDevice = [LinuxThrottleDevice(major: 8, minor: 16, rate: 30)]
        r.blockIO = b
        r.hugepageLimits = [LinuxHugepageLimit(pageSize: "2MB", limit: 2 << 20)]
        r.network = LinuxNetwork(classID: 0x10001, priorities: [LinuxInterfacePriority(name: "eth0", priority: 5),
                                                                LinuxInterfacePriority(name: "lo", priority: 2)])
        _ = try m.apply(r)
        XCTAssertEqual(fake.read("pids/c1/pids.max"), "0")
        XCTAssertEqual(fake.read("blkio/c1/blkio.weight"), "500")
        XCTAssertEqual(fake.read("blkio/c1/blkio.leaf_weight"), "300")
        XCTAssertEqual(fake.read("blkio/c1/blkio.weight_device"), "8:0 600")
        XCTAssertEqual(fake.read("blkio/c1/blkio.throttle.read_bps_device"), "8:0 1000")
        XCTAssertEqual(fake.read("blkio/c1/blkio.throttle.write_iops_device"), "8:16 30")
        XCTAssertEqual(fake.read("hugetlb/c1/hugetlb.2MB.limit_in_bytes"), "2097152")
        XCTAssertEqual(fake.read("net_cls/c1/net_cls.classid"), "65537")
        XCTAssertTrue(m.writes(relativeTo: fake.root).suffix(2).elementsEqual(
            ["net_prio/c1/net_prio.ifpriomap=eth0 5", "net_prio/c1/net_prio.ifpriomap=lo 2"]))
        r = LinuxResources()
        r.pids = LinuxPids(limit: -1)
        _ = try m.update(r)
        XCTAssertEqual(fake.read("pids/c1/pids.max"), "max")
    }

    func testDevices() throws {
        let m = try manager()
        var r = LinuxResources()
        r.devices = [LinuxDeviceCgroup(allow: false, access: "rwm"),
                     LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),
                     LinuxDeviceCgroup(allow: true, type: "c", major: 136, access: "rw")]
        _ = try m.apply(r)
        XCTAssertEqual(m.writes(relativeTo: fake.root), [
            "devices/c1/devices.deny=a *:* rwm", "devices/c1/devices.allow=c 1:3 rwm", "devices/c1/devices.allow=c 136:* rw",
        ])
    }

    func testUnmountedControllerAndUnifiedOnLegacy() throws {
        let m = try manager()
        var r = LinuxResources()
        r.rdma = ["mlx": LinuxRdma(hcaHandles: 1)]
        XCTAssertThrowsError(try m.apply(r)) { XCTAssertTrue("\($0)".contains("rdma cgroup controller is not mounted"), "\($0)") }
        r = LinuxResources()
        r.unified = ["memory.high": "1"]
        XCTAssertThrowsError(try m.apply(r)) { XCTAssertTrue("\($0)".contains("requires cgroup v2")) }
    }

    func testHybridUnifiedLeafAndFreezer() throws {
        try fake.dir("unified", ["cgroup.controllers": "hugetlb\n", "cgroup.subtree_control": ""])
        try fake.dir("unified/c1", ["cgroup.controllers": "hugetlb\n", "cgroup.procs": "", "memory.high": "",
                                    "hugetlb.1GB.max": ""])
        // hugetlb only in the cgroup2 tree
        try FileIO.removeAll(fake.root + "/hugetlb")
        let m = try manager(.hybrid)
        XCTAssertEqual(m.paths["unified"], fake.root + "/unified/c1")
        try m.create()
        XCTAssertEqual(fake.read("unified/cgroup.subtree_control"), "+hugetlb")
        var r = LinuxResources()
        r.hugepageLimits = [LinuxHugepageLimit(pageSize: "1GB", limit: 0)]
        _ = try m.apply(r)
        XCTAssertEqual(fake.read("unified/c1/hugetlb.1GB.max"), "0")
        r = LinuxResources()
        r.unified = ["memory.high": "1"]
        XCTAssertThrowsError(try m.apply(r)) { XCTAssertTrue("\($0)".contains("memory controller is not available"), "\($0)") }

        try m.freeze()
        XCTAssertEqual(fake.read("freezer/c1/freezer.state"), "FROZEN")
        XCTAssertTrue(m.isFrozen())
        try m.thaw()
        XCTAssertFalse(m.isFrozen())
    }

    func testStats() throws {
        try fake.dir("cpu,cpuacct/c1", ["cpu.stat": "nr_periods 4\nnr_throttled 1\nthrottled_time 77\n",
                                         "cpuacct.usage": "5000\n", "cpuacct.usage_percpu": "3000 2000 \n",
                                         "cpuacct.stat": "user 2\nsystem 1\n"])
        try fake.dir("memory/c1", ["memory.usage_in_bytes": "100\n", "memory.max_usage_in_bytes": "200\n",
                                   "memory.failcnt": "1\n", "memory.limit_in_bytes": "9223372036854771712\n",
                                   "memory.stat": "cache 10\nrss 90\n", "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 4\n"])
        try fake.dir("pids/c1", ["pids.current": "2\n", "pids.max": "7\n"])
        try fake.dir("blkio/c1", ["blkio.throttle.io_service_bytes_recursive": "8:0 Read 10\n8:0 Write 20\nTotal 30\n"])
        let m = try manager()
        let s = try m.stats()
        XCTAssertEqual(s.cpu.usage.total, 5000)
        XCTAssertEqual(s.cpu.usage.percpu, [3000, 2000])
        XCTAssertEqual(s.cpu.usage.user, 20_000_000)
        XCTAssertEqual(s.cpu.throttling.periods, 4)
        XCTAssertEqual(s.cpu.throttling.throttledTime, 77)
        XCTAssertEqual(s.memory.usage.usage, 100)
        XCTAssertEqual(s.memory.usage.max, 200)
        XCTAssertEqual(s.memory.usage.failcnt, 1)
        XCTAssertEqual(s.memory.cache, 10)
        XCTAssertEqual(s.pids.current, 2)
        XCTAssertEqual(s.pids.limit, 7)
        XCTAssertEqual(s.blkio.ioServiceBytesRecursive.count, 2)
        XCTAssertEqual(m.oomKillCount(), 4)
    }
}
