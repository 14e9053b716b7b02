import XCTest
#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec
@testable import Runtime

/// The container init's and exec's steps against a RecordingKernel, as a normal user and without
/// a fork: the order of namespace joins, of capability drops and identity changes (ProcessFinalize,
/// shared by the init and exec), and the init's half of the sync protocol (over a real
/// socketpair, with the runtime's answers queued in it beforehand).
final class InitSequenceTests: XCTestCase {
    func process(_ json: String) throws -> OCISpec.Process {
        try SpecLoader.decode(OCISpec.Process.self, Array(json.utf8), file: "process")
    }

    func finalize(_ p: OCISpec.Process, _ k: RecordingKernel, setgroupsAllowed: Bool = true,
                  warnings: UnsafeMutablePointer<[String]>? = nil) throws -> ProcessFinalize.Done {
        let state = State(ociVersion: ociVersion, id: "t", status: "creating", pid: 1, bundle: "/b", annotations: nil)
        let log = try LogCapture()
        defer { warnings?.pointee = log.messages(level: "warning") }
        return try ProcessFinalize(kernel: k, process: p, linux: nil, seccomp: nil, hostPid: 1, terminal: false,
                                   setgroupsAllowed: setgroupsAllowed, state: { state }, log: log.logger).run()
    }

    /// The log with the runs of PR_CAPBSET_DROP folded into one line listing the capabilities, and
    /// without fchown (what fds 0-2 are depends on how the tests are run).
    func folded(_ k: RecordingKernel) -> [String] {
        var out: [String] = []
        var drops: [String] = []
        func flush() { if !drops.isEmpty { out.append("prctl PR_CAPBSET_DROP " + drops.joined(separator: ",")); drops = [] } }
        for c in k.calls where c.name != "fchown" {
            if c.name == "prctl", c.args.first == "PR_CAPBSET_DROP" { drops.append(c.args[1]); continue }
            flush()
            out.append(c.description)
        }
        flush()
        return out
    }

    static let allButChownAndKill = (0...40).filter { $0 != 0 && $0 != 5 }.map(String.init).joined(separator: ",")

    /// runc's finalizeNamespace order: rlimits, bounding set, cwd as root, groups/gid/uid with
    /// capabilities kept, cwd as the user, the capability sets, ambient, no_new_privs.
    func testFinalizeOrder() throws {
        let k = RecordingKernel()
        let p = try process("""
        {"cwd": "/work", "user": {"uid": 1000, "gid": 100, "additionalGids": [5, 6]}, "noNewPrivileges": true,
         "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 4096}],
         "capabilities": {"bounding": ["CAP_CHOWN", "CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"],
                          "inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL"]}}
        """)
        let done = try finalize(p, k)
        XCTAssertTrue(done.privilegedApplied)
        XCTAssertEqual(folded(k), [
            "prlimit 7 1024 4096",
            "prctl PR_CAPBSET_DROP " + Self.allButChownAndKill,
            "chdir /work",
            "prctl PR_SET_KEEPCAPS 1",
            "setgroups 5 6",
            "setresgid 100 100 100",
            "setresuid 1000 1000 1000",
            "prctl PR_SET_KEEPCAPS 0",
            "chdir /work",
            "capset e=0x20 p=0x20 i=0x20",
            "prctl PR_CAP_AMBIENT 4",
            "prctl PR_CAP_AMBIENT 2 5",
            "prctl PR_SET_NO_NEW_PRIVS 1",
        ])
    }

    /// A capability the runtime does not hold is skipped with a warning, never requested.
    func testCapabilitiesTheRuntimeLacksAreSkipped() throws {
        let k = RecordingKernel()
        k.boundingSet &= ~(1 << 24)   // CAP_SYS_RESOURCE, as on the CI machine
        var warnings: [String] = []
        let p = try process("""
        {"cwd": "/", "user": {"uid": 0, "gid": 0},
         "capabilities": {"bounding": ["CAP_SYS_RESOURCE", "CAP_KILL"], "effective": ["CAP_SYS_RESOURCE", "CAP_KILL"],
                          "permitted": ["CAP_KILL", "CAP_BOGUS"]}}
        """)
        _ = try finalize(p, k, warnings: &warnings)
        XCTAssertTrue(k.log(["capset"]) == ["capset e=0x20 p=0x20 i=0x0"], "\(k.log(["capset"]))")
        XCTAssertEqual(warnings, [
            "process.capabilities.bounding: the runtime does not hold CAP_SYS_RESOURCE, skipped",
            "process.capabilities.permitted: unknown capability \"CAP_BOGUS\", skipped",
        ])
    }

    /// The cwd is tried as root and again as the user (runc): a directory only root can enter
    /// still works, and only when both fail is it an error, naming process.cwd. Nothing after
    /// the failed step runs.
    func testCwdIsTriedBeforeAndAfterTheUserChange() throws {
        let k = RecordingKernel()
        k.failures = [(match: "chdir /secret", errno: EACCES)]
        let p = try process(#"{"cwd": "/secret", "user": {"uid": 1000, "gid": 1000}, "noNewPrivileges": true}"#)
        XCTAssertThrowsError(try finalize(p, k)) { e in
            XCTAssertEqual("\(e)", "process.cwd: chdir to \"/secret\": chdir /secret: permission denied")
        }
        XCTAssertEqual(k.log(["chdir", "capset", "prctl"]).filter { !$0.contains("KEEPCAPS") },
                       ["chdir /secret", "chdir /secret"])
        XCTAssertEqual(k.log(["setresuid"]), ["setresuid 1000 1000 1000"])
    }

    /// A cwd outside the container's root (reached through a host fd) is refused after chdir,
    /// before the capabilities are set (CVE-2024-21626).
    func testCwdOutsideTheRootIsRefused() throws {
        let k = RecordingKernel()
        k.cwd = "(unreachable)/host"
        let p = try process(#"{"cwd": "/proc/self/fd/7", "user": {"uid": 0, "gid": 0}}"#)
        XCTAssertThrowsError(try finalize(p, k)) { e in
            XCTAssertTrue("\(e)".contains("possible container breakout detected"), "\(e)")
        }
        XCTAssertEqual(k.log(["capset"]), [])
    }

    /// Supplementary groups where setgroups is denied (a rootless user namespace): refused with
    /// the field's name, before the gid changes.
    func testAdditionalGidsNeedSetgroups() throws {
        let k = RecordingKernel()
        let p = try process(#"{"cwd": "/", "user": {"uid": 1, "gid": 1, "additionalGids": [9]}}"#)
        XCTAssertThrowsError(try finalize(p, k, setgroupsAllowed: false)) { e in
            XCTAssertTrue("\(e)".hasPrefix("process.user.additionalGids: cannot set supplementary groups"), "\(e)")
        }
        XCTAssertEqual(k.log(["setgroups", "setresgid", "setresuid"]), [])
        // Without additionalGids setgroups is simply skipped.
        let k2 = RecordingKernel()
        _ = try finalize(try process(#"{"cwd": "/", "user": {"uid": 1, "gid": 1}}"#), k2, setgroupsAllowed: false)
        XCTAssertEqual(k2.log(["setgroups", "setresgid", "setresuid"]), ["setresgid 1 1 1", "setresuid 1 1 1"])
    }

    // MARK: - namespaces and the sync protocol

    var dir: String = ""
    override func setUp() {
        var tmpl = Array("/tmp/swiftrun-init-test-XXXXXX".utf8CString)
        dir = String(cString: mkdtemp(&tmpl)!)
    }
    override func tearDown() { try? FileIO.removeAll(dir) }

    /// A file standing in for a namespace to join (the fake setns accepts any fd).
    func nsFile(_ name: String) -> String {
        let p = dir + "/" + name
        try! FileIO.writeAtomically(p, [], mode: 0o644)
        return p
    }

    func context(_ namespaces: String, sync: Int32, kernel k: RecordingKernel, parentPid: pid_t = 1) throws -> InitContext {
        let spec = try SpecLoader.decodeConfig(Array("""
        {"ociVersion": "1.3.0", "root": {"path": "rootfs"}, "process": {"cwd": "/", "user": {"uid": 0, "gid": 0}, "args": ["sh"]},
         "linux": {"namespaces": \(namespaces)}}
        """.utf8))
        var c = InitContext(id: "t", spec: spec, process: spec.process!, bundle: dir, rootfs: dir + "/rootfs",
                            plan: try NamespacePlan(spec.linux?.namespaces ?? []), noPivot: false, preserveFDs: 0,
                            preserved: [], sync: ChildSync(socket: ChildFD(adopting: sync)), startListener: nil, parentPid: parentPid,
                            consoleSocket: nil, noNewKeyring: false)
        c.kernel = k
        return c
    }

    /// Namespaces given by path are joined first, in runc's order: the others with the runtime's
    /// credentials, then the user namespace (becoming its root), then what was refused before it;
    /// then the new ones are unshared (inside the joined user namespace), the cgroup one last.
    func testNamespaceJoinsInRuncsOrder() throws {
        let k = RecordingKernel()
        let (p, child) = try SyncEnds.make()
        let parent = SyncEnds.host(p)
        defer { SyncEnds.close(child) }
        let net = nsFile("net"), user = nsFile("user"), uts = nsFile("uts")
        // The uts namespace needs the joined user namespace's capabilities (EPERM before it).
        k.failOnce = [("setns \(uts)", EPERM)]
        let c = try context("""
        [{"type": "uts", "path": "\(uts)"}, {"type": "user", "path": "\(user)"}, {"type": "network", "path": "\(net)"},
         {"type": "mount"}, {"type": "ipc"}, {"type": "cgroup"}]
        """, sync: child, kernel: k)
        XCTAssertFalse(c.plan.forkInJoinedUserNamespace, "no new pid namespace: the init joins")
        try parent.send(.proceed)
        try ContainerInit.enterNamespaces(c)
        XCTAssertEqual(k.log(), [
            "setns \(uts) 0x4000000",   // refused (EPERM): tried again after the user namespace
            "setns \(net) 0x40000000",  // a network namespace the host's user namespace owns
            "setns \(user) 0x10000000",
            "setresgid 0 0 0",
            "setresuid 0 0 0",
            "setns \(uts) 0x4000000",
            "unshare 0x8020000",      // CLONE_NEWNS | CLONE_NEWIPC
            "unshare 0x2000000",      // CLONE_NEWCGROUP, from inside the cgroup
        ])
    }

    /// A user namespace joined by path with a new pid namespace: the runtime's clone3 has no
    /// namespace flags; its child joins (same order), makes the new time namespace inside it, then
    /// clones the init with CLONE_NEWPID and CLONE_PARENT, and the init only unshares the rest.
    func testJoinedUserNamespaceWithNewPidNamespaceForksInIt() throws {
        let k = RecordingKernel()
        let (p, child) = try SyncEnds.make()
        let parent = SyncEnds.host(p)
        defer { SyncEnds.close(child) }
        let net = nsFile("net"), user = nsFile("user")
        var c = try context("""
        [{"type": "user", "path": "\(user)"}, {"type": "network", "path": "\(net)"}, {"type": "pid"}, {"type": "mount"},
         {"type": "uts"}, {"type": "time"}]
        """, sync: child, kernel: k, parentPid: Proc.parentPid)
        XCTAssertTrue(c.plan.forkInJoinedUserNamespace)
        XCTAssertEqual(c.plan.runtimeCloneFlags, 0)
        let flags = try UserNamespaceJoin.enter(c)
        XCTAssertEqual(flags, NamespaceKind.pid.cloneFlag | Proc.cloneParent)
        XCTAssertEqual(k.log(["setns", "setresgid", "setresuid", "unshare"]), [
            "setns \(net) 0x40000000",
            "setns \(user) 0x10000000",
            "setresgid 0 0 0",
            "setresuid 0 0 0",
            "unshare 0x80",  // CLONE_NEWTIME, for the init: owned by the joined user namespace
        ])
        // The init it clones: no joins, the new namespaces unshared inside the joined one.
        k.reset()
        c.namespacesJoined = true
        try parent.send(.proceed)
        try ContainerInit.enterNamespaces(c)
        XCTAssertEqual(k.log(), ["unshare 0x4020000"])  // CLONE_NEWNS | CLONE_NEWUTS
    }

    /// Nothing joined by path, or no new pid namespace: no extra process (the plan's fast path).
    func testNoJoiningChildWithoutAJoinedUserNamespace() throws {
        let user = nsFile("user"), pid = nsFile("pid")
        for ns in [#"[{"type": "user"}, {"type": "pid"}, {"type": "mount"}]"#,
                   #"[{"type": "network", "path": "/x"}, {"type": "pid"}, {"type": "mount"}]"#,
                   #"[{"type": "user", "path": "\#(user)"}, {"type": "pid", "path": "\#(pid)"}, {"type": "mount"}]"#] {
            let spec = try SpecLoader.decodeConfig(Array(#"{"ociVersion": "1.3.0", "linux": {"namespaces": \#(ns)}}"#.utf8))
            let plan = try NamespacePlan(spec.linux?.namespaces ?? [])
            XCTAssertFalse(plan.forkInJoinedUserNamespace, ns)
            XCTAssertEqual(plan.runtimeCloneFlags, plan.cloneFlags, ns)
        }
    }

    /// A `user` path that names another kind of namespace (here: a plain file) is refused with the
    /// field and the path, and nothing is joined after it.
    func testUserPathThatIsNotAUserNamespace() throws {
        let k = RecordingKernel()
        let (p, child) = try SyncEnds.make()
        let parent = SyncEnds.host(p)
        defer { SyncEnds.close(child) }
        let user = nsFile("user"), uts = nsFile("uts")
        k.failures = [("setns \(user)", EINVAL)]
        let c = try context("""
        [{"type": "user", "path": "\(user)"}, {"type": "uts", "path": "\(uts)"}, {"type": "mount"}]
        """, sync: child, kernel: k)
        try parent.send(.proceed)
        XCTAssertThrowsError(try ContainerInit.enterNamespaces(c)) { e in
            XCTAssertEqual("\(e)", "linux.namespaces: join user namespace \(user): not a user namespace "
                           + "(\(user) is not a namespace file)")
        }
        XCTAssertEqual(k.log(["setns", "unshare"]), ["setns \(uts) 0x4000000", "setns \(user) 0x10000000"])
    }

    /// With something joined, a new user namespace is unshared first and mapped by the runtime
    /// (mapRequest/mapped); the init becomes its root, then unshares the rest inside it.
    func testNewUserNamespaceIsMappedBeforeTheRest() throws {
        let k = RecordingKernel()
        let (p, child) = try SyncEnds.make()
        let parent = SyncEnds.host(p)
        defer { SyncEnds.close(child) }
        let net = nsFile("net")
        let c = try context("""
        [{"type": "network", "path": "\(net)"}, {"type": "user"}, {"type": "mount"}, {"type": "ipc"}, {"type": "cgroup"}]
        """, sync: child, kernel: k)
        // The runtime's answers, queued before the init asks.
        try parent.send(.proceed)
        try parent.send(.mapped)
        try ContainerInit.enterNamespaces(c)
        XCTAssertEqual(k.log(), [
            "setns \(net) 0x40000000",
            "unshare 0x10000000",
            "prctl PR_SET_DUMPABLE 1",    // while the runtime (or newuidmap) writes the maps
            "setresgid 0 0 0",
            "setresuid 0 0 0",
            "prctl PR_SET_DUMPABLE 0",
            "unshare 0x8020000",
            "unshare 0x2000000",
        ])
        XCTAssertEqual(try parent.receive(), .mapRequest)
    }

    /// Nothing to join: the namespaces came from clone3, and only the cgroup one is unshared.
    func testNewNamespacesOnlyUnshareTheCgroupOne() throws {
        let k = RecordingKernel()
        let (p, child) = try SyncEnds.make()
        let parent = SyncEnds.host(p)
        defer { SyncEnds.close(child) }
        let c = try context(#"[{"type": "pid"}, {"type": "mount"}, {"type": "cgroup"}]"#, sync: child, kernel: k)
        XCTAssertEqual(c.plan.cloneFlags, NamespaceKind.pid.cloneFlag | NamespaceKind.mount.cloneFlag)
        try parent.send(.proceed)
        try ContainerInit.enterNamespaces(c)
        XCTAssertEqual(k.log(), ["unshare 0x2000000"])
    }

    /// The init does nothing before `proceed`; an error from the runtime stops it with that text,
    /// and a runtime that went away is reported as such.
    func testSyncStateMachine() throws {
        let k = RecordingKernel()
        let (p, child) = try SyncEnds.make()
        let parent = SyncEnds.host(p)
        let c = try context(#"[{"type": "user"}, {"type": "mount"}]"#, sync: child, kernel: k)
        try parent.send(.error("cgroup: no space left on device"))
        XCTAssertThrowsError(try ContainerInit.enterNamespaces(c)) { e in
            XCTAssertEqual("\(e)", "cgroup: no space left on device")
        }
        XCTAssertEqual(k.log(), [], "nothing happens before proceed")

        // The wrong message in place of `mapped`.
        try parent.send(.proceed)
        try parent.send(.runtimeHooksDone)
        XCTAssertThrowsError(try ContainerInit.enterNamespaces(c)) { e in
            XCTAssertEqual("\(e)", "sync: expected mapped, got runtimeHooksDone")
        }
        XCTAssertEqual(try parent.receive(), .mapRequest)
        XCTAssertEqual(k.log(["setresuid"]), [], "not root of an unmapped namespace")

        // The runtime died: EOF.
        parent.close()
        XCTAssertThrowsError(try ContainerInit.enterNamespaces(c)) { e in
            XCTAssertEqual("\(e)", "runtime exited unexpectedly")
        }
        SyncEnds.close(child)
    }
}
