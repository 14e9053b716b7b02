import XCTest
#if canImport(Glibc)
import Glibc
#endif
import CShim
import LinuxSys
import OCISpec
@testable import Runtime

/// process.landlock in the runtime: best effort against older ABIs (simulated), disableBestEffort,
/// the name tables, and a ruleset built and enforced for real in a forked child.
final class LandlockPlanTests: XCTestCase {
    /// Everything this build knows, with rules on / and /tmp, a port, and a log flag.
    var everything: LinuxLandlock {
        LinuxLandlock(
            ruleset: LandlockRuleset(handledAccessFS: LandlockNames.accessFS, handledAccessNet: LandlockNames.accessNet,
                                     scoped: LandlockNames.scopes),
            rules: LandlockRules(
                pathBeneath: [LandlockPathBeneath(allowedAccess: ["read_file", "read_dir"], paths: ["/"]),
                              LandlockPathBeneath(allowedAccess: ["write_file", "truncate", "ioctl_dev"], paths: ["/tmp"]),
                              LandlockPathBeneath(allowedAccess: ["ioctl_dev"], paths: ["/dev"])],
                netPort: [LandlockNetPort(allowedAccess: ["bind_tcp"], ports: [8080])]))
    }

    func plan(_ l: LinuxLandlock, abi: Int32, errno e: Int32 = 0) throws -> (LandlockPlan?, [String]) {
        var warnings: [String] = []
        let p = try LandlockPlan.make(l, kernel: (abi, e)) { warnings.append($0) }
        return (p, warnings)
    }

    func testTablesMatchTheNamesTheConfigAccepts() {
        XCTAssertEqual(Landlock.fsRights.map(\.name), LandlockNames.accessFS)
        XCTAssertEqual(Landlock.netRights.map(\.name), LandlockNames.accessNet)
        XCTAssertEqual(Landlock.scopes.map(\.name), LandlockNames.scopes)
        XCTAssertEqual(Landlock.restrictSelfFlags.map(\.name), LandlockNames.restrictSelfFlags)
        // Bits as in include/uapi/linux/landlock.h: one per right, in order.
        for (i, r) in Landlock.fsRights.enumerated() { XCTAssertEqual(r.bit, 1 << UInt64(i), r.name) }
        let fileBits = Landlock.fsRights.filter { LandlockNames.fileAccessFS.contains($0.name) }.reduce(0) { $0 | $1.bit }
        XCTAssertEqual(fileBits, Landlock.fileRights)
        XCTAssertEqual(Landlock.fsRights.map(\.abi).max(), 5)
        XCTAssertEqual(Landlock.knownABI, 7)
    }

    func testCurrentABIEnforcesEverything() throws {
        let (p, w) = try plan(everything, abi: 7)
        XCTAssertEqual(w, [])
        let q = try XCTUnwrap(p)
        XCTAssertEqual(q.handledFS, 0xffff)
        XCTAssertEqual(q.handledNet, 0b11)
        XCTAssertEqual(q.scoped, 0b11)
        XCTAssertEqual(q.pathRules.map(\.allowed), [0b1100, 1 << 1 | 1 << 14 | 1 << 15, 1 << 15])
        XCTAssertEqual(q.pathRules.map(\.at), ["process.landlock.rules.pathBeneath[0]", "process.landlock.rules.pathBeneath[1]",
                                               "process.landlock.rules.pathBeneath[2]"])
        XCTAssertEqual(q.portRules, [LandlockPlan.PortRule(allowed: 1, ports: [8080])])
        // A newer kernel is used as the newest ABI this build knows.
        XCTAssertEqual(try plan(everything, abi: 9).0?.abi, 7)
    }

    func testBestEffortOnOlderABIs() throws {
        var l = everything
        l.restrictSelfFlags = ["log_new_exec_on"]
        let (p, w) = try plan(l, abi: 2)
        XCTAssertEqual(w, ["config.json: process.landlock: best effort on Landlock ABI 2 (swiftrun knows 7): not enforced: "
            + "ruleset.handledAccessFS truncate (ABI 3), ruleset.handledAccessFS ioctl_dev (ABI 5), "
            + "ruleset.handledAccessNet bind_tcp (ABI 4), ruleset.handledAccessNet connect_tcp (ABI 4), "
            + "ruleset.scoped abstract_unix_socket (ABI 6), ruleset.scoped signal (ABI 6), "
            + "restrictSelfFlags log_new_exec_on (ABI 7)"])
        let q = try XCTUnwrap(p)
        XCTAssertEqual(q.abi, 2)
        XCTAssertEqual(q.handledFS, 0x3fff)
        XCTAssertEqual(q.handledNet, 0)
        XCTAssertEqual(q.scoped, 0)
        XCTAssertEqual(q.restrictFlags, 0)
        // /tmp keeps write_file; the /dev rule (ioctl_dev only) and the port rule are gone.
        XCTAssertEqual(q.pathRules.map(\.allowed), [0b1100, 1 << 1])
        XCTAssertEqual(q.pathRules.map(\.at), ["process.landlock.rules.pathBeneath[0]", "process.landlock.rules.pathBeneath[1]"])
        XCTAssertEqual(q.portRules, [])

        let (p1, w1) = try plan(everything, abi: 1)
        XCTAssertEqual(p1?.handledFS, 0x1fff)
        XCTAssertTrue(w1[0].contains("ruleset.handledAccessFS refer (ABI 2)"), w1[0])
        XCTAssertTrue(w1[0].hasSuffix("; on ABI 1 moving or linking files across directories is always denied"), w1[0])
    }

    func testNothingLeft() throws {
        let l = LinuxLandlock(ruleset: LandlockRuleset(handledAccessNet: ["bind_tcp"]),
                              rules: LandlockRules(netPort: [LandlockNetPort(allowedAccess: ["bind_tcp"], ports: [80])]))
        let (p, w) = try plan(l, abi: 3)
        XCTAssertNil(p)
        XCTAssertEqual(w.count, 2)
        XCTAssertEqual(w.last, "config.json: process.landlock: not enforced: nothing the kernel supports is left in the ruleset")
    }

    func testDisableBestEffort() throws {
        var l = everything
        l.disableBestEffort = true
        XCTAssertNotNil(try plan(l, abi: 7).0)
        XCTAssertThrowsError(try plan(l, abi: 3)) {
            XCTAssertEqual("\($0)", "config.json: process.landlock: disableBestEffort is true, but the kernel's Landlock ABI is 3 "
                + "and lacks: ruleset.handledAccessFS ioctl_dev (ABI 5), ruleset.handledAccessNet bind_tcp (ABI 4), "
                + "ruleset.handledAccessNet connect_tcp (ABI 4), ruleset.scoped abstract_unix_socket (ABI 6), "
                + "ruleset.scoped signal (ABI 6)")
        }
        XCTAssertThrowsError(try plan(l, abi: 0, errno: EOPNOTSUPP)) {
            XCTAssertEqual("\($0)", "config.json: process.landlock: disableBestEffort is true, but Landlock is disabled on "
                + "this kernel (see the lsm= boot parameter)")
        }
    }

    func testNoLandlockAtAll() throws {
        let (p, w) = try plan(everything, abi: 0, errno: ENOSYS)
        XCTAssertNil(p)
        XCTAssertEqual(w, ["config.json: process.landlock: not enforced: this kernel has no Landlock (function not implemented)"])
        XCTAssertNil(try LandlockPlan.make(nil) { _ in XCTFail("no warning without process.landlock") })
    }

    // MARK: for real

    func testBuildAndEnforceInAChild() throws {
        let kernel = Landlock.abiVersion()
        guard kernel.abi >= 1 else { throw XCTSkip("no Landlock on this kernel") }
        let dir = "/tmp/swiftrun-landlock-test-\(getpid())"
        try FileIO.mkdirAll(dir + "/w")
        defer { _ = try? FileIO.removeAll(dir) }
        let l = LinuxLandlock(
            ruleset: LandlockRuleset(handledAccessFS: ["write_file", "make_reg", "read_dir"]),
            rules: LandlockRules(pathBeneath: [LandlockPathBeneath(allowedAccess: ["write_file", "make_reg"], paths: [dir + "/w"]),
                                               LandlockPathBeneath(allowedAccess: ["read_dir"], paths: [dir])]))
        let p = try XCTUnwrap(try LandlockPlan.make(l) { XCTFail($0) })

        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        var pidfd: Int32 = -1
        let pid = sr_clone3(0, &pidfd, -1)
        if pid == 0 {
            close(fds[0])
            func say(_ code: Int32, _ m: String) -> Never {
                _ = try? FileIO.writeAll(fd: fds[1], Array(m.utf8))
                _exit(code)
            }
            do {
                _ = sr_prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
                let r = try LandlockRuleset.build(p)
                try r.enforce()
            } catch { say(1, "\(error)") }
            let ok = open(dir + "/w/f", O_CREAT | O_WRONLY | O_CLOEXEC, 0o644)
            if ok < 0 { say(2, "create under w: errno \(errno)") }
            let denied = open(dir + "/g", O_CREAT | O_WRONLY | O_CLOEXEC, 0o644)
            if denied >= 0 || errno != EACCES { say(3, "create beside w: fd \(denied) errno \(errno)") }
            say(0, "")
        }
        close(fds[1])
        let out = String(decoding: (try? FileIO.readAll(fd: fds[0])) ?? [], as: UTF8.self)
        close(fds[0])
        if pidfd >= 0 { close(pidfd) }
        let st = try Proc.wait(pid)
        XCTAssertEqual(st?.code, 0, out)
    }

    func testBuildErrorsNameTheJSONPath() throws {
        guard Landlock.abiVersion().abi >= 1 else { throw XCTSkip("no Landlock on this kernel") }
        func buildError(_ rule: LandlockPathBeneath) throws -> String {
            let l = LinuxLandlock(ruleset: LandlockRuleset(handledAccessFS: ["read_file", "read_dir"]),
                                  rules: LandlockRules(pathBeneath: [LandlockPathBeneath(allowedAccess: ["read_dir"], paths: ["/"]), rule]))
            let p = try XCTUnwrap(try LandlockPlan.make(l) { XCTFail($0) })
            do {
                _ = try LandlockRuleset.build(p)
                return "built"
            } catch { return "\(error)" }
        }
        XCTAssertEqual(try buildError(LandlockPathBeneath(allowedAccess: ["read_file"], paths: ["/", "/no/such/dir"])),
                       "process.landlock.rules.pathBeneath[1].paths[1]: \"/no/such/dir\" does not exist in the container "
                       + "(symlinks and \"..\" resolve inside the container's root)")
        XCTAssertEqual(try buildError(LandlockPathBeneath(allowedAccess: ["read_file", "read_dir"], paths: ["/etc/passwd"])),
                       "process.landlock.rules.pathBeneath[1].paths[0]: \"/etc/passwd\" is not a directory: a rule on a file "
                       + "may only allow execute, write_file, read_file, truncate, ioctl_dev (this one also allows read_dir)")
        XCTAssertTrue(try buildError(LandlockPathBeneath(allowedAccess: ["read_file"], paths: ["/proc/self/root/etc"]))
            .hasPrefix("process.landlock.rules.pathBeneath[1].paths[0]: \"/proc/self/root/etc\" is refused: it goes through a /proc magic link"))
        XCTAssertEqual(try buildError(LandlockPathBeneath(allowedAccess: ["read_file"], paths: ["/etc/passwd"])), "built")
    }
}
