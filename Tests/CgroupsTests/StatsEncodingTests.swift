@testable import Cgroups
import OCISpec
import XCTest

/// The exact bytes `events --stats` prints for stats, pinned: Go's omitempty (zero numbers and empty
/// lists, maps and strings left out where runc's type says omitempty), runc's key order, and a
/// missing key decoding as zero.
final class StatsEncodingTests: XCTestCase {
    static func full() -> CgroupStats {
        var s = CgroupStats()
        s.cpu.usage.total = 1; s.cpu.usage.percpu = [2, 3]; s.cpu.usage.percpuKernel = [4]; s.cpu.usage.percpuUser = [5]
        s.cpu.usage.kernel = 6; s.cpu.usage.user = 7
        s.cpu.throttling.periods = 8; s.cpu.throttling.throttledPeriods = 9; s.cpu.throttling.throttledTime = 10
        s.cpuset.cpus = [0, 1]; s.cpuset.cpuExclusive = 1; s.cpuset.mems = [0]; s.cpuset.memHardwall = 2
        s.cpuset.memExclusive = 3; s.cpuset.memoryMigrate = 4; s.cpuset.memorySpreadPage = 5
        s.cpuset.memorySpreadSlab = 6; s.cpuset.memoryPressure = 7; s.cpuset.schedLoadBalance = 8
        s.cpuset.schedRelaxDomainLevel = -1
        s.memory.cache = 11; s.memory.usage.limit = 12; s.memory.usage.usage = 13; s.memory.usage.max = 14
        s.memory.usage.failcnt = 15; s.memory.swap.usage = 16; s.memory.kernel.max = 17; s.memory.kernelTCP.failcnt = 18
        s.memory.raw = ["rss": 19]
        s.pids.current = 20; s.pids.limit = 21
        s.blkio.ioServiceBytesRecursive = [BlkioEntry(major: 8, minor: 0, op: "Read", value: 22)]
        s.blkio.ioServicedRecursive = [BlkioEntry(major: 8, minor: 1, op: "", value: 0)]
        s.blkio.ioQueuedRecursive = [BlkioEntry(value: 23)]
        s.blkio.ioServiceTimeRecursive = [BlkioEntry(op: "Write")]
        s.blkio.ioWaitTimeRecursive = [BlkioEntry(major: 1)]
        s.blkio.ioMergedRecursive = [BlkioEntry(minor: 2)]
        s.blkio.ioTimeRecursive = [BlkioEntry(value: 24)]
        s.blkio.sectorsRecursive = [BlkioEntry(value: 25)]
        var h = HugetlbStats(); h.usage = 26; h.max = 27; h.failcnt = 28
        s.hugetlb = ["2MB": h]
        return s
    }

    static let fullJSON = #"{"cpu":{"usage":{"total":1,"percpu":[2,3],"percpu_kernel":[4],"percpu_user":[5],"kernel":6,"user":7},"throttling":{"periods":8,"throttledPeriods":9,"throttledTime":10}},"cpuset":{"cpus":[0,1],"cpu_exclusive":1,"mems":[0],"mem_hardwall":2,"mem_exclusive":3,"memory_migrate":4,"memory_spread_page":5,"memory_spread_slab":6,"memory_pressure":7,"sched_load_balance":8,"sched_relax_domain_level":-1},"memory":{"cache":11,"usage":{"limit":12,"usage":13,"max":14,"failcnt":15},"swap":{"limit":0,"usage":16,"failcnt":0},"kernel":{"limit":0,"max":17,"failcnt":0},"kernelTCP":{"limit":0,"failcnt":18},"raw":{"rss":19}},"pids":{"current":20,"limit":21},"blkio":{"ioServiceBytesRecursive":[{"major":8,"op":"Read","value":22}],"ioServicedRecursive":[{"major":8,"minor":1}],"ioQueueRecursive":[{"value":23}],"ioServiceTimeRecursive":[{"op":"Write"}],"ioWaitTimeRecursive":[{"major":1}],"ioMergedRecursive":[{"minor":2}],"ioTimeRecursive":[{"value":24}],"sectorsRecursive":[{"value":25}]},"hugetlb":{"2MB":{"usage":26,"max":27,"failcnt":28}},"intel_rdt":{},"network_interfaces":null}"#
    static let emptyJSON = #"{"cpu":{"usage":{"kernel":0,"user":0},"throttling":{}},"cpuset":{"cpu_exclusive":0,"mem_hardwall":0,"mem_exclusive":0,"memory_migrate":0,"memory_spread_page":0,"memory_spread_slab":0,"memory_pressure":0,"sched_load_balance":0,"sched_relax_domain_level":0},"memory":{"usage":{"limit":0,"failcnt":0},"swap":{"limit":0,"failcnt":0},"kernel":{"limit":0,"failcnt":0},"kernelTCP":{"limit":0,"failcnt":0}},"pids":{},"blkio":{},"hugetlb":{},"intel_rdt":{},"network_interfaces":null}"#

    func testEncodingIsPinned() throws {
        XCTAssertEqual(String(decoding: SpecLoader.encodeOrdered(Self.full()), as: UTF8.self), Self.fullJSON)
        XCTAssertEqual(String(decoding: SpecLoader.encodeOrdered(CgroupStats()), as: UTF8.self), Self.emptyJSON)
    }

    func testRoundTripAndMissingKeys() throws {
        let enc = JSONEncoder()
        XCTAssertEqual(try JSONDecoder().decode(CgroupStats.self, from: try enc.encode(Self.full())), Self.full())
        XCTAssertEqual(try JSONDecoder().decode(CgroupStats.self, from: Data("{}".utf8)), CgroupStats())
        XCTAssertEqual(try JSONDecoder().decode(CgroupStats.self, from: Data(#"{"cpu":{"usage":{}},"memory":{"usage":{"limit":5}}}"#.utf8)).memory.usage.limit, 5)
    }
}
