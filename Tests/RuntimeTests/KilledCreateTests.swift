import XCTest
import Cgroups
import OCISpec
import LinuxSys
@testable import Runtime

/// The pieces that make a killed `create` leave nothing and keep the runtime from blocking on
/// files it does not control: the create intent, half-made containers in the state store, the
/// undo stack, the start socket's reply, bounded regular-file reads.
final class CreateIntentTests: XCTestCase {
    var root = ""

    override func setUp() {
        root = "/tmp/swiftrun-intent-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    override func tearDown() { try? FileIO.removeAll(root) }

    func intent(cgroups: [String: String]? = nil) -> CreateIntent {
        CreateIntent(bundle: "/b", rootfs: "/b/rootfs", created: "2026-01-01T00:00:00Z",
                     cgroupMode: cgroups == nil ? nil : .legacy, cgroupPaths: cgroups,
                     resctrlDirs: ["/sys/fs/resctrl/c1/mon_groups/c1", "/sys/fs/resctrl/c1"])
    }

    func testEncodesSmallAndRoundTrips() throws {
        let i = intent(cgroups: ["memory": "/sys/fs/cgroup/memory/a/c1", "unified": "/sys/fs/cgroup/unified/a/c1"])
        let bytes = SpecLoader.encode(i)
        XCTAssertLessThan(bytes.count, 4096, "one small write")
        XCTAssertEqual(try SpecLoader.decode(CreateIntent.self, bytes, file: "intent.json"), i)
        // Optional parts may be absent (no cgroups, no intelRdt).
        let bare = try SpecLoader.decode(CreateIntent.self, Array(#"{"bundle":"/b","rootfs":"/r","created":"t"}"#.utf8),
                                         file: "intent.json")
        XCTAssertNil(bare.cgroupPaths)
        XCTAssertNil(bare.cgroup)
        XCTAssertNil(bare.resctrlDirs)
    }

    func testSavedOnceWithoutTempFile() throws {
        let s = StateStore(root: root)
        let lock = try s.create("c1")
        defer { lock.release() }
        try s.saveIntent("c1", intent())
        XCTAssertEqual(FileIO.listDirectory(s.dir("c1")), ["intent.json"])
        XCTAssertThrowsError(try s.saveIntent("c1", intent()), "O_EXCL: never overwritten")
        XCTAssertEqual(try s.loadIntent("c1"), intent())
        XCTAssertThrowsError(try s.loadIntent("c2")) { e in XCTAssertEqual((e as? RuntimeError)?.errno, ENOENT) }
    }

    func testHalfMadeContainerIsListedCreatingThenStopped() throws {
        let s = StateStore(root: root)
        let lock = try s.create("c1")
        try s.saveIntent("c1", intent())
        try FileIO.mkdirAll(s.dir("junk")) // neither state.json nor intent.json
        XCTAssertEqual(s.ids(), ["c1"])
        XCTAssertTrue(s.isLocked("c1"))
        var st = try Inspect.state(store: s, id: "c1")
        XCTAssertEqual(st.status, "creating")
        XCTAssertEqual(st.pid, 0)
        XCTAssertEqual(st.bundle, "/b")
        XCTAssertEqual(st.created, "2026-01-01T00:00:00Z")
        lock.release() // create died
        XCTAssertFalse(s.isLocked("c1"))
        st = try Inspect.state(store: s, id: "c1")
        XCTAssertEqual(st.status, "stopped")
        XCTAssertEqual(Inspect.all(store: s).map(\.id), ["c1"])
        XCTAssertThrowsError(try Inspect.state(store: s, id: "junk"))
    }

    /// A create killed after it made its cgroups: delete (even without --force) removes the
    /// cgroups the intent names and the state dir. Plain directories stand in for cgroupfs.
    func testDeleteRemovesWhatTheIntentNames() throws {
        let s = StateStore(root: root)
        let cg = ["memory": root + "/cg/memory/p/c1", "pids": root + "/cg/pids/p/c1"]
        for d in cg.values { try FileIO.mkdirAll(d + "/sub") }
        let lock = try s.create("c1")
        var i = intent(cgroups: cg)
        i.resctrlDirs = [root + "/resctrl/c1"]
        try FileIO.mkdirAll(root + "/resctrl/c1")
        try s.saveIntent("c1", i)
        lock.release()
        try Delete.run(store: s, id: "c1", force: false)
        for d in cg.values {
            XCTAssertFalse(FileIO.exists(d), d)
            XCTAssertTrue(FileIO.isDirectory(String(d[..<d.lastIndex(of: "/")!])), "the parent is not the container's")
        }
        XCTAssertFalse(FileIO.exists(root + "/resctrl/c1"))
        XCTAssertFalse(FileIO.exists(s.dir("c1")))
        // Again: it does not exist any more.
        XCTAssertThrowsError(try Delete.run(store: s, id: "c1", force: false))
        XCTAssertNoThrow(try Delete.run(store: s, id: "c1", force: true))
    }

    func testDeleteOfADirWithoutIntentJustRemovesIt() throws {
        let s = StateStore(root: root)
        try s.create("c1").release()
        try Delete.run(store: s, id: "c1", force: false)
        XCTAssertFalse(FileIO.exists(s.dir("c1")))
    }

    func testResctrlDirsToRemove() {
        XCTAssertNil(IntelRdt.dirsToRemove(nil, id: "c1"))
        var rdt = LinuxIntelRdt()
        XCTAssertEqual(IntelRdt.dirsToRemove(rdt, id: "c1"), ["/sys/fs/resctrl/c1"])
        rdt.enableMonitoring = true
        XCTAssertEqual(IntelRdt.dirsToRemove(rdt, id: "c1"),
                       ["/sys/fs/resctrl/c1/mon_groups/c1", "/sys/fs/resctrl/c1"])
        // A named CLOS is shared: only the container's MON group goes.
        rdt.closID = "gold"
        XCTAssertEqual(IntelRdt.dirsToRemove(rdt, id: "c1"), ["/sys/fs/resctrl/gold/mon_groups/c1"])
        rdt.closID = "/"
        rdt.enableMonitoring = false
        XCTAssertNil(IntelRdt.dirsToRemove(rdt, id: "c1"), "never the resctrl root")
    }
}

final class UndoStackTests: XCTestCase {
    func testUnwindsNewestFirstAndKeepsGoingAfterAFailure() {
        struct Boom: Error, CustomStringConvertible { var description: String { "boom" } }
        var done: [String] = []
        let u = UndoStack()
        u.push("state dir") { done.append("state dir") }
        u.push("cgroups") { throw Boom() }
        u.push("init") { done.append("init") }
        var reported: [String] = []
        let failures = u.unwind { reported.append($0) }
        XCTAssertEqual(done, ["init", "state dir"])
        XCTAssertEqual(failures, ["undo cgroups: boom"])
        XCTAssertEqual(reported, failures)
        XCTAssertTrue(u.isEmpty)
        XCTAssertEqual(u.unwind { _ in XCTFail("ran twice") }, [])
    }

    func testCommitDropsEverything() {
        let u = UndoStack()
        u.push("x") { XCTFail("undone after commit") }
        u.commit()
        u.unwind { _ in }
        XCTAssertTrue(u.isEmpty)
    }
}

final class StartSocketTests: XCTestCase {
    func testEOFWithoutExecingIsADeadInit() {
        XCTAssertEqual(StartSocket.outcome(of: []), .initDied)
        XCTAssertEqual(StartSocket.outcome(of: [StartSocket.execing]), .started)
        XCTAssertEqual(StartSocket.outcome(of: Array("startContainer hook #0 failed".utf8)),
                       .failed("startContainer hook #0 failed"))
        // Exec itself failed after the hooks.
        XCTAssertEqual(StartSocket.outcome(of: [StartSocket.execing] + Array("exec: no such file".utf8)),
                       .failed("exec: no such file"))
    }
}

final class ReadRegularTests: XCTestCase {
    var dir = ""

    override func setUp() {
        dir = "/tmp/swiftrun-readregular-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileIO.mkdirAll(dir)
    }

    override func tearDown() { try? FileIO.removeAll(dir) }

    func testFIFOIsRefusedAtOnce() throws {
        let fifo = dir + "/passwd"
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        XCTAssertThrowsError(try FileIO.readRegular(fifo, limit: 100)) { e in
            XCTAssertEqual(e as? FileError, FileError(fifo, .notRegular(S_IFIFO)))
            XCTAssertEqual("\(e)", "\(fifo) is a FIFO, not a regular file")
        }
        XCTAssertThrowsError(try FileIO.readRegular(dir, limit: 100)) { e in
            XCTAssertEqual("\(e)", "\(dir) is a directory, not a regular file")
        }
        XCTAssertThrowsError(try FileIO.readRegular("/dev/null", limit: 100))
    }

    func testSizeLimit() throws {
        let f = dir + "/f"
        try FileIO.writeAtomically(f, Array(repeating: 65, count: 10_000))
        XCTAssertEqual(try FileIO.readRegular(f, limit: 10_000).count, 10_000)
        XCTAssertThrowsError(try FileIO.readRegular(f, limit: 9_999)) { e in
            XCTAssertEqual("\(e)", "\(f) is larger than 9999 bytes")
            XCTAssertEqual(RuntimeError("ctx", cause: e).errno, EFBIG)
        }
        // Symlinks are followed (inside the container they resolve in its root).
        XCTAssertEqual(symlink(f, dir + "/link"), 0)
        XCTAssertEqual(try FileIO.readRegular(dir + "/link", limit: 20_000).count, 10_000)
        XCTAssertThrowsError(try FileIO.readRegular(dir + "/missing", limit: 1)) { e in
            XCTAssertEqual((e as? SysError)?.errno, ENOENT)
        }
    }

    func testReadAllStopsAtTheLimit() throws {
        var p: [Int32] = [-1, -1]
        XCTAssertEqual(pipe(&p), 0)
        defer { close(p[0]) }
        let data = [UInt8](repeating: 7, count: 5000)
        try FileIO.writeAll(fd: p[1], data)
        close(p[1])
        XCTAssertEqual(try FileIO.readAll(fd: p[0], limit: 3000).count, 3000)
        XCTAssertEqual(try FileIO.readAll(fd: p[0]).count, 2000)
    }
}
