import XCTest
#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

final class SafePathTests: XCTestCase {
    var dir: TempDir!
    var root: Int32 = -1
    var outside: String = ""

    override func setUp() {
        dir = TempDir()
        dir.mkdir("rootfs/etc")
        dir.mkdir("outside")
        outside = dir.path + "/outside"
        root = open(dir.path + "/rootfs", O_PATH_ | O_DIRECTORY)
    }

    override func tearDown() {
        close(root)
        dir.cleanup()
    }

    var rootPath: String { dir.path + "/rootfs" }
    let O_PATH_: Int32 = SafePath.O_PATH

    func testAbsoluteSymlinkResolvesInsideRootfs() throws {
        // rootfs/evil -> <tmp>/outside (an existing host directory)
        dir.symlink(outside, "rootfs/evil")
        let fd = try SafePath.create(root: root, "/evil", kind: .directory)
        defer { close(fd) }
        XCTAssertEqual(fdPath(fd), rootPath + outside, "must land inside the rootfs")
        XCTAssertTrue(FileIO.listDirectory(outside).isEmpty)
    }

    func testSymlinkToHostEtcCannotRedirect() throws {
        dir.symlink("/etc", "rootfs/hostetc")
        let fd = try SafePath.create(root: root, "/hostetc/passwd-mount", kind: .file)
        defer { close(fd) }
        XCTAssertEqual(fdPath(fd), rootPath + "/etc/passwd-mount")
        XCTAssertFalse(FileIO.exists("/etc/passwd-mount"))
    }

    func testDanglingSymlinkIsFollowedAndCreatedInside() throws {
        dir.symlink("/tmp/swiftrun-definitely-outside/x", "rootfs/dangling")
        let fd = try SafePath.create(root: root, "dangling/sub", kind: .directory)
        defer { close(fd) }
        XCTAssertEqual(fdPath(fd), rootPath + "/tmp/swiftrun-definitely-outside/x/sub")
        XCTAssertFalse(FileIO.exists("/tmp/swiftrun-definitely-outside"))
    }

    func testRelativeSymlinkAndDotDotAreClamped() throws {
        dir.symlink("../../../../../outside", "rootfs/etc/up")
        let fd = try SafePath.create(root: root, "/etc/up/file", kind: .file)
        defer { close(fd) }
        XCTAssertEqual(fdPath(fd), rootPath + "/outside/file")
        XCTAssertFalse(FileIO.exists(outside + "/file"))

        let fd2 = try SafePath.create(root: root, "../../../a/./b/../c", kind: .directory)
        defer { close(fd2) }
        XCTAssertEqual(fdPath(fd2), rootPath + "/a/c")
    }

    func testMkdirWalkCreatesDirectoriesAndFile() throws {
        let fd = try SafePath.create(root: root, "/x/y/z/file", kind: .file, fileMode: 0o600)
        defer { close(fd) }
        var st = stat()
        XCTAssertEqual(fstat(fd, &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFREG)
        XCTAssertTrue(FileIO.isDirectory(rootPath + "/x/y/z"))
        // Existing paths come back through the fast path.
        let again = try SafePath.create(root: root, "/x/y/z/file", kind: .file)
        XCTAssertEqual(fdPath(again), rootPath + "/x/y/z/file")
        close(again)
    }

    func testSymlinkLoopFails() {
        dir.symlink("/b", "rootfs/a")
        dir.symlink("/a", "rootfs/b")
        XCTAssertThrowsError(try SafePath.create(root: root, "/a/x", kind: .directory)) { e in
            XCTAssertEqual((e as? SysError)?.errno, ELOOP)
        }
    }

    func testMagicLinksRefused() throws {
        // A /proc magic link reached through the rootfs must not be followed.
        dir.symlink("/proc/self/root", "rootfs/magic")
        let fd = SafePath.openRaw(root: root, "/magic/etc")
        if fd >= 0 {
            // RESOLVE_IN_ROOT makes /proc/self/root resolve to rootfs/proc/... which does not exist.
            XCTAssertTrue(fdPath(fd).hasPrefix(rootPath))
            close(fd)
        }
    }
}
