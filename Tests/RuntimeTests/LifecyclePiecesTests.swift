import XCTest
import OCISpec
import LinuxSys
@testable import Runtime

/// Unit tests for the pieces of the lifecycle that need no container: ids, signals, the
/// namespace plan, the sync protocol, the state store and output formats.
final class ContainerIDTests: XCTestCase {
    func testAcceptsRuncIDs() throws {
        for id in ["a", "abc-123", "x_y.z+1", String(repeating: "f", count: 64)] {
            XCTAssertNoThrow(try ContainerID.validate(id), id)
        }
    }

    func testRefusesBadIDs() {
        for id in ["", ".", "..", "a/b", "../x", "/", "a b", "a\u{0}b", "é"] {
            XCTAssertThrowsError(try ContainerID.validate(id), id)
        }
    }
}

final class SignalTests: XCTestCase {
    func testNamesAndNumbers() throws {
        XCTAssertEqual(try Kill.parseSignal("15"), 15)
        XCTAssertEqual(try Kill.parseSignal("TERM"), 15)
        XCTAssertEqual(try Kill.parseSignal("SIGTERM"), 15)
        XCTAssertEqual(try Kill.parseSignal("sigkill"), 9)
        XCTAssertEqual(try Kill.parseSignal("SIGRTMIN+2"), 36)
        XCTAssertEqual(try Kill.parseSignal("RTMAX-1"), 63)
        XCTAssertThrowsError(try Kill.parseSignal("SIGFOO"))
        XCTAssertEqual(try Kill.parseSignal("0"), 0)
        XCTAssertThrowsError(try Kill.parseSignal("-1"))
        XCTAssertThrowsError(try Kill.parseSignal("99"))
    }
}

final class NamespacePlanTests: XCTestCase {
    func testAllNewGoIntoCloneFlags() throws {
        let p = try NamespacePlan(["pid", "network", "ipc", "uts", "mount", "user"].map { LinuxNamespace(type: $0) })
        let want = ["pid", "network", "ipc", "uts", "mount", "user"].map { NamespaceKind(specType: $0)!.cloneFlag }.reduce(0, |)
        XCTAssertEqual(p.cloneFlags, want)
        XCTAssertEqual(p.unshareFlags, 0)
        XCTAssertTrue(p.joins.isEmpty)
        XCTAssertTrue(p.newUser && p.newPid && p.newMount)
    }

    /// Joins keep the config's order (NamespaceJoins orders the setns calls); new ones move to
    /// unshare. A joined user namespace with a new pid namespace: the runtime's clone3 has no
    /// namespace flags, its joining child's has CLONE_NEWPID.
    func testJoinsMoveNewOnesToUnshare() throws {
        let p = try NamespacePlan([LinuxNamespace(type: "network", path: "/run/netns/x"), LinuxNamespace(type: "mount"),
                                   LinuxNamespace(type: "pid"), LinuxNamespace(type: "user", path: "/proc/1/ns/user")])
        XCTAssertEqual(p.joins.map(\.kind), [.network, .user])
        XCTAssertEqual(p.cloneFlags, NamespaceKind.pid.cloneFlag)
        XCTAssertEqual(p.unshareFlags, NamespaceKind.mount.cloneFlag)
        XCTAssertTrue(p.joinsUser && p.forkInJoinedUserNamespace)
        XCTAssertEqual(p.runtimeCloneFlags, 0)
    }

    func testPidJoinAndTimeAreForTheParent() throws {
        let p = try NamespacePlan([LinuxNamespace(type: "pid", path: "/proc/7/ns/pid"), LinuxNamespace(type: "time"),
                                   LinuxNamespace(type: "mount")])
        XCTAssertEqual(p.pidPath, "/proc/7/ns/pid")
        XCTAssertTrue(p.newTime)
        XCTAssertEqual(p.cloneFlags, NamespaceKind.mount.cloneFlag)
    }

    func testUnknownTypeNamesTheField() {
        XCTAssertThrowsError(try NamespacePlan([LinuxNamespace(type: "pid"), LinuxNamespace(type: "foo")])) { e in
            XCTAssertEqual("\(e)", "config.json: linux.namespaces[1].type: unknown namespace type \"foo\"")
        }
    }
}

final class SyncTests: XCTestCase {
    func testMessagesRoundTrip() throws {
        let pair = try SyncEnds.make()
        let a = SyncEnds.host(pair.parent), b = SyncEnds.host(pair.child)
        let all: [SyncMessage] = [.proceed, .mapRequest, .mapped, .runtimeHooks, .runtimeHooksDone, .ready, .created,
                                  .error("boom: \"x\""), .error("mount: busy", errno: EBUSY, code: .system)]
        for m in all {
            try a.send(m)
            XCTAssertEqual(try b.receive(), m)
        }
        try b.send(.error("mount /proc: operation not permitted"))
        XCTAssertThrowsError(try a.expect(.ready, peer: "init")) { e in
            XCTAssertEqual("\(e)", "mount /proc: operation not permitted")
        }
    }

    /// The pair made before clone3, taken apart on each side: each process keeps one end, and
    /// the other end (the other process's) is closed exactly once.
    func testPairHandOverClosesTheOtherSidesEnd() throws {
        func isOpen(_ fd: Int32) -> Bool { FD.statusFlags(fd) != nil }
        let forParent = try SyncPair()
        let (p1, c1) = (forParent.parent.fd, forParent.child.fd)
        let host = forParent.inParent()
        XCTAssertTrue(isOpen(p1))
        XCTAssertFalse(isOpen(c1), "the child's end is the child's: ours closed after clone3")
        host.close()
        XCTAssertFalse(isOpen(p1))

        let forChild = try SyncPair()
        let (p2, c2) = (forChild.parent.fd, forChild.child.fd)
        let child = forChild.inChild()
        XCTAssertFalse(isOpen(p2), "the runtime's end closed in the child")
        XCTAssertTrue(isOpen(c2))
        child.close()
        XCTAssertFalse(isOpen(c2))
    }

    func testEOFMeansThePeerDied() throws {
        let pair = try SyncEnds.make()
        SyncEnds.host(pair.child).close()
        let a = SyncEnds.host(pair.parent)
        XCTAssertNil(try a.receive())
        XCTAssertThrowsError(try a.expect(.ready, peer: "container init")) { e in
            XCTAssertEqual("\(e)", "container init exited unexpectedly")
        }
    }
}

final class StateStoreTests: XCTestCase {
    var root = ""

    override func setUp() {
        root = "/tmp/swiftrun-unit-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    override func tearDown() { try? FileIO.removeAll(root) }

    func record(_ id: String, pid: Int32, start: UInt64) -> ContainerRecord {
        ContainerRecord(id: id, pid: pid, pidStartTime: start, bundle: "/b", rootfs: "/b/rootfs",
                        created: "2026-01-01T00:00:00Z", owner: "", initialized: true, ownPidNamespace: true,
                        annotations: ["k": "v"], hooks: nil, hasProcess: true)
    }

    func testCreateRefusesDuplicatesAndSavesAtomically() throws {
        let s = StateStore(root: root)
        let lock = try s.create("c1")
        XCTAssertThrowsError(try s.create("c1")) { e in
            XCTAssertEqual("\(e)", "container with id \"c1\" already exists")
        }
        try s.save(record("c1", pid: getpid(), start: Proc.startTime(getpid())!))
        lock.release()
        XCTAssertEqual(try s.load("c1").bundle, "/b")
        XCTAssertFalse(FileIO.exists(s.dir("c1") + "/state.json.tmp"))
        XCTAssertEqual(s.ids(), ["c1"])
    }

    /// restore releases its lock before the foreground wait and again on return: the second
    /// release must not close whatever fd got the number meanwhile; and a lock that goes away
    /// unreleased keeps its fd (an init holds the number, see ContainerLock).
    func testLockReleaseIsIdempotentAndDeinitKeepsTheFD() throws {
        let s = StateStore(root: root)
        let lock = try s.create("c1")
        let n = lock.fd
        XCTAssertTrue(fcntl(n, F_GETFD) >= 0)
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        lock.release()
        XCTAssertEqual(lock.fd, -1)
        let other = fcntl(null, F_DUPFD_CLOEXEC, n)  // the lowest free number from n: n
        close(null)
        defer { close(other) }
        XCTAssertEqual(other, n)
        lock.release()
        XCTAssertTrue(fcntl(other, F_GETFD) >= 0, "a second release closed someone else's fd")

        var kept: Int32 = -1
        do { kept = try s.lock("c1").fd }
        XCTAssertTrue(fcntl(kept, F_GETFD) >= 0, "an unreleased lock hands its fd over")
        close(kept)
    }

    func testStatusIsDerived() throws {
        let s = StateStore(root: root)
        try s.create("c1").release()
        let me = record("c1", pid: getpid(), start: Proc.startTime(getpid())!)
        XCTAssertEqual(s.status(of: me), .running)
        // A recycled pid (same pid, other start time) is not the container.
        XCTAssertEqual(s.status(of: record("c1", pid: getpid(), start: 1)), .stopped)
        XCTAssertEqual(s.status(of: record("c1", pid: 999_999_999, start: 1)), .stopped)
        // The start socket marks "created".
        let fd = open(s.startSocket("c1"), O_CREAT | O_WRONLY, 0o600)
        close(fd)
        XCTAssertEqual(s.status(of: me), .created)
        var creating = me
        creating.initialized = false
        XCTAssertEqual(s.status(of: creating), .creating)
    }

    func testStateFileNumberErrorsNameTheField() throws {
        let s = StateStore(root: root)
        try s.create("c1").release()
        var text = String(decoding: SpecLoader.encode(record("c1", pid: 1, start: 1)), as: UTF8.self)
        text = text.replacing("\"pid\":1,", with: "\"pid\":4294967296,")
        try FileIO.writeAtomically(s.dir("c1") + "/state.json", Array(text.utf8))
        XCTAssertThrowsError(try s.load("c1")) { e in
            XCTAssertEqual("\(e)", "read state of container \"c1\": \(s.dir("c1"))/state.json: pid: "
                           + "4294967296 is out of range for int32 (-2147483648 to 2147483647)")
        }
    }

    func testMissingContainer() {
        let s = StateStore(root: root)
        XCTAssertThrowsError(try s.load("nope")) { e in XCTAssertEqual("\(e)", "container \"nope\" does not exist") }
        XCTAssertThrowsError(try s.lock("nope"))
    }
}

final class OutputFormatTests: XCTestCase {
    /// Go's tabwriter as runc sets it up: cells padded by 3, at least 12 wide.
    func testListTableLikeRunc() {
        let s = ContainerState(ociVersion: "1.3.0", id: "c1", pid: 42, status: "running", bundle: "/b",
                               rootfs: "/b/r", created: "2026-01-01T00:00:00Z", annotations: nil, owner: "root")
        let t = Inspect.table([s])
        XCTAssertEqual(t, """
            ID          PID         STATUS      BUNDLE      CREATED                OWNER
            c1          42          running     /b          2026-01-01T00:00:00Z   root

            """)
    }

    /// Widths count characters, not bytes, as tabwriter counts runes.
    func testListTableNonASCIICell() {
        let s = ContainerState(ociVersion: "1.3.0", id: "c1", pid: 42, status: "running", bundle: "/bündel",
                               rootfs: "/b/r", created: "2026-01-01T00:00:00Z", annotations: nil, owner: "root")
        XCTAssertEqual(Inspect.table([s]), """
            ID          PID         STATUS      BUNDLE      CREATED                OWNER
            c1          42          running     /bündel     2026-01-01T00:00:00Z   root

            """)
    }

    func testJSONStringQuoting() {
        XCTAssertEqual(JSONString.quote("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"")
    }

    func testTimestampIsRFC3339UTC() {
        let t = Timestamp.rfc3339(nanos: true)
        XCTAssertTrue(t.hasSuffix("Z"))
        XCTAssertEqual(t.count >= 20, true)
        XCTAssertEqual(Array(t)[4], "-")
        XCTAssertEqual(Array(t)[10], "T")
    }

    func testFeaturesListWhatIsImplemented() throws {
        let f = RuntimeFeatures.document()
        XCTAssertEqual(f.ociVersionMax, "1.3.0")
        XCTAssertEqual(f.hooks?.count, 6)
        XCTAssertEqual(f.linux?.seccomp?.enabled, true)
        XCTAssertTrue(f.linux?.seccomp?.actions?.contains("SCMP_ACT_NOTIFY") ?? false)
        XCTAssertEqual(f.linux?.cgroup?.v2, true)
        XCTAssertEqual(f.linux?.cgroup?.systemd, false)
        XCTAssertTrue(f.mountOptions?.contains("rbind") ?? false)
        // The document decodes with the features schema rules.
        XCTAssertNoThrow(try SpecLoader.decodeFeatures(try RuntimeFeatures.json()))
    }
}

final class ProcessSetupTests: XCTestCase {
    func testPathLookupWordingMatchesRunc() {
        XCTAssertThrowsError(try PathLookup.find("/nonexistent", env: [])) { e in
            XCTAssertEqual("\(e)", "exec: \"/nonexistent\": stat /nonexistent: no such file or directory")
        }
        XCTAssertThrowsError(try PathLookup.find("no-such-prog-xyz", env: ["PATH=/bin"])) { e in
            XCTAssertEqual("\(e)", "exec: \"no-such-prog-xyz\": executable file not found in $PATH")
        }
        XCTAssertEqual(try PathLookup.find("sh", env: ["PATH=/nope:/bin"]), "/bin/sh")
        XCTAssertEqual(try PathLookup.find("sh", env: []), "/usr/bin/sh")
    }

    func testRlimitNames() {
        let names = ["CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE", "MEMLOCK", "AS", "LOCKS",
                     "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME"]
        XCTAssertEqual(names.map { Rlimits.resource("RLIMIT_" + $0) }, (0..<16).map { Int32($0) })
        XCTAssertNil(Rlimits.resource("RLIMIT_BOGUS"))
        XCTAssertNil(Rlimits.resource("NOFILE"))
        XCTAssertThrowsError(try Rlimits.apply([POSIXRlimit(type: "RLIMIT_BOGUS", hard: 1, soft: 1)], kernel: RecordingKernel()))
    }
}

final class PolicyTests: XCTestCase {
    func testCgroupNamespaceIsNeverACloneFlag() throws {
        let p = try NamespacePlan([LinuxNamespace(type: "cgroup"), LinuxNamespace(type: "mount")])
        XCTAssertEqual(p.cloneFlags & NamespaceKind.cgroup.cloneFlag, 0)
        XCTAssertTrue(p.newCgroup)
    }

    func testUpdateMergeKeepsWhatIsNotGiven() {
        var old = LinuxResources()
        old.pids = LinuxPids(limit: 10)
        var mem = LinuxMemory.unset
        mem.limit = 100
        old.memory = mem
        var new = LinuxResources()
        new.pids = LinuxPids(limit: 20)
        let m = Update.merge(old, new)
        XCTAssertEqual(m.pids?.limit, 20)
        XCTAssertEqual(m.memory?.limit, 100)
    }

    func testDeviceRulesGetRuncDefaultsOnlyWhenTheConfigHasRules() {
        var spec = Spec(ociVersion: "1.3.0")
        XCTAssertNil(ContainerCgroup.resources(for: spec).devices)
        var linux = Linux()
        var r = LinuxResources()
        r.devices = [LinuxDeviceCgroup(allow: false, access: "rwm")]
        linux.resources = r
        spec.linux = linux
        let rules = ContainerCgroup.resources(for: spec).devices ?? []
        XCTAssertEqual(rules.first, LinuxDeviceCgroup(allow: false, access: "rwm"))
        XCTAssertTrue(rules.contains(LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rwm")))
    }
}
