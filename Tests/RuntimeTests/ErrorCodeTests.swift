import XCTest
#if canImport(Glibc)
import Glibc
#endif
import Cgroups
import LinuxSys
import OCISpec
import Rootfs
import Seccomp
@testable import Runtime

/// Errors keep their errno, code and typed cause when wrapped, and across the parent/child pipes;
/// the text (what the CLI prints and engines match on) never changes.
final class ErrorCodeTests: XCTestCase {
    func testWrappingKeepsEveryModulesErrno() {
        let causes: [(Error, Int32)] = [
            (SysError("mount", "/proc", errno: EPERM), EPERM),
            (RootfsError("mount proc to /proc (in rootfs /r)", errno: EBUSY), EBUSY),
            (CgroupError(op: "write", file: "memory.max", dir: "/sys/fs/cgroup/x", errno: EINVAL), EINVAL),
            (SeccompError("seccomp_load", errno: EFAULT), EFAULT),
            (FileError("/b/config.json", .tooLarge(10)), EFBIG),
            (Errno.ENOSPC, ENOSPC),
        ]
        for (cause, errno) in causes {
            let e = RuntimeError("create container x", cause: cause)
            XCTAssertEqual(e.errno, errno, "\(cause)")
            XCTAssertEqual(e.description, "create container x: \(cause)")
            let outer = RuntimeError("run", cause: e)
            XCTAssertEqual(outer.errno, errno, "two levels: \(cause)")
        }
    }

    func testCodes() {
        XCTAssertEqual(RuntimeError("x", cause: SysError("open", "/x", errno: ENOENT)).code, .notFound)
        XCTAssertEqual(RuntimeError("container with id \"a\" already exists", errno: EEXIST).code, .exists)
        XCTAssertEqual(RuntimeError("x", cause: SeccompError("linux.seccomp.defaultAction: unknown", errno: EINVAL, isConfigError: true)).code, .invalidConfig)
        XCTAssertEqual(RuntimeError("x", cause: SpecError(file: "config.json", path: "process", message: "bad")).code,
                       .invalidConfig)
        XCTAssertEqual(RuntimeError("x", cause: CgroupError("no such controller")).errno, nil, "errno 0 is no errno")
        XCTAssertEqual(RuntimeError("cannot start a container that has stopped", code: .invalidState).code, .invalidState)
    }

    func testTheTypedCauseIsKept() {
        let rootfs = RootfsError("mknod /dev/fuse", errno: EPERM)
        let e = RuntimeError("run", cause: RuntimeError("create", cause: rootfs))
        XCTAssertEqual(e.cause(as: RootfsError.self), rootfs)
        XCTAssertNil(e.cause(as: CgroupError.self))
    }

    /// A missing container is `.notFound`, whatever the message says.
    func testStateStoreSaysNotFound() {
        let store = StateStore(root: "/tmp/swiftrun-unit-none-\(getpid())")
        XCTAssertThrowsError(try store.load("nope")) { e in
            XCTAssertEqual((e as? RuntimeError)?.code, .notFound)
            XCTAssertEqual("\(e)", "container \"nope\" does not exist")
        }
    }

    /// The init's error reaches the runtime with its errno and code (crun's errno-then-text).
    func testSyncErrorsCarryErrnoAndCode() throws {
        let pair = try SyncEnds.make()
        let a = SyncEnds.host(pair.parent), b = SyncEnds.host(pair.child)
        try b.send(.failure(RootfsError("mount proc to /proc (in rootfs /r)", errno: EPERM)))
        XCTAssertThrowsError(try a.expect(.ready, peer: "init")) { e in
            let r = e as? RuntimeError
            XCTAssertEqual("\(e)", "mount proc to /proc (in rootfs /r): operation not permitted")
            XCTAssertEqual(r?.errno, EPERM)
            XCTAssertEqual(r?.code, .system)
        }
        try b.send(.failure(RuntimeError("config.json: process.args must not be empty", code: .invalidConfig)))
        XCTAssertThrowsError(try a.expect(.ready, peer: "init")) { e in
            XCTAssertEqual((e as? RuntimeError)?.code, .invalidConfig)
            XCTAssertNil((e as? RuntimeError)?.errno)
        }
    }

    /// The start socket's error reply: errno, code, text; an older init's bare text still reads.
    func testStartSocketErrorReply() {
        let reply = StartSocket.failureReply(RuntimeError("unable to start container process: exec: \"x\": no such file or directory",
                                                          errno: ENOENT))
        XCTAssertEqual(StartSocket.outcome(of: [StartSocket.execing] + reply),
                       .failed("unable to start container process: exec: \"x\": no such file or directory", errno: ENOENT,
                               code: .notFound))
        XCTAssertEqual(StartSocket.outcome(of: Array("startContainer hook #0 failed".utf8)), .failed("startContainer hook #0 failed"))
    }
}
