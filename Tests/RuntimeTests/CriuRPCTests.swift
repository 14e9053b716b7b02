import XCTest
import Foundation
import OCISpec
@testable import Runtime

/// CRIU's RPC messages (rpc.proto) as swiftrun encodes and decodes them. The expected bytes were
/// produced by Google's protobuf from CRIU's own rpc_pb2 (Debian's criu, pycriu) for the same
/// field values, so the hand-written codec is checked against the reference implementation.
final class CriuRPCTests: XCTestCase {
    func testVersionRequest() {
        XCTAssertEqual(CriuRequest(type: .version).encoded(), [0x08, 0x0a])
    }

    func testDumpRequestMatchesProtobuf() {
        var o = CriuOpts()
        o.imagesDirFD = 5
        o.pid = 1234
        o.leaveRunning = true
        o.shellJob = false
        o.logLevel = 4
        o.logFile = "dump.log"
        o.pageServer = .init(address: "127.0.0.1", port: 27)
        o.notifyScripts = true
        o.root = "/r"
        o.workDirFD = -1
        o.extMounts = [.init(key: "/data", value: "/data")]
        o.manageCgroups = true
        o.cgroupRoots = [.init(controller: "", path: "/vmtest-x")]
        o.inheritFDs = [.init(key: "pipe:[77]", fd: 1)]
        o.manageCgroupsMode = .default
        o.external = ["net[4026531992]:extRootNetNS"]
        o.emptyNs = 0x4000_0000
        o.joinNs = [.init(ns: "uts", file: "/proc/1/ns/uts")]
        o.freezeCgroup = "/sys/fs/cgroup/x"
        o.orphanPtsMaster = true
        o.configFile = "/etc/criu/swiftrun.conf"
        let want: [UInt8] = [8, 1, 18, 219, 1, 8, 5, 16, 210, 9, 24, 1, 56, 0, 72, 4, 82, 8, 100, 117, 109, 112, 46, 108, 111, 103, 90, 13, 10, 9, 49, 50, 55, 46, 48, 46, 48, 46, 49, 16, 27, 96, 1, 106, 2, 47, 114, 136, 1, 255, 255, 255, 255, 255, 255, 255, 255, 255, 1, 186, 1, 14, 10, 5, 47, 100, 97, 116, 97, 18, 5, 47, 100, 97, 116, 97, 192, 1, 1, 202, 1, 13, 10, 0, 18, 9, 47, 118, 109, 116, 101, 115, 116, 45, 120, 218, 1, 13, 10, 9, 112, 105, 112, 101, 58, 91, 55, 55, 93, 16, 1, 144, 2, 6, 170, 2, 28, 110, 101, 116, 91, 52, 48, 50, 54, 53, 51, 49, 57, 57, 50, 93, 58, 101, 120, 116, 82, 111, 111, 116, 78, 101, 116, 78, 83, 176, 2, 128, 128, 128, 128, 4, 186, 2, 21, 10, 3, 117, 116, 115, 18, 14, 47, 112, 114, 111, 99, 47, 49, 47, 110, 115, 47, 117, 116, 115, 226, 2, 16, 47, 115, 121, 115, 47, 102, 115, 47, 99, 103, 114, 111, 117, 112, 47, 120, 144, 3, 1, 154, 3, 23, 47, 101, 116, 99, 47, 99, 114, 105, 117, 47, 115, 119, 105, 102, 116, 114, 117, 110, 46, 99, 111, 110, 102]
        XCTAssertEqual(CriuRequest(type: .dump, opts: o).encoded(), want)
    }

    func testNotifyAnswer() {
        XCTAssertEqual(CriuRequest(type: .notify, notifySuccess: true).encoded(), [0x08, 0x06, 0x18, 0x01])
    }

    func testDecodeVersionAnswer() throws {
        // What criu 3.17.1 answered to VERSION on this machine.
        let r = try CriuResponse.decode([0x08, 0x0a, 0x10, 0x01, 0x52, 0x06, 0x08, 0x03, 0x10, 0x11, 0x20, 0x01][...])
        XCTAssertEqual(r.requestType, .version)
        XCTAssertTrue(r.success)
        XCTAssertEqual(r.version?.number, 31701)
        XCTAssertEqual(r.version?.text, "3.17.1")
    }

    func testDecodeFailure() throws {
        // criu swrk's answer to a DUMP it could not start (cr_errno 56 after an empty dump_resp).
        let r = try CriuResponse.decode([0x08, 0x01, 0x10, 0x00, 0x1a, 0x02, 0x08, 0x00, 0x38, 0x38][...])
        XCTAssertEqual(r.requestType, .dump)
        XCTAssertFalse(r.success)
        XCTAssertEqual(r.dumpRestored, false)
        XCTAssertEqual(r.crErrno, 56)
    }

    func testDecodeNotifyAndRestore() throws {
        let n = try CriuResponse.decode([8, 6, 16, 1, 42, 17, 10, 12, 112, 111, 115, 116, 45, 114, 101, 115, 116, 111, 114, 101, 16, 146, 33][...])
        XCTAssertEqual(n.requestType, .notify)
        XCTAssertEqual(n.notifyScript, "post-restore")
        XCTAssertEqual(n.notifyPid, 4242)
        let r = try CriuResponse.decode([8, 2, 16, 1, 34, 2, 8, 99][...])
        XCTAssertEqual(r.restorePid, 99)
    }

    func testTruncatedInputIsAnError() {
        XCTAssertThrowsError(try CriuResponse.decode([0x08][...]))
        XCTAssertThrowsError(try CriuResponse.decode([0x4a, 0x05, 0x41][...]))
    }

    func testUnknownFieldsAreSkipped() throws {
        // field 99 (varint) and field 98 (fixed32) from a newer CRIU
        let r = try CriuResponse.decode([0x08, 0x02, 0x98, 0x06, 0x07, 0x95, 0x06, 1, 2, 3, 4, 0x10, 0x01][...])
        XCTAssertTrue(r.success)
    }

    func testCgroupModes() {
        XCTAssertEqual(CriuCgroupMode(flag: ""), .default)
        XCTAssertEqual(CriuCgroupMode(flag: "strict"), .strict)
        XCTAssertNil(CriuCgroupMode(flag: "bogus"))
    }
}

/// What is external to CRIU, from the config (runc's choices).
final class CriuExternalsTests: XCTestCase {
    func spec(_ json: String) throws -> Spec { try SpecLoader.decodeConfig(Array(json.utf8), file: "config.json") }

    func testDumpAndRestoreMounts() throws {
        let s = try spec("""
        {"ociVersion":"1.0.2","root":{"path":"rootfs"},
         "mounts":[{"destination":"/data/","type":"bind","source":"/srv/data","options":["rbind"]},
                   {"destination":"/etc/hosts","source":"hosts","options":["bind","ro"]},
                   {"destination":"/tmp","type":"tmpfs","source":"tmpfs"}],
         "linux":{"maskedPaths":["/proc/kcore","/proc/acpi"],
                  "devices":[{"path":"/dev/fuse","type":"c","major":10,"minor":229}]}}
        """)
        let dump = CriuExternals.dumpMounts(s) { $0 == "/proc/kcore" }
        XCTAssertEqual(dump.map { "\($0.key)=\($0.value)" }, [
            "/data=/data", "/etc/hosts=/etc/hosts", "/proc/kcore=/dev/null",
            "/dev/null=/dev/null", "/dev/zero=/dev/zero", "/dev/full=/dev/full", "/dev/random=/dev/random",
            "/dev/urandom=/dev/urandom", "/dev/tty=/dev/tty", "/dev/fuse=/dev/fuse", "/run/notify=/run/notify",
        ])
        let restore = CriuExternals.restoreMounts(s, bundle: "/b", notifyDir: "/state/c/notify")
        XCTAssertEqual(restore.map { "\($0.key)=\($0.value)" }, [
            "/data=/srv/data", "/etc/hosts=/b/hosts", "/dev/null=/dev/null", "/dev/zero=/dev/zero",
            "/dev/full=/dev/full", "/dev/random=/dev/random", "/dev/urandom=/dev/urandom", "/dev/tty=/dev/tty",
            "/dev/fuse=/dev/fuse", "/run/notify=/state/c/notify",
        ])
    }

    /// cgroup v1 / hybrid: the binds of the container's hierarchy directories under a `cgroup`
    /// mount are external (runc's getCgroupMounts binds), named by mount point at dump and mapped
    /// to the restoring container's own directories; on unified hosts there are none.
    func testCgroupV1BindsAreExternal() throws {
        let s = try spec("""
        {"ociVersion":"1.0.2","root":{"path":"rootfs"},
         "mounts":[{"destination":"/sys/fs/cgroup/","type":"cgroup","source":"cgroup","options":["ro"]},
                   {"destination":"/tmp","type":"tmpfs","source":"tmpfs"}]}
        """)
        let old = ["memory": "/sys/fs/cgroup/memory/ctr-a", "cpu": "/sys/fs/cgroup/cpu,cpuacct/ctr-a",
                   "cpuacct": "/sys/fs/cgroup/cpu,cpuacct/ctr-a", "": "/sys/fs/cgroup/unified/ctr-a"]
        let binds = CriuExternals.cgroupBinds(s, mode: .hybrid, paths: old)
        XCTAssertEqual(binds.map { "\($0.destination)=\($0.source)" }, [
            "/sys/fs/cgroup/unified=/sys/fs/cgroup/unified/ctr-a",
            "/sys/fs/cgroup/cpu,cpuacct=/sys/fs/cgroup/cpu,cpuacct/ctr-a",
            "/sys/fs/cgroup/memory=/sys/fs/cgroup/memory/ctr-a",
        ])
        XCTAssertEqual(CriuExternals.cgroupBinds(s, mode: .unified, paths: ["": "/sys/fs/cgroup/ctr-a"]), [])
        XCTAssertEqual(CriuExternals.cgroupBinds(s, mode: .legacy, paths: nil), [])

        // Through the options checkpoint and restore build (CriuFlags.criuOpts) and on the wire.
        var flags = CriuFlags()
        flags.fileLocks = true
        var dump = try flags.criuOpts(imagesDirFD: 5, workDirFD: -1,
                                      logFile: "dump.log", root: "/rootfs", spec: s)
        dump.extMounts = CriuExternals.dumpMounts(s, cgroupBinds: binds) { _ in false }
        XCTAssertEqual(Array(dump.extMounts.map { "\($0.key)=\($0.value)" }.prefix(3)), [
            "/sys/fs/cgroup/unified=/sys/fs/cgroup/unified", "/sys/fs/cgroup/cpu,cpuacct=/sys/fs/cgroup/cpu,cpuacct",
            "/sys/fs/cgroup/memory=/sys/fs/cgroup/memory",
        ])
        XCTAssertEqual(dump.fileLocks, true)
        XCTAssertEqual(dump.emptyNs, 0x4000_0000)
        XCTAssertNil(dump.workDirFD)
        let wire = CriuRequest(type: .dump, opts: dump).encoded()
        // ext_mnt (field 23, length-delimited): key "/sys/fs/cgroup/memory" twice (key and value)
        let key = Array("/sys/fs/cgroup/memory".utf8)
        let entry: [UInt8] = [0xba, 0x01, UInt8(2 * (key.count + 2))] + [0x0a, UInt8(key.count)] + key + [0x12, UInt8(key.count)] + key
        XCTAssertTrue(wire.indices.contains { wire[$0...].starts(with: entry) })

        let new = ["memory": "/sys/fs/cgroup/memory/ctr-b", "cpu": "/sys/fs/cgroup/cpu,cpuacct/ctr-b",
                   "": "/sys/fs/cgroup/unified/ctr-b"]
        var restore = try flags.criuOpts(imagesDirFD: 5, workDirFD: 7,
                                         logFile: "restore.log", root: "/state/criu-root", spec: s)
        restore.extMounts = CriuExternals.restoreMounts(s, bundle: "/b",
                                                        cgroupBinds: CriuExternals.cgroupBinds(s, mode: .hybrid, paths: new))
        XCTAssertEqual(Array(restore.extMounts.map { "\($0.key)=\($0.value)" }.prefix(3)), [
            "/sys/fs/cgroup/unified=/sys/fs/cgroup/unified/ctr-b",
            "/sys/fs/cgroup/cpu,cpuacct=/sys/fs/cgroup/cpu,cpuacct/ctr-b",
            "/sys/fs/cgroup/memory=/sys/fs/cgroup/memory/ctr-b",
        ])
        XCTAssertEqual(restore.workDirFD, 7)
        XCTAssertEqual(restore.logFile, "restore.log")
    }

    /// The flags both verbs share become the same criu_opts fields; bad values are refused.
    func testSharedOptions() throws {
        let s = try spec(#"{"ociVersion":"1.0.2","root":{"path":"rootfs"},"annotations":{"org.criu.config":"/etc/my.conf"}}"#)
        var f = CriuFlags()
        f.tcpEstablished = true
        f.extUnixSk = true
        f.shellJob = true
        f.lazyPages = true
        f.autoDedup = true
        f.manageCgroupsMode = "full"
        f.emptyNs = ["network"]
        let o = try f.criuOpts(imagesDirFD: 3, workDirFD: -1,
                               logFile: "x.log", root: "/r", spec: s)
        XCTAssertEqual([o.tcpEstablished, o.extUnixSk, o.shellJob, o.lazyPages, o.autoDedup, o.fileLocks,
                        o.manageCgroups, o.notifyScripts, o.orphanPtsMaster], [true, true, true, true, true, false, true, true, true])
        XCTAssertEqual(o.manageCgroupsMode, .full)
        XCTAssertEqual(o.logLevel, 4)
        XCTAssertEqual(o.configFile, "/etc/my.conf")
        f.manageCgroupsMode = "loose"
        XCTAssertThrowsError(try f.validate())
        f.manageCgroupsMode = ""
        f.emptyNs = ["pid"]
        XCTAssertThrowsError(try f.validate())
    }

    func testNamespaceNames() throws {
        XCTAssertEqual(CriuExternals.externalKey("network"), "extRootNetNS")
        XCTAssertEqual(CriuExternals.externalKey("pid"), "extRootPidNS")
        XCTAssertEqual(CriuExternals.criuName("mount"), "mnt")
        XCTAssertEqual(CriuExternals.criuName("uts"), "uts")
        let s = try spec("""
        {"ociVersion":"1.0.2","root":{"path":"rootfs"},
         "linux":{"namespaces":[{"type":"pid"},{"type":"network","path":"/run/netns/x"},{"type":"ipc","path":""}]}}
        """)
        XCTAssertEqual(CriuExternals.joinedNamespaces(s).map { "\($0.type):\($0.path)" }, ["network:/run/netns/x"])
    }

    func testClean() {
        XCTAssertEqual(CriuExternals.clean("data//x/./y/"), "/data/x/y")
        XCTAssertEqual(CriuExternals.clean("/../../etc"), "/etc")
    }

    func testLogErrorLines() throws {
        let p = NSTemporaryDirectory() + "/criu-log-\(getpid()).log"
        try "(00.1) ok\n(00.2) Error (criu/vdso.c:613): vdso: Failed to fill self vdso symtable\n(00.3) more\n"
            .write(toFile: p, atomically: true, encoding: .utf8)
        defer { unlink(p) }
        XCTAssertEqual(CriuLog.errors(at: p), "(00.2) Error (criu/vdso.c:613): vdso: Failed to fill self vdso symtable")
        XCTAssertNil(CriuLog.errors(at: p + ".missing"))
    }
}
