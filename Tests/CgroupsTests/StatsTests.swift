import FoundationEssentials
import XCTest
@testable import Cgroups

final class StatsTests: XCTestCase {
    func testRuncJSONKeys() throws {
        var s = CgroupStats()
        s.cpu.usage.total = 10
        s.cpu.usage.percpu = [4, 6]
        s.cpu.throttling.throttledPeriods = 1
        s.memory.usage.limit = 100
        s.memory.cache = 5
        s.memory.raw = ["cache": 5]
        s.pids.current = 2
        s.blkio.ioServiceBytesRecursive = [BlkioEntry(major: 8, minor: 0, op: "Read", value: 9)]
        var h = HugetlbStats(); h.usage = 1
        s.hugetlb["2MB"] = h
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let json = String(decoding: try enc.encode(s), as: UTF8.self)
        for needle in ["\"cpu\":{\"throttling\":{\"throttledPeriods\":1},\"usage\":{\"kernel\":0,\"percpu\":[4,6],\"total\":10,\"user\":0}}",
                       "\"pids\":{\"current\":2}", "\"ioServiceBytesRecursive\":[{\"major\":8,\"op\":\"Read\",\"value\":9}]",
                       "\"hugetlb\":{\"2MB\":{\"failcnt\":0,\"usage\":1}}", "\"intel_rdt\":{}", "\"network_interfaces\":null",
                       "\"usage\":{\"failcnt\":0,\"limit\":100}", "\"kernelTCP\":{\"failcnt\":0,\"limit\":0}",
                       "\"cpuset\":{\"cpu_exclusive\":0,", "\"raw\":{\"cache\":5}", "\"cache\":5"] {
            XCTAssertTrue(json.contains(needle), "missing \(needle) in \(json)")
        }
        let back = try JSONDecoder().decode(CgroupStats.self, from: try enc.encode(s))
        XCTAssertEqual(back, s)
    }
}
