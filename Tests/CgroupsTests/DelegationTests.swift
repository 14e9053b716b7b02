#if canImport(Glibc)
import Glibc
#endif
import XCTest
import OCISpec
@testable import Cgroups

/// Rootless cgroups: which limits need a controller (device rules never do), and runc's errors.
final class DelegationTests: XCTestCase {
    func testControllersNeeded() {
        var r = LinuxResources()
        XCTAssertFalse(Delegation.needsControllers(r))
        r.devices = [LinuxDeviceCgroup(allow: false, access: "rwm")]
        XCTAssertFalse(Delegation.needsControllers(r))
        r.pids = LinuxPids(limit: 10)
        XCTAssertEqual(Delegation.v1Controllers(r), ["pids"])
        r.unified = ["memory.high": "1"]
        XCTAssertEqual(Delegation.v1Controllers(r), ["pids", "unified"])
    }

    func testDroppedControllerFailsLikeRunc() {
        var r = LinuxResources()
        r.pids = LinuxPids(limit: 10)
        XCTAssertNoThrow(try Delegation.refuseDropped(r, ["memory"]))
        XCTAssertThrowsError(try Delegation.refuseDropped(r, ["pids", "memory"])) {
            XCTAssertEqual("\($0)", "cannot set pids limit: container could not join or create cgroup")
        }
    }

    func testPermissionErrors() {
        XCTAssertTrue(Delegation.isPermission(CgroupError("x", errno: EACCES)))
        XCTAssertTrue(Delegation.isPermission(CgroupError("x", errno: EROFS)))
        XCTAssertFalse(Delegation.isPermission(CgroupError("x", errno: EBUSY)))
    }
}
