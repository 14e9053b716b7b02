import XCTest
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import CShim
import CShimTestSupport
import LinuxSys
import OCISpec
@testable import Runtime

/// process.scheduler / ioPriority / execCPUAffinity, linux.memoryPolicy / personality /
/// netDevices / intelRdt, LSM labels: value tables, validation messages, and the real syscalls
/// applied in forked children.
final class ProcessExtrasTests: XCTestCase {
    // MARK: lists

    func testIndexLists() throws {
        XCTAssertEqual(try IndexList.parse("0-3,7", field: "f"), [0, 1, 2, 3, 7])
        XCTAssertEqual(try IndexList.parse(" 1 , 3-4 ", field: "f"), [1, 3, 4])
        XCTAssertEqual(try IndexList.parse("5,5,2", field: "f"), [2, 5])
        XCTAssertEqual(try IndexList.parse("", field: "f"), [])
        for bad in ["3-1", "a", "1,,2", "-1", "1-2-3", "99999"] {
            XCTAssertThrowsError(try IndexList.parse(bad, field: "process.execCPUAffinity.final"), bad) { e in
                XCTAssertTrue("\(e)".hasPrefix("process.execCPUAffinity.final: invalid list"), "\(e)")
            }
        }
        XCTAssertEqual(IndexList.byteMask([0, 1, 9], bytes: 2), [0x03, 0x02])
    }

    // MARK: scheduler

    func sched(_ policy: String, nice: Int32? = nil, priority: Int32? = nil, flags: [String]? = nil,
               runtime: UInt64? = nil, deadline: UInt64? = nil, period: UInt64? = nil) -> Scheduler {
        var s = Scheduler(policy: policy)
        s.nice = nice; s.priority = priority; s.flags = flags; s.runtime = runtime; s.deadline = deadline; s.period = period
        return s
    }

    func testSchedulerValues() throws {
        XCTAssertEqual(try SchedulerAttr.attr(sched("SCHED_BATCH", nice: 5)),
                       .init(policy: 3, flags: 0, nice: 5, priority: 0, runtime: 0, deadline: 0, period: 0))
        XCTAssertEqual(try SchedulerAttr.attr(sched("SCHED_FIFO", priority: 10, flags: ["SCHED_FLAG_RESET_ON_FORK"])).flags, 1)
        XCTAssertEqual(try SchedulerAttr.attr(sched("SCHED_DEADLINE", runtime: 10_000_000, deadline: 30_000_000,
                                                    period: 30_000_000)).policy, 6)
    }

    func testSchedulerErrorsNameTheField() {
        let cases: [(Scheduler, String)] = [
            (sched("SCHED_X"), "process.scheduler.policy: unknown policy \"SCHED_X\""),
            (sched("SCHED_ISO"), "process.scheduler.policy: SCHED_ISO"),
            (sched("SCHED_OTHER", nice: 40), "process.scheduler.nice"),
            (sched("SCHED_RR"), "process.scheduler.priority"),
            (sched("SCHED_OTHER", priority: 3), "process.scheduler.priority"),
            (sched("SCHED_OTHER", flags: ["SCHED_FLAG_NOPE"]), "process.scheduler.flags: unknown flag"),
            (sched("SCHED_DEADLINE", runtime: 5, deadline: 2), "process.scheduler: SCHED_DEADLINE"),
            (sched("SCHED_BATCH", runtime: 5), "process.scheduler: runtime"),
        ]
        for (s, want) in cases {
            XCTAssertThrowsError(try SchedulerAttr.attr(s), want) { e in
                XCTAssertTrue("\(e)".hasPrefix(want), "\(e) does not start with \(want)")
            }
        }
    }

    // MARK: ioPriority, personality, memory policy

    func testIOPriorityValues() throws {
        XCTAssertEqual(try IOPriority.value(LinuxIOPriority(class: "IOPRIO_CLASS_BE", priority: 5)), 2 << 13 | 5)
        XCTAssertEqual(try IOPriority.value(LinuxIOPriority(class: "IOPRIO_CLASS_RT", priority: 0)), 1 << 13)
        XCTAssertEqual(try IOPriority.value(LinuxIOPriority(class: "IOPRIO_CLASS_IDLE", priority: 7)), 3 << 13)
        XCTAssertThrowsError(try IOPriority.value(LinuxIOPriority(class: "IOPRIO_CLASS_BE", priority: 8))) {
            XCTAssertTrue("\($0)".hasPrefix("process.ioPriority.priority"))
        }
        XCTAssertThrowsError(try IOPriority.value(LinuxIOPriority(class: "NOPE", priority: 1))) {
            XCTAssertTrue("\($0)".hasPrefix("process.ioPriority.class: unknown class \"NOPE\""))
        }
    }

    func testPersonalityValues() throws {
        XCTAssertEqual(try Personality.value(LinuxPersonality(domain: "LINUX")), 0)
        XCTAssertEqual(try Personality.value(LinuxPersonality(domain: "LINUX32")), 8)
        XCTAssertThrowsError(try Personality.value(LinuxPersonality(domain: "LINUX", flags: ["ADDR_NO_RANDOMIZE"]))) {
            XCTAssertTrue("\($0)".hasPrefix("linux.personality.flags: unsupported flag"))
        }
    }

    func testMemoryPolicyCalls() throws {
        let c = try MemoryPolicy.call(LinuxMemoryPolicy(mode: "MPOL_INTERLEAVE", nodes: "0-1,65",
                                                         flags: ["MPOL_F_STATIC_NODES"]))
        XCTAssertEqual(c.mode, 3 | 1 << 15)
        XCTAssertEqual(c.nodes, [0x3, 0x2])
        XCTAssertEqual(c.maxnode, 129)
        XCTAssertEqual(try MemoryPolicy.call(LinuxMemoryPolicy(mode: "MPOL_LOCAL")).nodes, [])
        XCTAssertEqual(try MemoryPolicy.call(LinuxMemoryPolicy(mode: "MPOL_PREFERRED")).mode, 1)
        for (p, want) in [
            (LinuxMemoryPolicy(mode: "MPOL_BIND"), "linux.memoryPolicy.nodes: MPOL_BIND needs at least one node"),
            (LinuxMemoryPolicy(mode: "MPOL_DEFAULT", nodes: "0"), "linux.memoryPolicy.nodes: must be empty"),
            (LinuxMemoryPolicy(mode: "MPOL_BIND", nodes: "0", flags: ["MPOL_F_STATIC_NODES", "MPOL_F_RELATIVE_NODES"]),
             "linux.memoryPolicy.flags"),
            (LinuxMemoryPolicy(mode: "MPOL_NOPE"), "linux.memoryPolicy.mode: unknown mode"),
        ] {
            XCTAssertThrowsError(try MemoryPolicy.call(p)) { XCTAssertTrue("\($0)".hasPrefix(want), "\($0)") }
        }
    }

    // MARK: real syscalls, in forked children

    /// Forks (clone3 without namespaces); `body` returns 0 or says what is wrong.
    func inChild(_ body: (_ say: (String) -> Void) -> Int32) -> (code: Int32, message: String) {
        var p: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&p), 0)
        var pidfd: Int32 = -1
        let pid = sr_clone3(0, &pidfd, -1)
        if pid == 0 {
            close(p[0])
            let code = body { m in _ = try? FileIO.writeAll(fd: p[1], Array((m + "\n").utf8)) }
            _exit(code)
        }
        close(p[1])
        let out = (try? FileIO.readAll(fd: p[0])) ?? []
        close(p[0])
        if pidfd >= 0 { close(pidfd) }
        let st = (try? Proc.wait(pid)) ?? nil
        return (st?.code ?? -1, String(decoding: out, as: UTF8.self))
    }

    func testApplyBeforeExecForReal() throws {
        guard geteuid() == 0 else { throw XCTSkip("needs root") }
        var proc = OCISpec.Process(args: ["true"])
        proc.scheduler = sched("SCHED_BATCH", nice: 7)
        proc.ioPriority = LinuxIOPriority(class: "IOPRIO_CLASS_BE", priority: 6)
        proc.execCPUAffinity = CPUAffinity(final: "0")
        var linux = Linux()
        linux.personality = LinuxPersonality(domain: "LINUX32")
        linux.memoryPolicy = LinuxMemoryPolicy(mode: "MPOL_BIND", nodes: "0")
        let r = inChild { say in
            do { try ProcessAttributes.applyBeforeExec(process: proc, linux: linux, privilegedApplied: false) } catch { say("\(error)"); return 1 }
            var policy: UInt32 = 0, flags: UInt64 = 0, nice: Int32 = 0, prio: UInt32 = 0
            guard sr_test_sched_getattr(0, &policy, &flags, &nice, &prio) == 0, policy == 3, nice == 7 else {
                say("sched: policy \(policy) nice \(nice)"); return 2
            }
            let io = sr_test_ioprio_get(0)
            if io != 2 << 13 | 6 { say("ioprio \(io)"); return 3 }
            let pers = sr_personality(0xffff_ffff)
            if pers & 0xff != 8 { say("personality \(pers)"); return 4 }
            guard let m = try? CPUAffinityMask.current(), m.first == 1, m.dropFirst().allSatisfy({ $0 == 0 }) else {
                say("affinity"); return 5
            }
            var mode: Int32 = -1
            var mask = [UInt](repeating: 0, count: 16)
            if sr_test_get_mempolicy(&mode, &mask, UInt(16 * 64)) != 0 || mode != 2 || mask[0] != 1 {
                say("mempolicy mode \(mode) mask \(mask[0]) errno \(errno)"); return 6
            }
            return 0
        }
        XCTAssertEqual(r.code, 0, r.message)
    }

    func testIOPriorityPermissionErrorNamesTheField() throws {
        guard geteuid() == 0 else { throw XCTSkip("needs root") }
        let r = inChild { say in
            // Drop every capability (and become nobody) so IOPRIO_CLASS_RT is refused.
            _ = sr_setresgid(65534, 65534, 65534)
            _ = sr_setresuid(65534, 65534, 65534)
            _ = sr_capset(0, 0, 0)
            var p = OCISpec.Process(args: ["true"])
            p.ioPriority = LinuxIOPriority(class: "IOPRIO_CLASS_RT", priority: 0)
            do { try ProcessAttributes.applyBeforeExec(process: p, linux: nil, privilegedApplied: false); return 1 } catch { say("\(error)"); return 0 }
        }
        XCTAssertEqual(r.code, 0, r.message)
        XCTAssertEqual(r.message, "process.ioPriority: ioprio_set: operation not permitted\n")
    }

    func testInitialAffinitySaveAndRestore() throws {
        let r = inChild { say in
            guard let before = try? CPUAffinityMask.current() else { say("get"); return 1 }
            let saved: [UInt8]?
            do { saved = try ProcessAttributes.applyInitialAffinity(CPUAffinity(initial: "0")) } catch { say("\(error)"); return 2 }
            guard saved == before else { say("saved mask differs"); return 3 }
            guard let now = try? CPUAffinityMask.current(), now.first == 1 else { say("not pinned"); return 4 }
            ProcessAttributes.restoreAffinity(saved)
            guard (try? CPUAffinityMask.current()) == before else { say("not restored"); return 5 }
            do {
                if try ProcessAttributes.applyInitialAffinity(nil) != nil { say("nil should be a no-op"); return 6 }
            } catch { say("\(error)"); return 7 }
            return 0
        }
        XCTAssertEqual(r.code, 0, r.message)
    }

    // MARK: LSM, intelRdt

    func testLSMErrorsWhenDisabled() throws {
        var p = OCISpec.Process(args: ["true"])
        p.apparmorProfile = "docker-default"
        if !LSM.appArmorEnabled {
            XCTAssertThrowsError(try LSM.check(process: p, linux: nil, log: .stderr)) {
                XCTAssertTrue("\($0)".hasPrefix("process.apparmorProfile: AppArmor is not enabled on this host"), "\($0)")
            }
        }
        p.apparmorProfile = nil
        p.selinuxLabel = "system_u:system_r:container_t:s0"
        if !LSM.seLinuxEnabled {
            XCTAssertThrowsError(try LSM.check(process: p, linux: nil, log: .stderr)) {
                XCTAssertTrue("\($0)".hasPrefix("process.selinuxLabel: SELinux is not enabled on this host"), "\($0)")
            }
        }
        // Nothing asked: nothing to do.
        XCTAssertNoThrow(try LSM.apply(process: OCISpec.Process(args: ["true"]), linux: nil))
    }

    func testIntelRdt() throws {
        var rdt = LinuxIntelRdt()
        rdt.l3CacheSchema = "L3:0=7f0"
        rdt.memBwSchema = "MB:0=20"
        rdt.schemata = ["L2:0=f"]
        XCTAssertEqual(IntelRdt.schemataLines(rdt), ["L3:0=7f0", "MB:0=20", "L2:0=f"])
        XCTAssertEqual(IntelRdt.closDir(rdt, id: "c1"), "/sys/fs/resctrl/c1")
        rdt.closID = "/"
        XCTAssertEqual(IntelRdt.closDir(rdt, id: "c1"), "/sys/fs/resctrl")
        XCTAssertNoThrow(try IntelRdt.apply(nil, id: "c1", pid: 1))
        if !IntelRdt.mounted {
            XCTAssertThrowsError(try IntelRdt.apply(rdt, id: "c1", pid: getpid())) {
                XCTAssertEqual("\($0)", "linux.intelRdt: resctrl is not mounted on this host")
            }
        }
    }

    // MARK: netDevices

    func testNetDevicesValidation() throws {
        XCTAssertThrowsError(try NetDevices.validate(["eth9": LinuxNetDevice()], namespaces: [LinuxNamespace(type: "pid")])) {
            XCTAssertTrue("\($0)".hasPrefix("linux.netDevices: needs a network namespace"), "\($0)")
        }
        XCTAssertThrowsError(try NetDevices.validate(["a": LinuxNetDevice(name: "x"), "b": LinuxNetDevice(name: "x")],
                                                     namespaces: [LinuxNamespace(type: "network")]))
        XCTAssertThrowsError(try NetDevices.validate(["a": LinuxNetDevice(name: "a-very-long-name-here")],
                                                     namespaces: [LinuxNamespace(type: "network")]))
        XCTAssertNoThrow(try NetDevices.validate(["a": LinuxNetDevice(name: "eth%d"), "b": LinuxNetDevice(name: "eth%d")],
                                                 namespaces: [LinuxNamespace(type: "network")]))
    }

    @discardableResult
    func sh(_ args: [String]) -> (Int32, String) {
        let p = Foundation.Process()
        p.executableURL = URL(fileURLWithPath: args[0])
        p.arguments = Array(args.dropFirst())
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        do { try p.run() } catch { return (-1, "\(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A child in a new network namespace that waits until killed.
    func netnsChild() -> (pid: pid_t, pidfd: Int32)? {
        var pidfd: Int32 = -1
        let pid = sr_clone3(0x4000_0000 /* CLONE_NEWNET */, &pidfd, -1)
        if pid == 0 { while true { pause() } }
        return pid > 0 ? (pid, pidfd) : nil
    }

    func testMoveRenameUpAndKeepAddresses() throws {
        guard geteuid() == 0, FileIO.exists("/usr/sbin/ip") || FileIO.exists("/sbin/ip"),
              FileIO.exists("/usr/bin/nsenter") else { throw XCTSkip("needs root, ip and nsenter") }
        let ip = FileIO.exists("/usr/sbin/ip") ? "/usr/sbin/ip" : "/sbin/ip"
        let a = "swr-ut\(getpid() % 10000)a", b = "swr-ut\(getpid() % 10000)b"
        guard sh([ip, "link", "add", a, "type", "veth", "peer", "name", b]).0 == 0 else {
            throw XCTSkip("cannot create a veth pair")
        }
        defer { sh([ip, "link", "del", b]) }
        XCTAssertEqual(sh([ip, "addr", "add", "10.211.7.1/24", "dev", a]).0, 0)
        guard let child = netnsChild() else { XCTFail("clone3 CLONE_NEWNET"); return }
        defer {
            _ = sr_pidfd_send_signal(child.pidfd, SIGKILL, 0)
            _ = try? Proc.wait(child.pid)
            close(child.pidfd)
        }
        try NetDevices.move([a: LinuxNetDevice(name: "eth7")], toPid: child.pid)
        XCTAssertNotEqual(sh([ip, "link", "show", a]).0, 0, "\(a) still on the host")
        let (rc, out) = sh(["/usr/bin/nsenter", "-t", "\(child.pid)", "-n", ip, "-o", "addr", "show", "dev", "eth7"])
        XCTAssertEqual(rc, 0, out)
        XCTAssertTrue(out.contains("10.211.7.1/24"), out)
        let (_, link) = sh(["/usr/bin/nsenter", "-t", "\(child.pid)", "-n", ip, "-o", "link", "show", "dev", "eth7"])
        XCTAssertTrue(link.contains(",UP"), link)

        // Errors name the device.
        XCTAssertThrowsError(try NetDevices.move(["swr-nonexist9": LinuxNetDevice()], toPid: child.pid)) {
            XCTAssertEqual("\($0)", "linux.netDevices[\"swr-nonexist9\"]: no such device")
        }
        // Same name already in the container: refused before moving.
        XCTAssertThrowsError(try NetDevices.move([b: LinuxNetDevice(name: "eth7")], toPid: child.pid)) {
            XCTAssertTrue("\($0)".contains("already exists"), "\($0)")
        }
        XCTAssertEqual(sh([ip, "link", "show", b]).0, 0, "\(b) moved despite the error")
        // The runtime's own namespace is refused.
        XCTAssertThrowsError(try NetDevices.move([b: LinuxNetDevice()], toPid: getpid())) {
            XCTAssertTrue("\($0)".contains("a new network namespace is required"), "\($0)")
        }
    }
}
