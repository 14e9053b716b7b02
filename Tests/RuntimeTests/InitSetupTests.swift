import XCTest
#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec
@testable import Runtime

/// The container init's whole `setup`, end to end, against a RecordingKernel: as a normal user,
/// with no fork, on a rootfs directory in /tmp. The sync protocol runs over a real socketpair with
/// the runtime's answers queued in it beforehand. The init's process-wide steps (closing fds,
/// resetting signals, stdio) go through the fake kernel too, so the test process is untouched.
/// The parts have their own tests (InitSequenceTests, RootfsPlanTests); this one pins the order
/// in which setup strings them together.
final class InitSetupTests: XCTestCase {
    var dir = ""
    var rootfs: String { dir + "/rootfs" }

    override func setUp() {
        var tmpl = Array("/tmp/swiftrun-init-XXXXXX".utf8CString)
        dir = String(cString: mkdtemp(&tmpl)!)
        try! FileIO.mkdirAll(rootfs, mode: 0o755)
    }

    override func tearDown() { try? FileIO.removeAll(dir) }

    static let repo: String = {
        var p = #filePath
        for _ in 0..<3 { p = String(p[..<p.lastIndex(of: "/")!]) }
        return p
    }()

    func bundleSpec(_ name: String) throws -> Spec {
        try SpecLoader.decodeConfig(try FileIO.read(Self.repo + "/Bundles/\(name)/config.json"))
    }

    /// As RootfsPlanTests: paths shown relative to the rootfs; cgroup2 at /sys/fs/cgroup, no SELinux.
    func kernel() -> RecordingKernel {
        let k = RecordingKernel(root: rootfs)
        k.statfsAnswers = [(prefix: "/sys/fs/cgroup", magic: 0x6367_7270, flags: 0)]
        k.accessAnswers = ["/sys/fs/selinux/enforce": ENOENT, "/proc/kcore": 0]
        return k
    }

    func context(_ spec: Spec, sync: Int32, kernel k: RecordingKernel, loopbacks: UnsafeMutablePointer<Int>) throws
        -> InitContext {
        var c = InitContext(id: "t", spec: spec, process: spec.process!, bundle: dir, rootfs: rootfs,
                            plan: try NamespacePlan(spec.linux?.namespaces ?? []), noPivot: false, preserveFDs: 0,
                            preserved: [], sync: ChildSync(socket: ChildFD(adopting: sync)), startListener: nil,
                            parentPid: Proc.parentPid, consoleSocket: nil, noNewKeyring: false)
        c.kernel = k
        c.loopback = { loopbacks.pointee += 1 }
        return c
    }

    /// The indexes in `log` of the first call starting with each of `milestones`, which must all
    /// be there, in that order.
    func assertInOrder(_ log: [String], _ milestones: [String], file: StaticString = #filePath, line: UInt = #line) {
        var from = 0
        for m in milestones {
            guard let i = log[from...].firstIndex(where: { $0.hasPrefix(m) }) else {
                return XCTFail("\"\(m)\" missing after call #\(from) in:\n" + log.joined(separator: "\n"), file: file, line: line)
            }
            from = i + 1
        }
    }

    /// Bundles/busybox: new pid, network, ipc, uts and mount namespaces (made by clone3, so none is
    /// unshared here), a hostname, RLIMIT_NOFILE, runc's default capabilities, no_new_privs.
    func testBusyboxBundleSetupInOrder() throws {
        let k = kernel()
        var loopbacks = 0
        let (p, child) = try SyncEnds.make()
        let parent = SyncEnds.host(p)
        defer { SyncEnds.close(child) }
        var c = try context(try bundleSpec("busybox"), sync: child, kernel: k, loopbacks: &loopbacks)
        try parent.send(.proceed)
        let prepared = try ContainerInit.setup(&c)
        XCTAssertTrue(prepared.privilegedApplied)
        XCTAssertEqual(loopbacks, 1, "a new network namespace gets lo up")
        let log = k.log()
        XCTAssertEqual(Array(log.prefix(5)), [
            "close_range keeping 1",        // the sync socket (fds 0-2 are always kept)
            "prctl PR_SET_DUMPABLE 0",
            "prctl PR_SET_PDEATHSIG 9",
            "reset_signals",
            "setsid",
        ])
        XCTAssertFalse(log.contains { $0.hasPrefix("unshare") || $0.hasPrefix("setns") }, "\(log)")
        assertInOrder(log, [
            "keyctl join_session_keyring _ses.t",
            "sethostname swiftrun",
            "mount - / - 0x84000 -",          // rootfs: the mount tree made a slave
            "mount proc rootfs:/proc proc",
            "fchdir rootfs:/",                 // finalize: pivot_root
            "pivot_root rootfs:/ .",
            "reopen_stdio /dev/null",          // no terminal: stdio stays, /dev/null from the container
            "prlimit 7 1024 1024",             // ProcessFinalize: rlimits, bounding set, identity, caps, NNP
            "prctl PR_CAPBSET_DROP",
            "chdir /",
            "setresgid 0 0 0",
            "setresuid 0 0 0",
            "capset",
            "prctl PR_SET_NO_NEW_PRIVS 1",
        ])
        // Device nodes are made (no user namespace), in the rootfs, before pivot_root.
        let pivot = try XCTUnwrap(log.firstIndex { $0.hasPrefix("pivot_root") })
        let null = try XCTUnwrap(log.firstIndex { $0 == "mknod rootfs:/dev/null c 1:3 0o666" }, "\(log)")
        XCTAssertLessThan(null, pivot)
    }

    /// The fds the init took over from `create` are kept through the fd sweep and closed by
    /// setup where it is done with them: the idmapped mounts and bind sources once the rootfs is
    /// mounted, each once. (The console socket goes after the pty is sent, the start listener and
    /// the sync socket when `start` connects: integration tests, they need a pty and a start.)
    func testInheritedMountFDsKeptThenClosedAfterTheRootfs() throws {
        func isOpen(_ fd: Int32) -> Bool { FD.statusFlags(fd) != nil }
        let k = kernel()
        var loopbacks = 0
        let (p, child) = try SyncEnds.make()
        let parent = SyncEnds.host(p)
        defer { SyncEnds.close(child) }
        var c = try context(try bundleSpec("busybox"), sync: child, kernel: k, loopbacks: &loopbacks)
        // At indexes no mount has: the rootfs plan ignores them, setup still owns and closes them.
        let idmapped = try FileIO.open("/dev/null", O_RDONLY | O_CLOEXEC)
        let bind = try FileIO.open("/dev/null", O_RDONLY | O_CLOEXEC)
        c.idmapFDs = ChildFDMap(numbers: [900: idmapped])
        c.bindSourceFDs = ChildFDMap(numbers: [901: bind])
        XCTAssertTrue(Set(ContainerInit.keptFDs(c)).isSuperset(of: [child, idmapped, bind]))
        try parent.send(.proceed)
        _ = try ContainerInit.setup(&c)
        XCTAssertEqual(k.log().first, "close_range keeping 3", "the sync socket and both mount fds")
        XCTAssertFalse(isOpen(idmapped) || isOpen(bind), "closed once the rootfs is mounted")
        XCTAssertTrue(c.idmapFDs.isEmpty && c.bindSourceFDs.isEmpty, "nothing left to close twice")
    }

    /// A new user namespace (uid/gid maps; made by clone3 with the pid namespace): dumpable while
    /// the runtime maps it (mapRequest, mapped), root of it, then the cgroup namespace; devices
    /// bound rather than made; then the same rootfs and finalize steps, as the user given.
    func testUserNamespaceSetupInOrder() throws {
        var spec = try bundleSpec("busybox")
        spec.linux?.namespaces?.append(LinuxNamespace(type: "user"))
        spec.linux?.namespaces?.append(LinuxNamespace(type: "cgroup"))
        spec.linux?.uidMappings = [LinuxIDMapping(containerID: 0, hostID: 100_000, size: 65536)]
        spec.linux?.gidMappings = [LinuxIDMapping(containerID: 0, hostID: 100_000, size: 65536)]
        spec.process?.user = User(uid: 1000, gid: 1000)
        let k = kernel()
        var loopbacks = 0
        let (p, child) = try SyncEnds.make()
        let parent = SyncEnds.host(p)
        defer { SyncEnds.close(child) }
        var c = try context(spec, sync: child, kernel: k, loopbacks: &loopbacks)
        XCTAssertTrue(c.plan.newUser)
        try parent.send(.proceed)
        try parent.send(.mapped)
        _ = try ContainerInit.setup(&c)
        XCTAssertEqual(try parent.receive(), .mapRequest)
        let log = k.log()
        assertInOrder(log, [
            "close_range",
            "prctl PR_SET_DUMPABLE 0",
            "setsid",
            "prctl PR_SET_DUMPABLE 1",         // while the runtime writes the maps
            "setresgid 0 0 0",
            "setresuid 0 0 0",
            "prctl PR_SET_DUMPABLE 0",
            "unshare 0x2000000",               // CLONE_NEWCGROUP, once in the cgroup
            "keyctl join_session_keyring _ses.t",
            "sethostname swiftrun",
            "mount - / - 0x84000 -",
            "pivot_root rootfs:/ .",
            "prlimit 7 1024 1024",
            "setresgid 1000 1000 1000",
            "setresuid 1000 1000 1000",
            "capset",
            "prctl PR_SET_NO_NEW_PRIVS 1",
        ])
        // In a user namespace the device nodes are bind mounts, never mknod.
        XCTAssertFalse(log.contains { $0.hasPrefix("mknodat") }, "\(log)")
        XCTAssertTrue(log.contains { $0.hasPrefix("mount /dev/null rootfs:/dev/null") }, "\(log)")
    }
}
