#if canImport(Glibc)
import Glibc
#endif
import XCTest
import OCISpec
@testable import Runtime

/// Rootless decisions as runc makes them: the state root, --rootless, which id maps a user may
/// write itself (the rest goes through newuidmap/newgidmap).
final class RootlessTests: XCTestCase {
    func testExplicitRootWins() throws {
        XCTAssertEqual(try StateRoot.resolve("/x/y", env: ["XDG_RUNTIME_DIR": "/run/user/1000"], euid: 1000), "/x/y")
    }

    func testRootIgnoresXDGOutsideAUserNamespace() throws {
        XCTAssertEqual(try StateRoot.resolve(nil, env: ["XDG_RUNTIME_DIR": "/nonexistent"], euid: 0,
                                             inUserNamespace: { false }), "/run/swiftrun")
        // Root of a user namespace whose $USER is root keeps /run/swiftrun too (runc).
        XCTAssertEqual(try StateRoot.resolve(nil, env: ["XDG_RUNTIME_DIR": "/nonexistent", "USER": "root"], euid: 0,
                                             inUserNamespace: { true }), "/run/swiftrun")
    }

    func testUserGetsStickyXDGDirectory() throws {
        var tmpl = Array("/tmp/rootless-test-XXXXXX".utf8CString)
        guard let p = mkdtemp(&tmpl) else { return XCTFail("mkdtemp") }
        let xdg = String(cString: p)
        defer { _ = rmdir(xdg + "/swiftrun"); _ = rmdir(xdg) }
        let root = try StateRoot.resolve(nil, env: ["XDG_RUNTIME_DIR": xdg + "/"], euid: 1000)
        XCTAssertEqual(root, xdg + "/swiftrun")
        var st = stat()
        XCTAssertEqual(stat(root, &st), 0)
        XCTAssertEqual(st.st_mode & 0o7777, 0o1700)
    }

    func testUnwritableXDGIsRefusedWithRuncsWording() {
        XCTAssertThrowsError(try StateRoot.resolve(nil, env: ["XDG_RUNTIME_DIR": "/proc/no/such"], euid: 1000)) {
            XCTAssertTrue("\($0)".contains("the path in $XDG_RUNTIME_DIR must be writable by the user"), "\($0)")
        }
    }

    func testRootlessFlag() throws {
        XCTAssertTrue(try Rootless.cgroups(flag: "true", systemdCgroup: false))
        XCTAssertFalse(try Rootless.cgroups(flag: "false", systemdCgroup: false))
        XCTAssertThrowsError(try Rootless.cgroups(flag: "maybe", systemdCgroup: false)) {
            XCTAssertTrue("\($0)".contains("--rootless: invalid value \"maybe\""), "\($0)")
        }
    }

    func testOnlyTheCallersOwnIdAloneIsWrittenDirectly() {
        XCTAssertTrue(IDMaps.isOwn([LinuxIDMapping(containerID: 0, hostID: 1000, size: 1)], id: 1000))
        XCTAssertFalse(IDMaps.isOwn([LinuxIDMapping(containerID: 0, hostID: 1000, size: 2)], id: 1000))
        XCTAssertFalse(IDMaps.isOwn([LinuxIDMapping(containerID: 0, hostID: 1001, size: 1)], id: 1000))
        XCTAssertFalse(IDMaps.isOwn([LinuxIDMapping(containerID: 0, hostID: 1000, size: 1),
                                     LinuxIDMapping(containerID: 1, hostID: 100000, size: 65536)], id: 1000))
        XCTAssertEqual(IDMaps.text([LinuxIDMapping(containerID: 0, hostID: 1000, size: 1),
                                    LinuxIDMapping(containerID: 1, hostID: 100000, size: 65536)]),
                       "0 1000 1\n1 100000 65536\n")
    }
}
