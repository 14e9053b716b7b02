import XCTest
@testable import Runtime

/// `exec --cgroup`: runc's argument forms, and which directory each hierarchy's process joins.
final class ExecCgroupTests: XCTestCase {
    func testForms() throws {
        XCTAssertEqual(try ExecCgroup.parse(["sub"]).subPaths, ["": "sub"])
        XCTAssertEqual(try ExecCgroup.parse(["cpu,memory:a", "pids:b"]).subPaths, ["cpu": "a", "memory": "a", "pids": "b"])
        XCTAssertThrowsError(try ExecCgroup.parse(["a:b:c"]))
        XCTAssertThrowsError(try ExecCgroup.parse([":x"]))
        XCTAssertThrowsError(try ExecCgroup.parse(["memory:a", "memory:b"]))
        XCTAssertThrowsError(try ExecCgroup.parse(["a", "memory:b"]))
    }

    func testTargetsPerHierarchy() throws {
        let paths = ["cpu": "/cg/cpu,cpuacct/c", "cpuacct": "/cg/cpu,cpuacct/c", "memory": "/cg/memory/c", "unified": "/cg/unified/c"]
        let t = try ExecCgroup.parse(["memory:sub"]).targets(paths: paths)
        XCTAssertEqual(t.map { $0.dir + "|" + $0.sub }, ["/cg/cpu,cpuacct/c|", "/cg/memory/c|sub", "/cg/unified/c|"])
        let all = try ExecCgroup.parse(["sub"]).targets(paths: paths)
        XCTAssertEqual(Set(all.map(\.sub)), ["sub"])
        XCTAssertThrowsError(try ExecCgroup.parse(["blkio:x"]).targets(paths: paths))
        XCTAssertThrowsError(try ExecCgroup.parse(["cpu:a", "cpuacct:b"]).targets(paths: paths))
        XCTAssertEqual(try ExecCgroup.parse(["sub"]).targets(paths: ["": "/cg/c"]).map(\.sub), ["sub"])
    }
}
