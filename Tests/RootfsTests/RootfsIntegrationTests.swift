import XCTest
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import CShim
import LinuxSys
import OCISpec
@testable import Rootfs

/// Runs Rootfs.prepare + finalize for real, in a child created with clone3(CLONE_NEWNS) so
/// nothing touches the host's mounts. The child checks the result from inside and reports
/// through its exit code and a pipe carrying a message.
final class RootfsIntegrationTests: XCTestCase {
    static let CLONE_NEWNS: UInt64 = 0x0002_0000

    /// Forks into a new mount namespace; `body` returns the exit code or a failure message.
    func inMountNamespace(_ body: (_ say: (String) -> Void) -> Int32) -> (code: Int32, message: String) {
        var p: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&p), 0)
        var pidfd: Int32 = -1
        let pid = sr_clone3(Self.CLONE_NEWNS, &pidfd, -1)
        if pid == 0 {
            close(p[0])
            let code = body { msg in _ = try? FileIO.writeAll(fd: p[1], Array((msg + "\n").utf8)) }
            _exit(code)
        }
        close(p[1])
        XCTAssertGreaterThan(pid, 0, "clone3: \(errno)")
        let out = (try? FileIO.readAll(fd: p[0])) ?? []
        close(p[0])
        if pidfd >= 0 { close(pidfd) }
        let st = (try? Proc.wait(pid)) ?? nil
        return (st?.code ?? -1, String(decoding: out, as: UTF8.self))
    }

    func makeSpec(_ json: String) throws -> Spec {
        try JSONDecoder().decode(Spec.self, from: Data(json.utf8))
    }

    func buildRootfs(_ dir: TempDir) {
        for d in ["rootfs/bin", "rootfs/etc", "rootfs/proc", "rootfs/secret", "rootfs/opt", "rootfs/tmp", "host"] {
            dir.mkdir(d)
        }
        dir.write("rootfs/etc/hostname", "container\n")
        dir.write("rootfs/secret/key", "s3cret")
        dir.write("rootfs/opt/file", "hello")
        dir.write("host/marker", "from-host")
        if let bb = try? FileIO.read("/bin/busybox") {
            let fd = open(dir.path + "/rootfs/bin/busybox", O_WRONLY | O_CREAT | O_TRUNC, 0o755)
            try? FileIO.writeAll(fd: fd, bb)
            close(fd)
        }
    }

    func specJSON(_ dir: TempDir, outsideName: String) -> String {
        """
        {"ociVersion": "1.3.0", "root": {"path": "rootfs", "readonly": true},
         "process": {"cwd": "/", "user": {"uid": 0, "gid": 0}, "args": ["sh"]},
         "mounts": [
           {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]},
           {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
           {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
            "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
           {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777"]},
           {"destination": "tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=1777"]},
           {"destination": "/evil", "type": "tmpfs", "source": "tmpfs"},
           {"destination": "/opt", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup"]},
           {"destination": "/data", "type": "bind", "source": "\(dir.path)/host", "options": ["rbind", "ro", "nosuid"]},
           {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
           {"destination": "/data-file", "source": "host/marker", "options": ["bind"]}
         ],
         "linux": {
           "namespaces": [{"type": "mount"}],
           "devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438}],
           "maskedPaths": ["/proc/kcore", "/proc/timer_list", "/secret", "/does/not/exist"],
           "readonlyPaths": ["/proc/sys", "/etc"]
         }}
        """
    }

    func testPrepareAndFinalizeInMountNamespace() throws { try runScenario(noPivot: false) }
    func testNoPivot() throws { try runScenario(noPivot: true) }

    func runScenario(noPivot: Bool) throws {
        guard geteuid() == 0 else { throw XCTSkip("needs root") }
        let dir = TempDir()
        defer { dir.cleanup() }
        buildRootfs(dir)
        let outsideName = "swiftrun-outside-\(getpid())"
        dir.symlink("/tmp/" + outsideName, "rootfs/evil")
        let spec = try makeSpec(specJSON(dir, outsideName: outsideName))
        let cfg = RootfsConfig(spec: spec, bundle: dir.path, rootfs: dir.path + "/rootfs", noPivot: noPivot,
                               inNewUserNamespace: false, newMountNamespace: true, cgroupNamespace: false)
        let hasBusybox = FileIO.exists(dir.path + "/rootfs/bin/busybox")

        let r = inMountNamespace { say in
            do { try Rootfs.prepare(cfg) } catch { say("prepare: \(error)"); return 1 }
            do { try Rootfs.finalize(cfg) } catch { say("finalize: \(error)"); return 2 }
            return Self.checkInside(say, outsideName: outsideName, busybox: hasBusybox)
        }
        XCTAssertEqual(r.code, 0, r.message)
        XCTAssertFalse(FileIO.exists("/tmp/" + outsideName), "the /evil mount escaped the rootfs")
        XCTAssertTrue(FileIO.exists(dir.path + "/rootfs/tmp") )
    }

    static func magic(_ path: String) -> UInt64 {
        var m: UInt64 = 0
        return sr_statfs(-1, path, &m, nil) == 0 ? m : 0
    }

    static func isChar(_ path: String, _ major: UInt64, _ minor: UInt64) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFCHR else { return false }
        return UInt64(st.st_rdev) == ((major & 0xfff) << 8 | (minor & 0xff))
    }

    static func writeFails(_ path: String, with e: Int32) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT, 0o644)
        if fd >= 0 { close(fd); return false }
        return errno == e
    }

    /// Runs in the container child after finalize; returns 0 when everything is in place.
    static func checkInside(_ say: (String) -> Void, outsideName: String, busybox: Bool, userns: Bool = false) -> Int32 {
        var a = stat(), b = stat()
        if stat(".", &a) != 0 || stat("/", &b) != 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev {
            say("cwd is not /"); return 10
        }
        if magic("/proc") != 0x9fa0 { say("/proc is not procfs"); return 3 }
        if magic("/tmp") != 0x0102_1994 { say("/tmp is not tmpfs"); return 4 }
        if magic("/dev/pts") != 0x1cd1 { say("/dev/pts is not devpts"); return 4 }
        if magic("/tmp/" + outsideName) != 0x0102_1994 { say("/evil tmpfs not at /tmp/\(outsideName)"); return 11 }
        if !isChar("/proc/timer_list", 1, 3) { say("/proc/timer_list not masked by /dev/null"); return 5 }
        if magic("/secret") != 0x0102_1994 || FileIO.exists("/secret/key") { say("/secret not masked"); return 6 }
        if !writeFails("/secret/x", with: EROFS) { say("/secret mask is writable"); return 6 }
        if !writeFails("/etc/newfile", with: EROFS) { say("/etc not read-only"); return 7 }
        if !writeFails("/proc/sys/kernel/hostname", with: EROFS) { say("/proc/sys not read-only"); return 7 }
        if !writeFails("/newfile", with: EROFS) { say("/ not read-only"); return 8 }
        if writeFails("/tmp/ok", with: EROFS) { say("/tmp should stay writable"); return 8 }
        if !isChar("/dev/null", 1, 3) || !isChar("/dev/zero", 1, 5) || !isChar("/dev/tty", 5, 0) {
            say("default devices missing"); return 9
        }
        if !isChar("/dev/fuse", 10, 229) { say("/dev/fuse missing"); return 9 }
        var st = stat()
        if !userns, stat("/dev/fuse", &st) != 0 || st.st_mode & 0o777 != 0o666 { say("/dev/fuse mode \(String(st.st_mode, radix: 8))"); return 9 }
        if SafePath.readLink(AT_FDCWD, "/dev/ptmx") != "pts/ptmx" || SafePath.readLink(AT_FDCWD, "/dev/fd") != "/proc/self/fd" {
            say("/dev symlinks missing"); return 9
        }
        if (try? FileIO.readString("/opt/file")) != "hello" || magic("/opt") != 0x0102_1994 { say("tmpcopyup failed"); return 12 }
        if (try? FileIO.readString("/data/marker")) != "from-host" { say("/data bind missing"); return 13 }
        if !writeFails("/data/x", with: EROFS) { say("/data not read-only"); return 13 }
        if (try? FileIO.readString("/data-file")) != "from-host" { say("/data-file bind missing"); return 13 }
        if FileIO.exists("/does") { say("missing masked path was created"); return 6 }
        if userns && magic("/sys") != 0x6265_6572 { say("/sys is not sysfs (rbind fallback)"); return 15 }
        if busybox {
            let script = "test -c /dev/null && test -L /dev/fd && test -d /proc/self && test -f /etc/hostname"
            let e = Proc.exec(path: "/bin/busybox", args: ["busybox", "sh", "-c", script], env: ["PATH=/bin"])
            say("exec busybox: \(e)")
            return 14
        }
        return 0
    }

    /// The user-namespace paths: devices are bind-mounted from the host, sysfs (no network
    /// namespace) falls back to an rbind of /sys, proc needs the new PID namespace.
    func testInUserNamespace() throws {
        guard geteuid() == 0 else { throw XCTSkip("needs root") }
        let dir = TempDir()
        defer { dir.cleanup() }
        buildRootfs(dir)
        let outsideName = "swiftrun-outside-u\(getpid())"
        dir.symlink("/tmp/" + outsideName, "rootfs/evil")
        let spec = try makeSpec(specJSON(dir, outsideName: outsideName))
        let cfg = RootfsConfig(spec: spec, bundle: dir.path, rootfs: dir.path + "/rootfs", noPivot: false,
                               inNewUserNamespace: true, newMountNamespace: true, cgroupNamespace: false)
        let hasBusybox = FileIO.exists(dir.path + "/rootfs/bin/busybox")
        var gate: [Int32] = [0, 0], out: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&gate), 0)
        XCTAssertEqual(pipe(&out), 0)
        var pidfd: Int32 = -1
        let CLONE_NEWUSER: UInt64 = 0x1000_0000, CLONE_NEWPID: UInt64 = 0x2000_0000
        let pid = sr_clone3(CLONE_NEWUSER | CLONE_NEWPID | Self.CLONE_NEWNS, &pidfd, -1)
        if pid == 0 {
            close(gate[1]); close(out[0])
            var b: UInt8 = 0
            _ = read(gate[0], &b, 1)   // wait for the uid/gid maps
            let say: (String) -> Void = { msg in _ = try? FileIO.writeAll(fd: out[1], Array((msg + "\n").utf8)) }
            do { try Rootfs.prepare(cfg) } catch { say("prepare: \(error)"); _exit(1) }
            do { try Rootfs.finalize(cfg) } catch { say("finalize: \(error)"); _exit(2) }
            _exit(Self.checkInside(say, outsideName: outsideName, busybox: hasBusybox, userns: true))
        }
        close(gate[0]); close(out[1])
        XCTAssertGreaterThan(pid, 0)
        try FileIO.write("/proc/\(pid)/uid_map", "0 0 65536")
        try FileIO.write("/proc/\(pid)/setgroups", "deny")
        try FileIO.write("/proc/\(pid)/gid_map", "0 0 65536")
        close(gate[1])
        let msg = String(decoding: (try? FileIO.readAll(fd: out[0])) ?? [], as: UTF8.self)
        close(out[0])
        if pidfd >= 0 { close(pidfd) }
        let st = try Proc.wait(pid)
        XCTAssertEqual(st?.code, 0, msg)
        XCTAssertFalse(FileIO.exists("/tmp/" + outsideName))
    }

    func testMountErrorNamesTheMount() throws {
        guard geteuid() == 0 else { throw XCTSkip("needs root") }
        let dir = TempDir()
        defer { dir.cleanup() }
        dir.mkdir("rootfs")
        let spec = try makeSpec("""
        {"ociVersion": "1.3.0", "root": {"path": "rootfs"},
         "mounts": [{"destination": "/bad", "type": "nosuchfs", "source": "thing"}]}
        """)
        let cfg = RootfsConfig(spec: spec, bundle: dir.path, rootfs: dir.path + "/rootfs", noPivot: false,
                               inNewUserNamespace: false, newMountNamespace: true, cgroupNamespace: false)
        let r = inMountNamespace { say in
            do { try Rootfs.prepare(cfg); return 1 } catch let e as RootfsError {
                say(e.description); return e.errno == ENODEV ? 0 : 2
            } catch { say("\(error)"); return 3 }
        }
        XCTAssertEqual(r.code, 0, r.message)
        XCTAssertEqual(r.message, "mount thing to /bad (in rootfs \(dir.path)/rootfs): no such device\n")
    }

    func testIdmapIsAClearError() throws {
        guard geteuid() == 0 else { throw XCTSkip("needs root") }
        let dir = TempDir()
        defer { dir.cleanup() }
        dir.mkdir("rootfs")
        let spec = try makeSpec("""
        {"ociVersion": "1.3.0", "root": {"path": "rootfs"},
         "mounts": [{"destination": "/m", "type": "bind", "source": "/tmp", "options": ["rbind", "idmap"]}]}
        """)
        let cfg = RootfsConfig(spec: spec, bundle: dir.path, rootfs: dir.path + "/rootfs", noPivot: false,
                               inNewUserNamespace: false, newMountNamespace: true, cgroupNamespace: false)
        let r = inMountNamespace { say in
            do { try Rootfs.prepare(cfg); return 1 } catch { say("\(error)"); return 0 }
        }
        XCTAssertEqual(r.code, 0)
        // idmap without mappings and without a user namespace: an error (config.md "idmap").
        XCTAssertTrue(r.message.contains("needs the container to have a user namespace"), r.message)
    }
}
