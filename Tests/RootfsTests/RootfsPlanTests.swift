import XCTest
#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec
@testable import Rootfs

/// The rootfs stage run against a RecordingKernel: as a normal user, with no fork and no
/// namespace, on an empty directory in /tmp. The tests assert on the mounts, pivot_root, device
/// nodes and symlinks the stage asks the kernel for, in order (youki's rootfs tests' model).
final class RootfsPlanTests: XCTestCase {
    var dir: TempDir!
    var rootfs: String { dir.path + "/rootfs" }

    override func setUp() {
        dir = TempDir()
        dir.mkdir("rootfs")
    }

    override func tearDown() { dir.cleanup() }

    static let repo: String = {
        var p = #filePath
        for _ in 0..<3 { p = String(p[..<p.lastIndex(of: "/")!]) }
        return p
    }()

    func bundleSpec(_ name: String) throws -> Spec {
        try SpecLoader.decodeConfig(try FileIO.read(Self.repo + "/Bundles/\(name)/config.json"))
    }

    func spec(_ json: String) throws -> Spec { try SpecLoader.decodeConfig(Array(json.utf8)) }

    /// A fake kernel showing paths relative to the rootfs, answering host queries the same way
    /// on every machine: cgroup2 at /sys/fs/cgroup, no SELinux, a host /proc/kcore.
    func kernel() -> RecordingKernel {
        let k = RecordingKernel(root: rootfs)
        k.statfsAnswers = [(prefix: "/sys/fs/cgroup", magic: 0x6367_7270, flags: 0)]
        k.accessAnswers = ["/sys/fs/selinux/enforce": ENOENT, "/proc/kcore": 0]
        return k
    }

    func config(_ spec: Spec, _ k: RecordingKernel, noPivot: Bool = false, userns: Bool = false) -> RootfsConfig {
        var c = RootfsConfig(spec: spec, bundle: dir.path, rootfs: rootfs, noPivot: noPivot, inNewUserNamespace: userns,
                             newMountNamespace: true, cgroupNamespace: false)
        c.kernel = k
        return c
    }

    func run(_ c: RootfsConfig) throws {
        try Rootfs.prepare(c)
        try Rootfs.finalize(c)
    }

    static let mountCalls: Set<String> = ["mount", "umount2", "mount_setattr", "open_tree", "move_mount", "pivot_root",
                                          "chroot", "fchdir", "chdir"]

    // MS_* values as the log shows them.
    static let nosuidNodevNoexec = "0xe"

    func testBusyboxBundle() throws {
        let k = kernel()
        try run(config(try bundleSpec("busybox"), k))
        XCTAssertEqual(k.log(Self.mountCalls), [
            "mount - / - 0x84000 -",                                   // MS_REC|MS_SLAVE
            "mount rootfs:/ rootfs:/ - 0x5000 -",                       // rootfs bound onto itself (MS_BIND|MS_REC)
            "mount proc rootfs:/proc proc 0x0 -",
            "mount tmpfs rootfs:/dev tmpfs 0x1000002 mode=755,size=65536k",   // nosuid|strictatime
            "mount devpts rootfs:/dev/pts devpts 0xa newinstance,ptmxmode=0666,mode=0620,gid=5",
            "mount shm rootfs:/dev/shm tmpfs 0xe mode=1777,size=65536k",
            "mount mqueue rootfs:/dev/mqueue mqueue 0xe -",
            "mount sysfs rootfs:/sys sysfs 0xf -",
            // cgroup without a cgroup namespace: the host's hierarchy, bound read-only
            "mount /sys/fs/cgroup rootfs:/sys/fs/cgroup - 0x5000 -",
            "mount - rootfs:/sys/fs/cgroup - 0x20102f -",
            "mount_setattr rootfs:/sys/fs/cgroup 0x9000 set=0x1 clear=0x0",
            // finalize: pivot_root(".", ".") from the new root, old root made rslave and detached
            "fchdir rootfs:/",
            "pivot_root rootfs:/ .",
            "fchdir /",
            "mount - . - 0x84000 -",
            "umount2 . 0x2",
            "chdir /",
            "mount_setattr / 0x0 set=0x1 clear=0x0",                   // root.readonly
        ])
    }

    func testBusyboxDevices() throws {
        let k = kernel()
        try run(config(try bundleSpec("busybox"), k))
        XCTAssertEqual(k.log(["mknod", "chown", "symlink", "unlink"]), [
            "mknod rootfs:/dev/null c 1:3 0o666",
            "mknod rootfs:/dev/zero c 1:5 0o666",
            "mknod rootfs:/dev/full c 1:7 0o666",
            "mknod rootfs:/dev/random c 1:8 0o666",
            "mknod rootfs:/dev/urandom c 1:9 0o666",
            "mknod rootfs:/dev/tty c 5:0 0o666",
            "symlink rootfs:/dev/fd -> /proc/self/fd",
            "symlink rootfs:/dev/stdin -> /proc/self/fd/0",
            "symlink rootfs:/dev/stdout -> /proc/self/fd/1",
            "symlink rootfs:/dev/stderr -> /proc/self/fd/2",
            "symlink rootfs:/dev/core -> /proc/kcore",
            "symlink rootfs:/dev/ptmx -> pts/ptmx",
        ])
    }

    func testTerminalBundleGetsAConsole() throws {
        let k = kernel()
        var c = config(try bundleSpec("shell"), k)
        c.consoleSlavePath = "/dev/pts/7"
        try run(c)
        XCTAssertTrue(k.log(["mount"]).contains("mount /dev/pts/7 rootfs:/dev/console - 0x1000 -"), "\(k.log(["mount"]))")
        XCTAssertTrue(FileIO.exists(rootfs + "/dev/console"))
    }

    /// Masked files get the container's /dev/null bound over them, masked directories a read-only
    /// tmpfs; read-only paths are bound onto themselves and made read-only recursively; missing
    /// paths are skipped. All of it before pivot_root.
    func testMaskedAndReadonlyPaths() throws {
        let k = kernel()
        for d in ["proc/acpi", "proc/sys", "sys/firmware"] { dir.mkdir("rootfs/" + d) }
        dir.write("rootfs/proc/kcore", "")
        try run(config(try bundleSpec("busybox"), k))
        let log = k.log(Self.mountCalls)
        let pivot = log.firstIndex(of: "pivot_root rootfs:/ .")!
        let paths = Array(log[log.firstIndex(of: "mount rootfs:/proc/sys rootfs:/proc/sys - 0x5000 -")!..<log.firstIndex(of: "fchdir rootfs:/")!])
        XCTAssertEqual(paths, [
            "mount rootfs:/proc/sys rootfs:/proc/sys - 0x5000 -",
            "mount_setattr rootfs:/proc/sys 0x9000 set=0x1 clear=0x0",
            "mount tmpfs rootfs:/proc/acpi tmpfs 0x1 -",
            "mount rootfs:/dev/null rootfs:/proc/kcore - 0x1000 -",
            "mount tmpfs rootfs:/sys/firmware tmpfs 0x1 -",
        ])
        XCTAssertLessThan(log.firstIndex(of: paths.last!)!, pivot)
    }

    /// A masked path's /dev/null must be the null device: anything else there is refused.
    func testMaskedPathsRefuseAFakeDevNull() throws {
        let k = kernel()
        dir.mkdir("rootfs/proc")
        dir.write("rootfs/proc/kcore", "")
        var spec = try bundleSpec("busybox")
        spec.linux?.devices = [LinuxDevice(path: "/dev/null", type: "c", major: 1, minor: 5)]
        XCTAssertThrowsError(try run(config(spec, k))) { e in
            XCTAssertTrue("\(e)".contains("is character device 1:5, not the null device"), "\(e)")
        }
        XCTAssertFalse(k.log(["pivot_root"]).contains { $0.hasPrefix("pivot_root") }, "no pivot after the refusal")
    }

    func testNoPivotMovesTheRootAndChroots() throws {
        let k = kernel()
        try run(config(try bundleSpec("busybox"), k, noPivot: true))
        let log = k.log(Self.mountCalls)
        XCTAssertFalse(log.contains { $0.hasPrefix("pivot_root") })
        XCTAssertEqual(Array(log.suffix(5)), [
            "chdir rootfs:/",
            "mount rootfs:/ / - 0x2000 -",                             // MS_MOVE
            "chroot rootfs:/",
            "chdir /",
            "mount_setattr / 0x0 set=0x1 clear=0x0",
        ])
        // Before the move, the full procfs/sysfs mounts outside the rootfs (this process's own
        // /proc and /sys) are made rslave and detached, so none stays reachable in the namespace.
        let all = k.log(["mount", "umount2"])
        XCTAssertTrue(all.contains("umount2 /proc 0x2"), "\(all)")
        XCTAssertLessThan(all.firstIndex(of: "umount2 /proc 0x2") ?? .max, all.firstIndex { $0.hasPrefix("mount rootfs:/ / ") } ?? -1)
    }

    func testNoPivotFindsFullProcAndSysfsMountsOutsideTheRootfs() {
        let info = """
        22 1 0:21 / /proc rw,nosuid - proc proc rw
        23 22 0:22 / /proc/sys/fs/binfmt_misc rw - binfmt_misc binfmt_misc rw
        24 1 0:23 / /sys rw - sysfs sysfs rw
        25 1 0:24 / /run/with\\040space rw - proc proc rw
        30 1 0:21 /sys /mnt/procsys ro - proc proc rw
        31 1 8:1 / /srv rw - ext4 /dev/sda1 rw
        40 31 0:30 / /srv/rootfs/proc rw - proc proc rw
        41 31 0:31 / /srv/rootfs/sys ro - sysfs sysfs ro
        """
        XCTAssertEqual(PivotRoot.fullProcAndSysfs(mountinfo: info, outside: "/srv/rootfs"),
                       ["/run/with space", "/proc", "/sys"])
    }

    /// In a user namespace devices are the host's nodes bound onto empty files (no mknod), and a
    /// refused devpts gid= is retried without it.
    func testUserNamespaceContainer() throws {
        let k = kernel()
        k.failures = [(match: "mount devpts rootfs:/dev/pts devpts 0xa newinstance,ptmxmode=0666,mode=0620,gid=5", errno: EINVAL)]
        try run(config(try bundleSpec("busybox"), k, userns: true))
        XCTAssertEqual(k.log(["mknod"]), [])
        let mounts = k.log(["mount"])
        for d in ["null", "zero", "full", "random", "urandom", "tty"] {
            XCTAssertTrue(mounts.contains("mount /dev/\(d) rootfs:/dev/\(d) - 0x1000 -"), "\(d): \(mounts)")
        }
        XCTAssertTrue(mounts.contains("mount devpts rootfs:/dev/pts devpts 0xa newinstance,ptmxmode=0666,mode=0620"), "\(mounts)")
    }

    /// In a user namespace without its own network namespace sysfs cannot be mounted: the host's
    /// /sys is bound instead, read-only all the way down.
    func testUserNamespaceSysfsFallsBackToABind() throws {
        let k = kernel()
        k.failures = [(match: "mount sysfs rootfs:/sys sysfs", errno: EPERM)]
        var spec = try bundleSpec("busybox")
        spec.linux?.namespaces?.removeAll { $0.type == "network" }
        try run(config(spec, k, userns: true))
        let log = k.log(Self.mountCalls)
        let i = log.firstIndex(of: "mount /sys rootfs:/sys - 0x5000 -")
        XCTAssertNotNil(i, "\(log)")
        XCTAssertTrue(log.contains("mount_setattr rootfs:/sys 0x9000 set=0x1 clear=0x0"), "\(log)")
    }

    /// The error names the mount and the rootfs, and nothing after it is attempted.
    func testAFailedMountNamesItAndStops() throws {
        let k = kernel()
        k.failures = [(match: "mount shm", errno: ENOSPC)]
        XCTAssertThrowsError(try Rootfs.prepare(config(try bundleSpec("busybox"), k))) { e in
            XCTAssertEqual("\(e)", "mount shm to /dev/shm (in rootfs \(self.rootfs)): no space left on device")
        }
        XCTAssertEqual(k.log(["mount"]).last, "mount shm rootfs:/dev/shm tmpfs 0xe mode=1777,size=65536k")
    }

    func testRootfsPropagationShared() throws {
        let k = kernel()
        var spec = try bundleSpec("busybox")
        spec.linux?.rootfsPropagation = "rshared"
        try run(config(spec, k))
        XCTAssertEqual(k.log(["mount"]).first, "mount - / - 0x84000 -")
        XCTAssertEqual(k.log(["mount"]).last, "mount - / - 0x100000 -")   // MS_SHARED after the switch
    }

    func testBindMountsWithPerMountFlags() throws {
        let k = kernel()
        dir.mkdir("host")
        let s = try spec("""
        {"ociVersion": "1.3.0", "root": {"path": "rootfs"},
         "mounts": [{"destination": "/data", "type": "bind", "source": "host", "options": ["rbind", "ro", "nosuid"]}],
         "linux": {"namespaces": [{"type": "mount"}]}}
        """)
        try Rootfs.prepare(config(s, k))
        let log = k.log(["mount"])
        XCTAssertEqual(log[2], "mount \(dir.path)/host rootfs:/data - 0x5000 -")
        XCTAssertTrue(log[3].hasPrefix("mount - rootfs:/data - 0x") && log[3].contains("-"), "remount: \(log[3])")
        XCTAssertTrue(FileIO.isDirectory(rootfs + "/data"), "the mount point was made inside the rootfs")
    }
}
