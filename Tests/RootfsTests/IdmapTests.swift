import XCTest
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import CShim
import LinuxSys
import OCISpec
@testable import Rootfs

/// Idmapped mounts: the mapping decision (pure) and real idmapped binds made in children with
/// their own mount namespace (and, for the runtime-prepared path, their own user namespace).
final class IdmapTests: XCTestCase {
    static let CLONE_NEWNS: UInt64 = 0x0002_0000
    static let CLONE_NEWUSER: UInt64 = 0x1000_0000

    func spec(_ json: String) throws -> Spec { try JSONDecoder().decode(Spec.self, from: Data(json.utf8)) }

    func mount(_ json: String) throws -> OCISpec.Mount { try JSONDecoder().decode(OCISpec.Mount.self, from: Data(json.utf8)) }

    // MARK: request(for:)

    func testMappingsWithoutOptionImplyIdmap() throws {
        let m = try mount(#"{"destination": "/m", "type": "bind", "source": "/x", "options": ["rbind"], "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 10}], "gidMappings": [{"containerID": 0, "hostID": 2000, "size": 10}]}"#)
        let r = try IdmappedMounts.request(for: m, plan: MountPlan.parse(m.options!), containerUID: nil,
                                           containerGID: nil, userNamespace: false)
        XCTAssertEqual(r?.uid, [LinuxIDMapping(containerID: 0, hostID: 1000, size: 10)])
        XCTAssertEqual(r?.gid, [LinuxIDMapping(containerID: 0, hostID: 2000, size: 10)])
        XCTAssertEqual(r?.recursive, false)
        XCTAssertEqual(IdmappedMounts.mapText(r!.uid), "0 1000 10\n")
    }

    func testRidmapIsRecursive() throws {
        let m = try mount(#"{"destination": "/m", "type": "bind", "source": "/x", "options": ["rbind", "ridmap"], "uidMappings": [{"containerID": 0, "hostID": 1, "size": 1}], "gidMappings": [{"containerID": 0, "hostID": 1, "size": 1}]}"#)
        XCTAssertEqual(try IdmappedMounts.request(for: m, plan: MountPlan.parse(m.options!), containerUID: nil,
                                                  containerGID: nil, userNamespace: false)?.recursive, true)
    }

    func testNoIdmapNoRequest() throws {
        let m = try mount(#"{"destination": "/m", "type": "bind", "source": "/x", "options": ["rbind"]}"#)
        XCTAssertNil(try IdmappedMounts.request(for: m, plan: MountPlan.parse(m.options!), containerUID: nil,
                                                containerGID: nil, userNamespace: true))
    }

    func testIdmapUsesContainerMapsInAUserNamespace() throws {
        let m = try mount(#"{"destination": "/m", "type": "bind", "source": "/x", "options": ["bind", "idmap"]}"#)
        let cu = [LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)]
        let r = try IdmappedMounts.request(for: m, plan: MountPlan.parse(m.options!), containerUID: cu,
                                           containerGID: cu, userNamespace: true)
        XCTAssertEqual(r?.uid, cu)
        XCTAssertThrowsError(try IdmappedMounts.request(for: m, plan: MountPlan.parse(m.options!), containerUID: cu,
                                                        containerGID: cu, userNamespace: false)) { e in
            XCTAssertTrue("\(e)".contains("needs the container to have a user namespace"), "\(e)")
        }
    }

    func testUidMappingsNeedGidMappings() throws {
        let m = try mount(#"{"destination": "/m", "type": "bind", "source": "/x", "options": ["bind", "idmap"], "uidMappings": [{"containerID": 0, "hostID": 1, "size": 1}]}"#)
        XCTAssertThrowsError(try IdmappedMounts.request(for: m, plan: MountPlan.parse(m.options!), containerUID: nil,
                                                        containerGID: nil, userNamespace: false)) { e in
            XCTAssertTrue("\(e)".contains("must be given together"), "\(e)")
        }
    }

    func testAttributesFromOptions() {
        let a = IdmappedMounts.attributes(MountPlan.parse(["bind", "ro", "nosuid", "exec", "noatime"]))
        XCTAssertEqual(a.set, MountAttr.rdonly | MountAttr.nosuid | MountAttr.noatime)
        XCTAssertEqual(a.clear, MountAttr.noexec | MountAttr.atimeMask)
    }

    // MARK: real mounts

    /// Runs `body` in a clone3 child with `flags`; `beforeRun` runs in the parent once the child
    /// exists and before it continues (e.g. to write its id maps).
    func inChild(flags: UInt64, beforeRun: (pid_t) -> Void = { _ in },
                 _ body: (_ say: (String) -> Void) -> Int32) -> (code: Int32, message: String) {
        var out: [Int32] = [0, 0], go: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&out), 0)
        XCTAssertEqual(pipe(&go), 0)
        var pidfd: Int32 = -1
        let pid = sr_clone3(flags, &pidfd, -1)
        if pid == 0 {
            close(out[0]); close(go[1])
            var b: UInt8 = 0
            _ = read(go[0], &b, 1)
            let code = body { msg in _ = try? FileIO.writeAll(fd: out[1], Array((msg + "\n").utf8)) }
            _exit(code)
        }
        close(out[1]); close(go[0])
        XCTAssertGreaterThan(pid, 0, "clone3: \(errno)")
        beforeRun(pid)
        var b: UInt8 = 1
        _ = write(go[1], &b, 1)
        close(go[1])
        let bytes = (try? FileIO.readAll(fd: out[0])) ?? []
        close(out[0])
        if pidfd >= 0 { close(pidfd) }
        let st = (try? Proc.wait(pid)) ?? nil
        return (st?.code ?? -1, String(decoding: bytes, as: UTF8.self))
    }

    func owner(_ path: String) -> (uid_t, gid_t)? {
        var st = stat()
        return lstat(path, &st) == 0 ? (st.st_uid, st.st_gid) : nil
    }

    /// A bundle dir with rootfs/ and a host dir owned by 1000:1000 holding a file of 1000:1000.
    func makeBundle() -> TempDir {
        let dir = TempDir()
        dir.mkdir("rootfs")
        dir.mkdir("host/sub")
        dir.write("host/f", "x")
        dir.write("host/root-owned", "y")
        for p in ["host", "host/f", "host/sub"] { chown(dir.path + "/" + p, 1000, 1000) }
        return dir
    }

    func testIdmappedBindShowsMappedOwnerInsideTheInit() throws {
        guard geteuid() == 0 else { throw XCTSkip("needs root") }
        let dir = makeBundle()
        defer { dir.cleanup() }
        // Disk uid/gid 1000 shows as 0 through the mount ("containerID" = on disk, "hostID" = seen).
        let s = try spec("""
        {"ociVersion": "1.3.0", "root": {"path": "rootfs"},
         "mounts": [{"destination": "/mnt", "type": "bind", "source": "host", "options": ["bind", "idmap", "nosuid"],
                     "uidMappings": [{"containerID": 1000, "hostID": 0, "size": 1}],
                     "gidMappings": [{"containerID": 1000, "hostID": 0, "size": 1}]}],
         "linux": {"namespaces": [{"type": "mount"}]}}
        """)
        let cfg = RootfsConfig(spec: s, bundle: dir.path, rootfs: dir.path + "/rootfs", noPivot: false,
                               inNewUserNamespace: false, newMountNamespace: true, cgroupNamespace: false)
        let mnt = dir.path + "/rootfs/mnt"
        let r = inChild(flags: Self.CLONE_NEWNS) { say in
            do { try Rootfs.prepare(cfg) } catch { say("prepare: \(error)"); return 1 }
            guard let o = owner(mnt + "/f") else { say("no \(mnt)/f"); return 2 }
            if o != (0, 0) { say("f shows as \(o), want (0, 0)"); return 3 }
            guard let d = owner(mnt + "/sub"), d == (0, 0) else { say("sub not mapped"); return 4 }
            // Unmapped on-disk ids (root here) show as the overflow id.
            guard let ro = owner(mnt + "/root-owned"), ro.0 == 65534 else { say("root-owned not overflow"); return 5 }
            // A file created through the mount by uid 0 lands on disk as 1000.
            let fd = open(mnt + "/new", O_WRONLY | O_CREAT | O_EXCL, 0o644)
            if fd < 0 { say("create through the idmapped mount: errno \(errno)"); return 6 }
            close(fd)
            return 0
        }
        XCTAssertEqual(r.code, 0, r.message)
        // Outside the mount nothing changed; the new file is owned by 1000 on disk.
        XCTAssertTrue(owner(dir.path + "/host/f")! == (1000, 1000))
        XCTAssertTrue(owner(dir.path + "/host/new").map { $0 == (1000, 1000) } ?? false, "\(String(describing: owner(dir.path + "/host/new")))")
    }

    func testIdmappedTmpfs() throws {
        guard geteuid() == 0 else { throw XCTSkip("needs root") }
        let dir = makeBundle()
        defer { dir.cleanup() }
        let s = try spec("""
        {"ociVersion": "1.3.0", "root": {"path": "rootfs"},
         "mounts": [{"destination": "/t", "type": "tmpfs", "source": "tmpfs", "options": ["idmap", "mode=755"],
                     "uidMappings": [{"containerID": 0, "hostID": 1234, "size": 1}],
                     "gidMappings": [{"containerID": 0, "hostID": 1234, "size": 1}]}],
         "linux": {"namespaces": [{"type": "mount"}]}}
        """)
        let cfg = RootfsConfig(spec: s, bundle: dir.path, rootfs: dir.path + "/rootfs", noPivot: false,
                               inNewUserNamespace: false, newMountNamespace: true, cgroupNamespace: false)
        let t = dir.path + "/rootfs/t"
        let r = inChild(flags: Self.CLONE_NEWNS) { say in
            do { try Rootfs.prepare(cfg) } catch { say("prepare: \(error)"); return 1 }
            var m: UInt64 = 0
            guard sr_statfs(-1, t, &m, nil) == 0, m == 0x0102_1994 else { say("/t is not tmpfs"); return 2 }
            guard let o = owner(t), o == (1234, 1234) else { say("tmpfs root shows as \(String(describing: owner(t)))"); return 3 }
            return 0
        }
        XCTAssertEqual(r.code, 0, r.message)
    }

    /// The runtime prepares the idmapped bind (host context); an init in a new user namespace
    /// only moves it into place. Disk uid 0 -> 100000 on the host -> 0 in the container.
    func testPreparedMountMovedByAUserNamespaceInit() throws {
        guard geteuid() == 0 else { throw XCTSkip("needs root") }
        let dir = makeBundle()
        defer { dir.cleanup() }
        chmod(dir.path, 0o755)
        let s = try spec("""
        {"ociVersion": "1.3.0", "root": {"path": "rootfs"},
         "mounts": [{"destination": "/mnt", "type": "bind", "source": "host", "options": ["rbind", "idmap"]}],
         "linux": {"namespaces": [{"type": "mount"}, {"type": "user"}],
                   "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
                   "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}]}}
        """)
        let fds = try IdmappedMounts.prepare(spec: s, bundle: dir.path, userNamespace: true)
        XCTAssertEqual(Array(fds.keys), [0])
        var cfg = RootfsConfig(spec: s, bundle: dir.path, rootfs: dir.path + "/rootfs", noPivot: false,
                               inNewUserNamespace: true, newMountNamespace: true, cgroupNamespace: false)
        cfg.idmappedMountFDs = fds.rawValues
        var unprepared = cfg
        unprepared.idmappedMountFDs = [:]
        let mnt = dir.path + "/rootfs/mnt"
        let writeMaps: (pid_t) -> Void = { pid in
            try? FileIO.write("/proc/\(pid)/uid_map", "0 100000 65536\n")
            try? FileIO.write("/proc/\(pid)/gid_map", "0 100000 65536\n")
        }
        let r = inChild(flags: Self.CLONE_NEWUSER | Self.CLONE_NEWNS, beforeRun: writeMaps) { say in
            do { try Rootfs.prepare(cfg) } catch { say("prepare: \(error)"); return 1 }
            // Disk 0 -> kuid 100000 -> 0 here; disk 1000 -> kuid 101000 -> 1000 here.
            guard let ro = owner(mnt + "/root-owned"), ro == (0, 0) else {
                say("root-owned shows as \(String(describing: owner(mnt + "/root-owned")))"); return 2
            }
            guard let f = owner(mnt + "/f"), f == (1000, 1000) else { say("f shows as \(String(describing: owner(mnt + "/f")))"); return 3 }
            return 0
        }
        XCTAssertEqual(r.code, 0, r.message)

        // Without the runtime's help the init cannot idmap a host filesystem: a clear error.
        let r2 = inChild(flags: Self.CLONE_NEWUSER | Self.CLONE_NEWNS, beforeRun: writeMaps) { say in
            do { try Rootfs.prepare(unprepared); return 1 } catch { say("\(error)"); return 0 }
        }
        XCTAssertEqual(r2.code, 0, r2.message)
        XCTAssertTrue(r2.message.contains("must be prepared by the runtime"), r2.message)
        _ = consume fds  // open until the children are done with the numbers
    }
}
