import XCTest
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import CShim
import LinuxSys
import OCISpec
@testable import Rootfs

/// The checks made before the runtime binds, opens or writes what a rootfs provides: device
/// numbers, the null device bound over masked paths, /dev/console, procfs verification, and
/// destinations on and in /proc.
final class DeviceChecksTests: XCTestCase {
    // MARK: pure

    func testDeviceNumberRoundTripsGlibcEncoding() {
        for (ma, mi) in [(1, 3), (5, 2), (0, 0), (4095, 255), (4096, 256), (259, 1_048_575), (0xffff_ffff, 0xffff_ffff)] {
            let d = DeviceNumber(major: UInt64(ma), minor: UInt64(mi))
            XCTAssertEqual(DeviceNumber(d.dev), d, "\(ma):\(mi)")
        }
        XCTAssertEqual(DeviceNumber.null.dev, dev_t(0x103))
        XCTAssertEqual(DeviceNumber.null.description, "1:3")
    }

    func testHostDevNullIsTheNullDevice() {
        var st = stat()
        XCTAssertEqual(stat("/dev/null", &st), 0)
        XCTAssertTrue(FileKind.isCharDevice(st, .null))
        XCTAssertFalse(FileKind.isCharDevice(st, .ptmx))
    }

    func testCharDevicePredicate() {
        let null = DeviceNumber.null.dev
        XCTAssertTrue(FileKind.isCharDevice(mode: S_IFCHR | 0o666, rdev: null, .null))
        XCTAssertFalse(FileKind.isCharDevice(mode: S_IFBLK | 0o666, rdev: null, .null), "a block device 1:3")
        XCTAssertFalse(FileKind.isCharDevice(mode: S_IFREG | 0o666, rdev: 0, .null))
        XCTAssertFalse(FileKind.isCharDevice(mode: S_IFLNK | 0o777, rdev: 0, .null))
        XCTAssertFalse(FileKind.isCharDevice(mode: S_IFCHR | 0o666, rdev: DeviceNumber(major: 1, minor: 5).dev, .null))
        XCTAssertEqual(FileKind.describe(mode: S_IFCHR, rdev: DeviceNumber(major: 1, minor: 5).dev), "character device 1:5")
        XCTAssertEqual(FileKind.describe(mode: S_IFLNK, rdev: 0), "a symbolic link")
        XCTAssertEqual(FileKind.describe(mode: S_IFREG, rdev: 0), "a regular file")
    }

    func testProcFSRefusal() {
        XCTAssertNil(ProcFS.refusal(magic: ProcFS.superMagic, inode: 1))
        XCTAssertEqual(ProcFS.refusal(magic: 0x0102_1994, inode: 1), "is not a procfs (filesystem magic 0x1021994)")
        XCTAssertNotNil(ProcFS.refusal(magic: ProcFS.superMagic, inode: 4026531841), "a bind of /proc/sys")
    }

    func testProcDestinations() {
        XCTAssertEqual(ProcDestination.classify("/etc/hosts"), .outside)
        XCTAssertEqual(ProcDestination.classify("processes"), .outside)
        XCTAssertEqual(ProcDestination.classify("/proc"), .procRoot)
        XCTAssertEqual(ProcDestination.classify("proc/"), .procRoot)
        XCTAssertEqual(ProcDestination.classify("/proc/cpuinfo"), .inside("cpuinfo"))
        XCTAssertEqual(ProcDestination.classify("//proc/./sys/kernel/ns_last_pid"), .inside("sys/kernel/ns_last_pid"))
        for d in ["/proc/self/attr/exec", "/proc/thread-self/attr/apparmor/exec", "/proc/1/setgroups",
                  "/proc/42", "/proc/sys/../self/oom_score_adj"] {
            guard case .refused = ProcDestination.classify(d) else { return XCTFail(d) }
        }
    }

    // MARK: on a real directory tree (root: mknod)

    var dir: TempDir!
    var root: Int32 = -1

    override func setUp() {
        dir = TempDir()
        dir.mkdir("rootfs/dev")
        dir.mkdir("rootfs/etc")
        dir.write("rootfs/etc/target", "x")
        root = open(dir.path + "/rootfs", SafePath.O_PATH | O_DIRECTORY)
    }

    override func tearDown() {
        close(root)
        dir.cleanup()
    }

    func stage() throws -> Stage {
        let spec = try JSONDecoder().decode(Spec.self, from: Data("""
            {"ociVersion": "1.3.0", "root": {"path": "rootfs"}, "linux": {"namespaces": [{"type": "mount"}]}}
            """.utf8))
        let c = RootfsConfig(spec: spec, bundle: dir.path, rootfs: dir.path + "/rootfs", noPivot: false,
                             inNewUserNamespace: false, newMountNamespace: true, cgroupNamespace: false)
        return Stage(c, root: root)
    }

    func mknod(_ rel: String, _ d: DeviceNumber) throws {
        if Glibc.mknod(dir.path + "/" + rel, S_IFCHR | 0o666, d.dev) != 0 {
            throw XCTSkip("mknod needs CAP_MKNOD (errno \(errno))")
        }
    }

    func refusal(_ body: () throws -> FileDescriptor) -> String? {
        do {
            _ = try body()
            return nil
        } catch {
            return "\(error)"
        }
    }

    func testDevNullMustBeTheNullDevice() throws {
        let s = try stage()
        try mknod("rootfs/dev/null", .null)
        XCTAssertNil(refusal { try s.openDevNull() })

        unlink(dir.path + "/rootfs/dev/null")
        try mknod("rootfs/dev/null", DeviceNumber(major: 1, minor: 5))
        XCTAssertTrue(refusal { try s.openDevNull() }?.contains("is character device 1:5, not the null device") ?? false)

        unlink(dir.path + "/rootfs/dev/null")
        dir.write("rootfs/dev/null", "")
        let msg = refusal { try s.openDevNull() } ?? ""
        XCTAssertTrue(msg.hasPrefix("linux.maskedPaths: /dev/null (in rootfs "), msg)
        XCTAssertTrue(msg.contains("is a regular file"), msg)

        // A symlink is refused even when it points at a real null device.
        unlink(dir.path + "/rootfs/dev/null")
        try mknod("rootfs/etc/realnull", .null)
        dir.symlink("/etc/realnull", "rootfs/dev/null")
        XCTAssertTrue(refusal { try s.openDevNull() }?.contains("is a symbolic link") ?? false)
    }

    func testProcAndSysMustGoOnOrdinaryDirectories() throws {
        let s = try stage()
        XCTAssertNil(refusal { try s.ordinaryDirectory("/proc", fs: "proc", field: "mounts[0].destination") },
                     "a missing directory is created")
        XCTAssertTrue(FileIO.isDirectory(dir.path + "/rootfs/proc"))
        dir.mkdir("rootfs/tmp/x")
        dir.symlink("/tmp/x", "rootfs/sys")
        let msg = refusal { try s.ordinaryDirectory("/sys", fs: "sysfs", field: "mounts[5].destination") } ?? ""
        XCTAssertTrue(msg.hasPrefix("mounts[5].destination: /sys (in rootfs "), msg)
        XCTAssertTrue(msg.contains("filesystem \"sysfs\" must be mounted on ordinary directory (it is a symbolic link)"), msg)
        XCTAssertNotNil(refusal { try s.ordinaryDirectory("/etc/target", fs: "proc", field: "f") }, "a file")
    }

    func testConsoleTargetIsNeverASymlink() throws {
        let dev = open(dir.path + "/rootfs/dev", SafePath.O_PATH | O_DIRECTORY)
        defer { close(dev) }
        XCTAssertNil(refusal { FileDescriptor(adopting: try ConsoleTarget.open(dev: dev, create: true, inRootfs: "")) })
        XCTAssertNil(refusal { FileDescriptor(adopting: try ConsoleTarget.open(dev: dev, create: true, inRootfs: "")) }, "an existing file")
        unlink(dir.path + "/rootfs/dev/console")
        dir.symlink("/etc/target", "rootfs/dev/console")
        XCTAssertTrue(refusal { FileDescriptor(adopting: try ConsoleTarget.open(dev: dev, create: true, inRootfs: "")) }?
            .contains("is a symbolic link; refusing to mount the console on it") ?? false)
        XCTAssertEqual(try FileIO.readString(dir.path + "/rootfs/etc/target"), "x", "target untouched")
    }

    // MARK: procfs

    func testHostProcIsAVerifiedProcfs() throws {
        try ProcFS.with { proc in
            XCTAssertTrue(try proc.readString("self/status").contains("Pid:"))
            XCTAssertTrue(try proc.readString("thread-self/stat").contains(")"))
        }
    }

    func testAnythingElseAtProcIsRefused() {
        XCTAssertThrowsError(try ProcFS.open(dir.path)) { e in
            XCTAssertTrue("\(e)".contains("is not a procfs"), "\(e)")
        }
        XCTAssertThrowsError(try ProcFS.open("/proc/sys")) { e in
            XCTAssertTrue("\(e)".contains("is not the root of a procfs"), "\(e)")
        }
        dir.symlink("/proc", "procsymlink")
        XCTAssertThrowsError(try ProcFS.open(dir.path + "/procsymlink"), "a symlink to /proc")
    }

    func testAMountOverAProcFileIsRefused() {
        // In a private mount namespace: a file bound over /proc/self/oom_score_adj.
        var pidfd: Int32 = -1
        let pid = sr_clone3(0x0002_0000, &pidfd, -1)
        if pid == 0 {
            guard Glibc.mount(nil, "/", nil, UInt(MS_REC | MS_PRIVATE), nil) == 0,
                  Glibc.mount(dir.path + "/rootfs/etc/target", "/proc/self/oom_score_adj", nil, UInt(MS_BIND), nil) == 0
            else { _exit(2) }
            do {
                try ProcFS.with { try $0.write("self/oom_score_adj", "0") }
                _exit(3)
            } catch let e as ProcFSError where e.errno == EXDEV {
                _exit(0)
            } catch { _exit(4) }
        }
        XCTAssertGreaterThan(pid, 0)
        if pidfd >= 0 { close(pidfd) }
        XCTAssertEqual((try? Proc.wait(pid))??.code, 0)
        XCTAssertEqual(try FileIO.readString(dir.path + "/rootfs/etc/target"), "x")
    }
}
