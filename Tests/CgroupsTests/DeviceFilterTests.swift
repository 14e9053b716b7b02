#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
@testable import OCISpec
import XCTest
@testable import Cgroups

final class DeviceFilterTests: XCTestCase {
    typealias R = LinuxDeviceCgroup
    let denyAll = R(allow: false, access: "rwm")

    func testRuleSetSemantics() throws {
        // Empty list: a fresh cgroup allows everything.
        XCTAssertEqual(try DeviceRuleSet(rules: []).defaultAllow, true)
        // Deny-all first: allow-list.
        var s = try DeviceRuleSet(rules: [denyAll, R(allow: true, type: "c", major: 1, minor: 3, access: "rw"),
                                          R(allow: true, type: "c", major: 1, minor: 3, access: "m")])
        XCTAssertFalse(s.defaultAllow)
        XCTAssertEqual(s.exceptions.count, 1)
        XCTAssertEqual(s.exceptions[0].access, DeviceRuleSet.all)
        // A later deny removes access from the exception.
        try s.apply(R(allow: false, type: "c", major: 1, minor: 3, access: "w"))
        XCTAssertEqual(s.exceptions[0].access, DeviceRuleSet.read | DeviceRuleSet.mknod)
        try s.apply(R(allow: false, type: "c", major: 1, minor: 3, access: "rm"))
        XCTAssertTrue(s.exceptions.isEmpty)
        // Punching a hole in a wildcard exception is refused.
        try s.apply(R(allow: true, type: "c", major: 136, access: "rwm"))
        XCTAssertThrowsError(try s.apply(R(allow: false, type: "c", major: 136, minor: 1, access: "r")))
        // A later allow-all resets to default allow.
        try s.apply(R(allow: true, access: "rwm"))
        XCTAssertTrue(s.defaultAllow)
        XCTAssertTrue(s.exceptions.isEmpty)
        XCTAssertThrowsError(try DeviceRuleSet(rules: [R(allow: true, type: "x")]))
        XCTAssertThrowsError(try DeviceRuleSet(rules: [R(allow: true, type: "c", access: "rwq")]))
    }

    func testProgramStructure() throws {
        // Default allow, no exceptions: prologue + "r0 = 1; exit".
        let p0 = try DeviceFilter.program(rules: [])
        XCTAssertEqual(p0.count, 8)
        XCTAssertEqual(p0[6], .mov32(0, imm: 1))
        XCTAssertEqual(p0[7], .exit)

        // deny-all + c 1:3 rwm: one 5-instruction block (type, major, minor, verdict, exit).
        let p1 = try DeviceFilter.program(rules: [denyAll, R(allow: true, type: "c", major: 1, minor: 3, access: "rwm")])
        XCTAssertEqual(p1.map(\.description), [
            "ldxw r2, [r1+0]", "and32 r2, 65535", "ldxw r3, [r1+0]", "rsh32 r3, 16", "ldxw r4, [r1+4]", "ldxw r5, [r1+8]",
            "jne32 r2, 2, +4", "jne32 r4, 1, +3", "jne32 r5, 3, +2", "mov32 r0, 1", "exit",
            "mov32 r0, 0", "exit",
        ])

        // Partial access and a wildcard minor: access check (3 insns), no minor check.
        let p2 = try DeviceFilter.program(rules: [denyAll, R(allow: true, type: "b", major: 8, access: "r"),
                                                   R(allow: true, type: "c", major: 1, minor: 5, access: "rwm")])
        XCTAssertEqual(p2.count, 6 + 7 + 5 + 2)
        XCTAssertEqual(Array(p2[6..<13].map(\.description)), [
            "jne32 r2, 1, +6", "mov32 r1, r3", "and32 r1, 2", "jne32 r1, r3, +3", "jne32 r4, 8, +2", "mov32 r0, 1", "exit",
        ])

        // Default allow with a deny exception: verdict 0 in the block, 1 at the end.
        let p3 = try DeviceFilter.program(rules: [R(allow: false, type: "c", major: 10, minor: 200, access: "rwm")])
        XCTAssertEqual(p3[p3.count - 4], .mov32(0, imm: 0))
        XCTAssertEqual(p3[p3.count - 2], .mov32(0, imm: 1))

        // The runtime's full default list.
        let p4 = try DeviceFilter.program(rules: [denyAll] + Cgroups.defaultAllowedDevices)
        XCTAssertEqual(p4.count, 6 + (6 + 6 + 9 * 5 + 4) + 2) // 2 mknod-only wildcards, 9 full devices, pts 136:*
        XCTAssertEqual(p4.last, .exit)
        XCTAssertEqual(BPFInstruction.jne32(5, imm: 3, off: 2).bytes, [0x56, 0x05, 0x02, 0x00, 0x03, 0x00, 0x00, 0x00])
    }

    /// The kernel verifier accepts the programs, with the 8 MiB RLIMIT_MEMLOCK of this host.
    func testProgramsLoad() throws {
        try XCTSkipUnless(geteuid() == 0, "needs root (CAP_BPF)")
        // With RLIMIT_MEMLOCK 0: BPF memory is memcg-accounted since 5.11, so no rlimit raise is needed.
        var saved = rlimit()
        XCTAssertEqual(getrlimit(__rlimit_resource_t(8), &saved), 0)
        var zero = saved
        zero.rlim_cur = 0
        XCTAssertEqual(setrlimit(__rlimit_resource_t(8), &zero), 0)
        defer { setrlimit(__rlimit_resource_t(8), &saved) }
        for rules in [[], [denyAll], [denyAll] + Cgroups.defaultAllowedDevices,
                      [denyAll, R(allow: true, type: "b", major: 8, access: "r")],
                      [R(allow: false, type: "c", major: 10, minor: 200, access: "rwm")]] {
            let fd = try DeviceFilter.load(try DeviceFilter.program(rules: rules))
            XCTAssertGreaterThanOrEqual(fd, 0)
            close(fd)
        }
    }

    /// Real enforcement on a cgroup2 directory (the controller-less "unified" tree of a hybrid host
    /// works too): a child in a cgroup with "deny all but /dev/null" gets EPERM opening /dev/zero.
    func testEnforcedOnCgroup2() throws {
        try XCTSkipUnless(geteuid() == 0, "needs root")
        let mount = Cgroups.detectMode() == .unified ? Cgroups.defaultRoot : Cgroups.defaultRoot + "/unified"
        try XCTSkipUnless(FileSystem.magic(mount) == FileSystem.cgroup2Magic, "no cgroup2 mount")
        let dir = mount + "/swiftrun-bpftest-\(getpid())"
        XCTAssertEqual(mkdir(dir, 0o755), 0)
        defer { rmdir(dir) }

        try DeviceFilter.install(rules: [denyAll, R(allow: true, type: "c", major: 1, minor: 3, access: "rwm")], dir: dir)
        // Replacing keeps exactly one program attached.
        try DeviceFilter.install(rules: [denyAll, R(allow: true, type: "c", major: 1, minor: 3, access: "rwm")], dir: dir)
        let fd = open(dir, O_RDONLY | O_DIRECTORY)
        XCTAssertEqual(try DeviceFilter.attached(cgroupFD: fd).ids.count, 1)
        close(fd)

        let child = try TestChild.spawn {
            let z = sr_test_open("/dev/zero")
            let zeroDenied = z < 0 && errno == EPERM
            let n = sr_test_open("/dev/null")
            return (zeroDenied ? 0 : 1) | (n >= 0 ? 0 : 2)
        }
        try FileIO.write(dir + "/cgroup.procs", String(child.pid))
        child.go()
        XCTAssertEqual(child.wait(), .exited(0))

        // Allowing /dev/zero too: the replaced program lets it through.
        try DeviceFilter.install(rules: [denyAll, R(allow: true, type: "c", major: 1, access: "rwm")], dir: dir)
        let child2 = try TestChild.spawn { sr_test_open("/dev/zero") >= 0 ? 0 : 1 }
        try FileIO.write(dir + "/cgroup.procs", String(child2.pid))
        child2.go()
        XCTAssertEqual(child2.wait(), .exited(0))
    }
}
