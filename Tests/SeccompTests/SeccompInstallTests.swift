#if canImport(Glibc)
import Glibc
#endif
import CShim
import CShimTestSupport
import FoundationEssentials
import LinuxSys
import OCISpec
import XCTest
@testable import Seccomp

/// Loads real filters into forked children and checks what their syscalls see.
final class SeccompInstallTests: XCTestCase {
    func temp() -> String {
        var t = Array("/tmp/swiftrun-seccomp-XXXXXX".utf8CString)
        let dir = t.withUnsafeMutableBufferPointer { b in mkdtemp(b.baseAddress!).map { String(cString: $0) } }
        XCTAssertNotNil(dir)
        return dir ?? "/nonexistent"
    }

    /// Runs `body` in a child that first loads `program`; exit code 200+ means install failed.
    func inChild(_ program: SeccompProgram, _ body: () -> Int32) -> ChildResult {
        program.bpf.withUnsafeBytes { bpf in
            runChild({
                let r = childInstall(bpf, flags: program.flags)
                if r < 0 { return 200 }
                return body()
            })
        }
    }

    func testErrnoRuleForMkdir() throws {
        let dir = temp()
        defer { rmdir("\(dir)/a"); rmdir(dir) }
        let p = try Seccomp.compile(profile([rule(["mkdir", "mkdirat"], "SCMP_ACT_ERRNO", errnoRet: 38)])) { _ in }
        let r = "\(dir)/a".withCString { path in
            inChild(p) { mkdir(path, 0o700) == 0 ? 0 : errno }
        }
        XCTAssertEqual(r, ChildResult(exitCode: 38))
        XCTAssertNotEqual(access("\(dir)/a", F_OK), 0)
        // Without the filter the same child succeeds.
        let ok = "\(dir)/a".withCString { path in runChild({ mkdir(path, 0o700) == 0 ? 0 : errno }) }
        XCTAssertEqual(ok, ChildResult(exitCode: 0))
    }

    func testProgramInstallReturnsNoFdWithoutNotify() throws {
        let p = try Seccomp.compile(profile([rule(["access", "faccessat", "faccessat2"], "SCMP_ACT_ERRNO", errnoRet: 7)])) { _ in }
        // install() itself (not the test helper) in a child.
        let r = runChild({
            if sr_prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 { return 201 }
            do {
                if try p.install() != nil { return 203 }  // no listener without SCMP_ACT_NOTIFY
            } catch { return 202 }
            return access("/", F_OK) == -1 ? errno : 0
        })
        XCTAssertEqual(r, ChildResult(exitCode: 7))
    }

    // prctl's option (arg0) makes a side-effect-free probe: PR_GET_DUMPABLE = 3,
    // PR_GET_KEEPCAPS = 7, PR_GET_NO_NEW_PRIVS = 39; unknown options fail with EINVAL (22),
    // so the filter's errno is 33 to tell the two apart.
    static let GET_DUMPABLE: Int32 = 3, GET_KEEPCAPS: Int32 = 7, GET_NNP: Int32 = 39

    func testArgumentFilter() throws {
        let p = try Seccomp.compile(profile([rule(["prctl"], "SCMP_ACT_ERRNO", errnoRet: 33,
                                                  args: [arg(0, 3, "SCMP_CMP_EQ")])])) { _ in }
        let r = inChild(p) {
            let denied = sr_prctl(Self.GET_DUMPABLE, 0, 0, 0, 0) == -1 && errno == 33
            let allowed = sr_prctl(Self.GET_KEEPCAPS, 0, 0, 0, 0) >= 0
            return (denied ? 1 : 0) | (allowed ? 2 : 0)
        }
        XCTAssertEqual(r, ChildResult(exitCode: 3))
    }

    /// Two comparisons on the same argument become two rules (ORed), as in runc; comparisons on
    /// different arguments stay one rule (ANDed).
    func testSameArgumentComparisonsAreSeparateRules() throws {
        let p = try Seccomp.compile(profile([rule(["prctl"], "SCMP_ACT_ERRNO", errnoRet: 33,
                                                  args: [arg(0, 3, "SCMP_CMP_EQ"), arg(0, 7, "SCMP_CMP_EQ")])])) { _ in }
        let r = inChild(p) {
            let a = sr_prctl(Self.GET_DUMPABLE, 0, 0, 0, 0) == -1 && errno == 33
            let b = sr_prctl(Self.GET_KEEPCAPS, 0, 0, 0, 0) == -1 && errno == 33
            let c = sr_prctl(Self.GET_NNP, 0, 0, 0, 0) == 1
            return (a ? 1 : 0) | (b ? 2 : 0) | (c ? 4 : 0)
        }
        XCTAssertEqual(r, ChildResult(exitCode: 7))
        // getpriority(which, who): ERRNO only when which == PRIO_PROCESS(0) AND who == 12345.
        let q = try Seccomp.compile(profile([rule(["getpriority"], "SCMP_ACT_ERRNO", errnoRet: 33,
                                                  args: [arg(0, 0, "SCMP_CMP_EQ"), arg(1, 12345, "SCMP_CMP_EQ")])])) { _ in }
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        let r2 = inChild(q) {
            errno = 0
            let both = getpriority(which, 12345) == -1 && errno == 33
            errno = 0
            let one = getpriority(which, 0)
            let oneOK = !(one == -1 && errno == 33)
            return (both ? 1 : 0) | (oneOK ? 2 : 0)
        }
        XCTAssertEqual(r2, ChildResult(exitCode: 3))
    }

    /// MASKED_EQ: value is the mask, valueTwo the datum: (arg0 & 0xff00) == 0 is denied, so
    /// option 3 is denied and the unknown option 0x1000 reaches the kernel (EINVAL).
    func testMaskedEqualUsesValueAsMask() throws {
        let p = try Seccomp.compile(profile([rule(["prctl"], "SCMP_ACT_ERRNO", errnoRet: 33,
                                                  args: [arg(0, 0xff00, "SCMP_CMP_MASKED_EQ", 0)])])) { _ in }
        let r = inChild(p) {
            let lowDenied = sr_prctl(Self.GET_DUMPABLE, 0, 0, 0, 0) == -1 && errno == 33
            let highPassed = sr_prctl(0x1000, 0, 0, 0, 0) == -1 && errno == EINVAL
            return (lowDenied ? 1 : 0) | (highPassed ? 2 : 0)
        }
        XCTAssertEqual(r, ChildResult(exitCode: 3))
    }

    func testDenyByDefault() throws {
        // ERRNO by default with defaultErrnoRet; only what _exit needs is allowed.
        let p = try Seccomp.compile(profile("SCMP_ACT_ERRNO", defaultErrnoRet: 13,
                                            [rule(["exit_group", "exit"], "SCMP_ACT_ALLOW")])) { _ in }
        // (getppid cannot fail in glibc's eyes and would return -13 without setting errno.)
        let r = inChild(p) { access("/", F_OK) == -1 ? errno : 0 }
        XCTAssertEqual(r, ChildResult(exitCode: 13))
        // KILL_PROCESS by default: the first other syscall kills with SIGSYS.
        let k = try Seccomp.compile(profile("SCMP_ACT_KILL_PROCESS", [rule(["exit_group", "exit"], "SCMP_ACT_ALLOW")])) { _ in }
        let rk = inChild(k) { _ = getppid(); return 0 }
        XCTAssertEqual(rk, ChildResult(signal: SIGSYS))
        let a = try Seccomp.compile(profile("SCMP_ACT_KILL_PROCESS", [rule(["exit_group", "exit"], "SCMP_ACT_ALLOW")])) { _ in }
        let ra = inChild(a) { 9 }
        XCTAssertEqual(ra, ChildResult(exitCode: 9))
    }

    func testDockerLikeProfileInstalls() throws {
        let here = String(#filePath)
        let dir = here[..<here.lastIndex(of: "/")!]
        let s = try JSONDecoder().decode(LinuxSeccomp.self, from: Data(try readAll("\(dir)/Fixtures/docker-like-default.json")))
        let p = try Seccomp.compile(s) { _ in }
        let r = inChild(p) {
            let pidOK = getpid() > 0
            let unshareDenied = sr_unshare(0x0002_0000 /* CLONE_NEWNS */) == -1 && errno == EPERM
            return (pidOK ? 1 : 0) | (unshareDenied ? 2 : 0)
        }
        XCTAssertEqual(r, ChildResult(exitCode: 3))
    }

    /// SCMP_ACT_NOTIFY: the child loads the filter with NEW_LISTENER, passes the fd to the parent,
    /// and its mkdir blocks until the parent answers through SECCOMP_IOCTL_NOTIF_RECV/SEND.
    func testNotify() throws {
        let p = try Seccomp.compile(profile(listener: "/unused", [rule(["mkdir", "mkdirat"], "SCMP_ACT_NOTIFY")])) { _ in }
        XCTAssertTrue(p.usesNotify)
        XCTAssertEqual(p.flags & Seccomp.FLAG_NEW_LISTENER, Seccomp.FLAG_NEW_LISTENER)
        var sv: [Int32] = [0, 0]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &sv), 0)
        let (parentSock, childSock) = (sv[0], sv[1])
        defer { close(parentSock) }
        var seen: (nr: Int32, pid: UInt32, args0: UInt64)? = nil
        var failure: String?
        let r: ChildResult = "/nonexistent-swiftrun/x".withCString { path in
            p.bpf.withUnsafeBytes { bpf in
                runChild({
                    let fd = childInstall(bpf, flags: p.flags)
                    if fd <= 0 { return 200 }
                    var b: UInt8 = 1
                    if sr_send_fd(childSock, fd, &b, 1) != 1 { return 201 }
                    close(fd)
                    let rc = mkdir(path, 0o700)  // answered by the parent with 42
                    return rc == 42 ? 0 : 100
                }, parent: { pid in
                    close(childSock)
                    var pfd = pollfd(fd: parentSock, events: Int16(POLLIN), revents: 0)
                    guard poll(&pfd, 1, 10_000) == 1 else { failure = "no fd from child"; return }
                    var nfd: Int32 = -1
                    var b: UInt8 = 0
                    guard sr_recv_fd(parentSock, &nfd, &b, 1) == 1, nfd >= 0 else { failure = "recv fd"; return }
                    defer { close(nfd) }
                    var npfd = pollfd(fd: nfd, events: Int16(POLLIN), revents: 0)
                    guard poll(&npfd, 1, 10_000) == 1 else { failure = "no notification"; return }
                    var id: UInt64 = 0, npid: UInt32 = 0, arch: UInt32 = 0
                    var nr: Int32 = 0
                    var args = [UInt64](repeating: 0, count: 6)
                    guard sr_test_seccomp_notif_recv(nfd, &id, &npid, &nr, &arch, &args) == 0 else {
                        failure = "NOTIF_RECV errno \(errno)"; return
                    }
                    seen = (nr, npid, args[0])
                    XCTAssertEqual(sr_test_seccomp_notif_id_valid(nfd, id), 0)
                    if sr_test_seccomp_notif_send(nfd, id, 42, 0, 0) != 0 { failure = "NOTIF_SEND errno \(errno)" }
                    _ = pid
                })
            }
        }
        XCTAssertNil(failure)
        XCTAssertEqual(r, ChildResult(exitCode: 0))
        XCTAssertNotNil(seen)
        if let s = seen {
            XCTAssertTrue(s.nr == sr_scmp_resolve("mkdir") || s.nr == sr_scmp_resolve("mkdirat"), "nr \(s.nr)")
            XCTAssertGreaterThan(s.pid, 0)
        }
    }

    /// What the init sends the seccomp agent (listenerPayload over Seccomp.send, as SeccompSetup
    /// does) against an in-test unix socket server: the JSON state, and the fd in SCM_RIGHTS.
    func testSendToListener() throws {
        let dir = temp()
        let path = "\(dir)/agent.sock"
        defer { unlink(path); rmdir(dir) }
        let ls = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        XCTAssertGreaterThanOrEqual(ls, 0)
        defer { close(ls) }
        var addr = try UnixAddress(path)
        XCTAssertEqual(addr.withSockaddr { bind(ls, $0, $1) }, 0)
        XCTAssertEqual(listen(ls, 4), 0)

        // Any fd will do for the protocol: pass a pipe's write end and write through the copy.
        var pipeFDs: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&pipeFDs), 0)
        defer { close(pipeFDs[0]); close(pipeFDs[1]) }
        let meta = String(repeating: "MKNOD=/dev/null;", count: 2000)  // > one socket buffer write
        let state = ContainerProcessState(
            ociVersion: "1.3.0", fds: nil, pid: 4422, metadata: meta,
            state: State(ociVersion: "1.3.0", id: "c1", status: "creating", pid: 4422, bundle: "/b",
                         annotations: ["k": "v"]))
        var received: [UInt8] = []
        var gotFD: Int32 = -1
        // The payload can exceed the socket buffer, so serve from a thread.
        let server = Thread_(body: {
            let c = sr_accept_cloexec(ls)
            guard c >= 0 else { return }
            defer { close(c) }
            var buf = [UInt8](repeating: 0, count: 65536)
            var fd: Int32 = -1
            let n = buf.withUnsafeMutableBytes { sr_recv_fd(c, &fd, $0.baseAddress, $0.count) }
            if n > 0 { received += buf[0..<n] }
            gotFD = fd
            while true {
                let m = read(c, &buf, buf.count)
                if m <= 0 { break }
                received += buf[0..<m]
            }
        })
        let sock = try UnixAddress.connect(path, type: Int32(SOCK_STREAM.rawValue))
        try Seccomp.send(socket: sock, payload: try Seccomp.listenerPayload(state), notifyFD: pipeFDs[1], name: path)
        close(sock)
        server.join()
        XCTAssertGreaterThanOrEqual(gotFD, 0)
        if gotFD >= 0 {
            XCTAssertEqual(write(gotFD, "x", 1), 1)
            var c: UInt8 = 0
            XCTAssertEqual(read(pipeFDs[0], &c, 1), 1)
            XCTAssertEqual(c, UInt8(ascii: "x"))
            close(gotFD)
        }
        let decoded = try JSONDecoder().decode(ContainerProcessState.self, from: Data(received))
        var want = state
        want.fds = ["seccompFd"]
        XCTAssertEqual(decoded, want)
    }
}

/// A minimal pthread wrapper for the in-test listener.
final class Thread_: @unchecked Sendable {
    private var tid = pthread_t()
    private let body: () -> Void
    init(body: @escaping () -> Void) {
        self.body = body
        let unmanaged = Unmanaged.passRetained(self)
        pthread_create(&tid, nil, { arg in
            let t = Unmanaged<Thread_>.fromOpaque(arg!).takeRetainedValue()
            t.body()
            return nil
        }, unmanaged.toOpaque())
    }
    func join() { pthread_join(tid, nil) }
}
