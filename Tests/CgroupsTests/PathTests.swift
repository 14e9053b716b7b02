#if canImport(Glibc)
import Glibc
#endif
import XCTest
@testable import Cgroups

final class PathTests: XCTestCase {
    func testAbsolute() throws {
        XCTAssertEqual(try Cgroups.parsePath("/a/b", id: "x"), CgroupPath(components: ["a", "b"], isRelative: false))
        XCTAssertEqual(try Cgroups.parsePath("//a/./b/", id: "x"), CgroupPath(components: ["a", "b"], isRelative: false))
    }

    func testRelativeAndEmpty() throws {
        XCTAssertEqual(try Cgroups.parsePath("a/b", id: "x"), CgroupPath(components: ["a", "b"], isRelative: true))
        XCTAssertEqual(try Cgroups.parsePath(nil, id: "ctr"), CgroupPath(components: ["ctr"], isRelative: true))
        XCTAssertEqual(try Cgroups.parsePath("", id: "ctr"), CgroupPath(components: ["ctr"], isRelative: true))
    }

    func testDotDotRejected() {
        XCTAssertThrowsError(try Cgroups.parsePath("/a/../b", id: "x"))
        XCTAssertThrowsError(try Cgroups.parsePath("..", id: "x"))
        XCTAssertThrowsError(try Cgroups.parsePath("/", id: "x"))
        XCTAssertThrowsError(try Cgroups.parsePath(nil, id: ".."))
    }

    func testSystemdForm() throws {
        XCTAssertEqual(try Cgroups.parsePath("system.slice:docker:abc", id: "x").string, "/system.slice/docker-abc.scope")
        XCTAssertEqual(try Cgroups.parsePath("a-b-c.slice:crio:id1", id: "x").string, "/a.slice/a-b.slice/a-b-c.slice/crio-id1.scope")
        XCTAssertEqual(try Cgroups.parsePath(":runc:id2", id: "x").string, "/system.slice/runc-id2.scope")
        XCTAssertEqual(try Cgroups.parsePath("-.slice::id3", id: "x").string, "/id3.scope")
        XCTAssertEqual(try Cgroups.parsePath("user.slice:p:user-1000.slice", id: "x").string, "/user.slice/user-1000.slice")
        XCTAssertThrowsError(try Cgroups.parsePath("bad:p:n", id: "x"))
        XCTAssertThrowsError(try Cgroups.parsePath("a--b.slice:p:n", id: "x"))
        XCTAssertThrowsError(try Cgroups.parsePath("system.slice:p:..", id: "x"))
        XCTAssertEqual(try Cgroups.expandSlice("kubepods-burstable-pod1.slice"),
                       ["kubepods.slice", "kubepods-burstable.slice", "kubepods-burstable-pod1.slice"])
    }

    func testProcSelfCgroup() {
        let m = Cgroups.parseProcCgroup("9:name=systemd:/\n2:cpu,cpuacct:/a\n4:memory:/process_api/x\n0::/user.slice/s.scope\n")
        XCTAssertEqual(m["cpu"], "/a")
        XCTAssertEqual(m["cpuacct"], "/a")
        XCTAssertEqual(m["memory"], "/process_api/x")
        XCTAssertEqual(m["name=systemd"], "/")
        XCTAssertEqual(m[""], "/user.slice/s.scope")
    }

    func testMountinfo() {
        let text = """
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct
        35 31 0:32 /sub /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        50 23 0:32 / /mnt/other rw - cgroup cgroup rw,memory
        """
        let m = Mountinfo.cgroupMounts(text, under: "/sys/fs/cgroup")
        XCTAssertEqual(m.v1.map(\.controllers), [["cpu", "cpuacct"], ["memory"], ["name=systemd"]])
        XCTAssertEqual(m.v1[1].mountRoot, "/sub")
        XCTAssertEqual(m.cgroup2, ["/sys/fs/cgroup/unified"])
        XCTAssertEqual(Mountinfo.unescape("/a\\040b"), "/a b")
    }

    func testUnifiedRelativeUsesParentOfOwnCgroup() throws {
        let m = try Cgroups.manager(cgroupsPath: "foo", id: "x", root: "/fake", mode: .unified,
                                    ownCgroups: ["": "/user.slice/session-1.scope"])
        XCTAssertEqual(m.paths, ["": "/fake/user.slice/foo"])
        let a = try Cgroups.manager(cgroupsPath: "/abs/c1", id: "x", root: "/fake", mode: .unified, ownCgroups: [:])
        XCTAssertEqual(a.paths, ["": "/fake/abs/c1"])
        let d = try Cgroups.manager(cgroupsPath: nil, id: "c2", root: "/fake", mode: .unified, ownCgroups: ["": "/"])
        XCTAssertEqual(d.paths, ["": "/fake/c2"])
        XCTAssertThrowsError(try m.cloneIntoFD()) // /fake does not exist
    }

    func testV1RelativeUsesOwnCgroupPerHierarchy() throws {
        let fake = try FakeCgroupFS()
        try fake.dir("cpu,cpuacct"); try fake.dir("memory"); try fake.dir("unified"); try fake.dir("not-a-controller")
        let m = try Cgroups.manager(cgroupsPath: "c", id: "x", root: fake.root, mode: .hybrid,
                                    ownCgroups: ["memory": "/process_api/p", "cpu": "/", "": "/init.scope"])
        XCTAssertEqual(m.paths, [
            "cpu": fake.root + "/cpu,cpuacct/c", "cpuacct": fake.root + "/cpu,cpuacct/c",
            "memory": fake.root + "/memory/process_api/p/c", "unified": fake.root + "/unified/init.scope/c",
        ])
        let rebuilt = Cgroups.manager(paths: m.paths, root: fake.root, mode: .hybrid)
        XCTAssertEqual(rebuilt.paths, m.paths)
        XCTAssertEqual(rebuilt.mode, .hybrid)
    }
}
