#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import LinuxSys
@testable import OCISpec
import XCTest
@testable import Cgroups

/// The real cgroupfs of this host (root only): create, limit, join, freeze/thaw, stats, kill, destroy.
final class HostLifecycleTests: XCTestCase {
    func testLifecycle() throws {
        try XCTSkipUnless(geteuid() == 0, "needs root")
        let mode = Cgroups.detectMode()
        let name = "swiftrun-cgtest-\(getpid())"
        let m = try Cgroups.manager(cgroupsPath: "/" + name, id: "x")
        XCTAssertEqual(m.mode, mode)
        let paths = m.paths
        XCTAssertFalse(paths.isEmpty)
        if mode == .hybrid {
            XCTAssertEqual(paths["unified"], "/sys/fs/cgroup/unified/" + name)
            XCTAssertEqual(paths["memory"], "/sys/fs/cgroup/memory/" + name)
        }
        defer { try? m.destroy() }
        try m.create()
        for p in Set(paths.values) { XCTAssertTrue(FileIO.isDirectory(p), p) }

        var r = LinuxResources()
        r.memory = LinuxMemory(limit: 64 << 20)
        r.pids = LinuxPids(limit: 10)
        r.cpu = LinuxCPU(shares: 512, quota: 50000, period: 100000)
        r.devices = [LinuxDeviceCgroup(allow: false, access: "rwm")] + Cgroups.defaultAllowedDevices
        let warnings = try m.apply(r)
        XCTAssertEqual(warnings, [])

        let child = try TestChild.spawn {
            // Charge some memory and CPU to the new cgroup (charges made before joining stay behind).
            if let p = mmap(nil, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED {
                memset(p, 1, 1 << 20)
            }
            var ts = timespec(tv_sec: 60, tv_nsec: 0)
            while true { nanosleep(&ts, nil) }
        }
        var reaped = false
        defer { if !reaped { Glibc.kill(child.pid, SIGKILL); _ = child.wait() } }
        if let fd = try m.cloneIntoFD() { close(fd) }  // unified hosts would clone into it; join by pid here
        try m.addProcess(child.pid)
        child.go()
        XCTAssertEqual(try m.pids(), [child.pid])
        usleep(50_000)

        if mode == .unified {
            XCTAssertEqual(try FileIO.readString(paths[""]! + "/memory.max"), "67108864\n")
            XCTAssertEqual(try FileIO.readString(paths[""]! + "/pids.max"), "10\n")
        } else {
            XCTAssertEqual(try FileIO.readString(paths["memory"]! + "/memory.limit_in_bytes"), "67108864\n")
            XCTAssertEqual(try FileIO.readString(paths["pids"]! + "/pids.max"), "10\n")
            XCTAssertEqual(try FileIO.readString(paths["cpu"]! + "/cpu.cfs_quota_us"), "50000\n")
            XCTAssertEqual(try FileIO.readString(paths["devices"]! + "/devices.list").split(separator: "\n").first, "c *:* m")
        }
        // The rebuilt manager sees the same cgroup.
        let again = Cgroups.manager(paths: paths, mode: mode)
        XCTAssertEqual(try again.pids(), [child.pid])

        try m.freeze()
        XCTAssertTrue(m.isFrozen())
        XCTAssertTrue(again.isFrozen())
        try again.thaw()
        XCTAssertFalse(m.isFrozen())

        let s = try m.stats()
        XCTAssertEqual(s.pids.current, 1)
        XCTAssertEqual(s.pids.limit, 10)
        XCTAssertEqual(s.memory.usage.limit, 64 << 20)
        XCTAssertGreaterThan(s.memory.usage.usage, 0)
        XCTAssertGreaterThan(s.cpu.usage.total, 0)
        XCTAssertEqual(m.oomKillCount(), 0)
        let json = String(decoding: try JSONEncoder().encode(s), as: UTF8.self)
        XCTAssertTrue(json.contains("\"pids\":{"), json)

        // update: lower pids, warn-free
        var u = LinuxResources()
        u.pids = LinuxPids(limit: 5)
        XCTAssertEqual(try m.update(u), [])
        XCTAssertEqual(try m.stats().pids.limit, 5)

        try m.kill(signal: SIGKILL)
        XCTAssertEqual(child.wait(), .signaled(SIGKILL))
        reaped = true
        var empty = false
        for _ in 0..<100 { if (try? m.pids())?.isEmpty ?? true { empty = true; break }; usleep(10_000) }
        XCTAssertTrue(empty)

        try m.destroy()
        for p in Set(paths.values) { XCTAssertFalse(FileIO.exists(p), "left behind: \(p)") }
        // Nothing left in any hierarchy under /sys/fs/cgroup.
        for h in FileIO.listDirectory("/sys/fs/cgroup") {
            XCTAssertFalse(FileIO.exists("/sys/fs/cgroup/\(h)/\(name)"), "left behind in \(h)")
        }
    }

    func testSignalWithoutKill() throws {
        try XCTSkipUnless(geteuid() == 0, "needs root")
        let m = try Cgroups.manager(cgroupsPath: "/swiftrun-cgtest-sig-\(getpid())", id: "x")
        defer { try? m.destroy() }
        try m.create()
        let child = try TestChild.spawn {
            var ts = timespec(tv_sec: 60, tv_nsec: 0)
            while true { nanosleep(&ts, nil) }
        }
        try m.addProcess(child.pid)
        child.go()
        try m.freeze()
        try m.kill(signal: SIGTERM)   // delivered after the thaw that follows for v1; stays frozen state-wise
        try m.thaw()
        XCTAssertEqual(child.wait(), .signaled(SIGTERM))
        try m.destroy()
    }
}
