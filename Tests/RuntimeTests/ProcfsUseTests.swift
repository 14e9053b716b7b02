import XCTest
import LinuxSys
@testable import Runtime

/// What the runtime reads from or writes to procfs, and what it no longer asks procfs for.
final class ProcfsUseTests: XCTestCase {
    func testSysctlKeysAreProcfsNames() {
        XCTAssertEqual(Sysctl.procName("net.ipv4.ip_forward"), "sys/net/ipv4/ip_forward")
        XCTAssertEqual(Sysctl.procName("kernel.msgmax"), "sys/kernel/msgmax")
        // ".." cannot be spelled in a key: every dot becomes a slash.
        XCTAssertEqual(Sysctl.procName("..self"), "sys///self")
    }

    func testHighestValidIsABinarySearch() {
        var probes = 0
        XCTAssertEqual(CapabilitySets.highestValid(upTo: 63) { probes += 1; return $0 <= 40 }, 40)
        XCTAssertLessThanOrEqual(probes, 6)
        XCTAssertEqual(CapabilitySets.highestValid(upTo: 63) { $0 <= 0 }, 0)
        XCTAssertEqual(CapabilitySets.highestValid(upTo: 63) { _ in true }, 63)
        XCTAssertEqual(CapabilitySets.highestValid(upTo: 63) { $0 <= 41 }, 41)
    }

    func testLastCapComesFromTheKernel() throws {
        let text = try ProcFS.with { try $0.readString("sys/kernel/cap_last_cap") }
        XCTAssertEqual(CapabilitySets.lastCap(), Int32(text.split(separator: "\n")[0]))
    }

    func testSetgroupsIsReadThroughAVerifiedProcfs() throws {
        XCTAssertTrue(Identity.setgroupsAllowed(nil), "unknown means allowed")
        try ProcFS.with { XCTAssertTrue(Identity.setgroupsAllowed($0)) }  // the host's user namespace
    }
}
