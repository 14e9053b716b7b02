import XCTest
@testable import OCISpec

final class SpecValidatorTests: XCTestCase {
    /// A valid base config (runc's default) to mutate.
    var base: Spec { DefaultSpec.make(rootless: false) }

    func assertInvalid(_ spec: Spec, _ message: String,
                       file: StaticString = #filePath, line: UInt = #line) {
        assertSpecError(message, file: file, line: line) { try SpecValidator.validate(spec) }
    }

    func testAcceptedVersions() throws {
        for v in ["1.0.0", "1.0.0-rc1", "1.0.0-rc5-dev", "1.0.2-dev", "1.1.0", "1.2.1", "1.3.0", "1.10.0+build.7"] {
            var s = base
            s.ociVersion = v
            XCTAssertNoThrow(try SpecValidator.validate(s), v)
        }
    }

    func testUnsupportedMajorVersion() {
        var s = base
        s.ociVersion = "2.0.0"
        assertInvalid(s, "config.json: ociVersion: unsupported version \"2.0.0\" (expected 1.x.y)")
        s.ociVersion = "0.5.0-dev"
        assertInvalid(s, "config.json: ociVersion: unsupported version \"0.5.0-dev\" (expected 1.x.y)")
    }

    func testGarbageVersion() {
        for v in ["", "1", "1.0", "v1.0.0", "1.0.0.0", "1.x.0", "1.0.0-", "banana"] {
            var s = base
            s.ociVersion = v
            assertInvalid(s, "config.json: ociVersion: invalid version \"\(v)\" (expected 1.x.y)")
        }
    }

    /// The byte scan of `parseVersion` against the forms it must accept and refuse.
    func testParseVersionForms() {
        XCTAssertTrue(SpecValidator.parseVersion("1.3.0")! == (1, 3, 0))
        XCTAssertTrue(SpecValidator.parseVersion("10.200.3000")! == (10, 200, 3000))
        XCTAssertTrue(SpecValidator.parseVersion("1.0.2-dev+g1.x-y")! == (1, 0, 2))
        XCTAssertTrue(SpecValidator.parseVersion("1.0.0+build")! == (1, 0, 0))
        XCTAssertTrue(SpecValidator.parseVersion("123456789.0.0")! == (123_456_789, 0, 0))
        for v in ["1234567890.0.0", "1..0", ".1.0", "1.0.", "1.0.0.", "1.0-rc1.0", "1.0.0+", "1.0.0-é",
                  "1.0.0-a b", "１.0.0", "1.0.0\u{301}", "-1.0.0", " 1.0.0"] {
            XCTAssertNil(SpecValidator.parseVersion(v), v)
        }
    }

    /// config.md: process is REQUIRED only when `start` is called; `create` accepts a config without it.
    func testMissingProcessIsValid() throws {
        var s = base
        s.process = nil
        XCTAssertEqual(try SpecValidator.validate(s), [])
    }

    func testMissingRoot() {
        var s = base
        s.root = nil
        assertInvalid(s, "config.json: root: required")
    }

    func testEmptyArgs() {
        var s = base
        s.process?.args = []
        assertInvalid(s, "config.json: process.args: must not be empty")
        s.process?.args = nil
        assertInvalid(s, "config.json: process.args: must not be empty")
    }

    func testRelativeCwd() {
        var s = base
        s.process?.cwd = "work"
        assertInvalid(s, "config.json: process.cwd: must be an absolute path, got \"work\"")
    }

    func testDuplicateNamespace() {
        var s = base
        s.linux?.namespaces?.append(LinuxNamespace(type: "pid"))
        assertInvalid(s, "config.json: linux.namespaces[5].type: duplicate namespace type \"pid\"")
    }

    func testUnknownNamespace() {
        var s = base
        s.linux?.namespaces?[3] = LinuxNamespace(type: "foo")
        assertInvalid(s, "config.json: linux.namespaces[3].type: unknown namespace type \"foo\"")
    }

    func testUnknownNamespaceDecodesThenFailsValidation() throws {
        let json = #"{"ociVersion":"1.3.0","root":{"path":"rootfs"},"process":{"cwd":"/","args":["sh"]},"linux":{"namespaces":[{"type":"pid"},{"type":"bogus"}]}}"#
        let s = try SpecLoader.decodeConfig(bytes(json))
        assertInvalid(s, "config.json: linux.namespaces[1].type: unknown namespace type \"bogus\"")
    }

    func testRelativeNamespacePath() {
        var s = base
        s.linux?.namespaces?[1] = LinuxNamespace(type: "network", path: "proc/1/ns/net")
        assertInvalid(s, "config.json: linux.namespaces[1].path: must be an absolute path, got \"proc/1/ns/net\"")
    }

    func testUnknownRlimit() {
        var s = base
        s.process?.rlimits?.append(POSIXRlimit(type: "RLIMIT_FOO", hard: 1, soft: 1))
        assertInvalid(s, "config.json: process.rlimits[1].type: unknown rlimit type \"RLIMIT_FOO\"")
    }

    func testDuplicateRlimit() {
        var s = base
        s.process?.rlimits?.append(POSIXRlimit(type: "RLIMIT_NOFILE", hard: 10, soft: 10))
        assertInvalid(s, "config.json: process.rlimits[1].type: duplicate rlimit type \"RLIMIT_NOFILE\"")
    }

    func testRlimitSoftAboveHard() {
        var s = base
        s.process?.rlimits = [POSIXRlimit(type: "RLIMIT_CORE", hard: 1024, soft: 2048)]
        assertInvalid(s, "config.json: process.rlimits[0]: soft limit 2048 exceeds hard limit 1024")
    }

    func testAllRlimitTypesAccepted() {
        var s = base
        s.process?.rlimits = SpecValidator.rlimitTypes.sorted().map { POSIXRlimit(type: $0, hard: 5, soft: 5) }
        XCTAssertNoThrow(try SpecValidator.validate(s))
        XCTAssertEqual(SpecValidator.rlimitTypes.count, 16)
    }

    func testMappingsWithoutUserNamespace() {
        var s = base
        s.linux?.uidMappings = [LinuxIDMapping(containerID: 0, hostID: 1000, size: 1)]
        assertInvalid(s, "config.json: linux.uidMappings: user namespace mappings specified, but user namespace isn't enabled in the config")
        s.linux?.uidMappings = nil
        s.linux?.gidMappings = [LinuxIDMapping(containerID: 0, hostID: 1000, size: 1)]
        assertInvalid(s, "config.json: linux.gidMappings: user namespace mappings specified, but user namespace isn't enabled in the config")
    }

    func testNewUserNamespaceWithoutMappings() throws {
        var s = base
        s.linux?.namespaces?.append(LinuxNamespace(type: "user"))
        assertInvalid(s, "config.json: linux.uidMappings: user namespaces enabled, but no user mapping found")
        s.linux?.uidMappings = [LinuxIDMapping(containerID: 0, hostID: 1000, size: 1)]
        assertInvalid(s, "config.json: linux.gidMappings: user namespaces enabled, but no group mapping found")
        // Joining an existing user namespace needs no mappings.
        s.linux?.uidMappings = nil
        s.linux?.namespaces?[5].path = "/proc/1/ns/user"
        XCTAssertNoThrow(try SpecValidator.validate(s))
    }

    func testTimeOffsetsWithoutTimeNamespace() {
        var s = base
        s.linux?.timeOffsets = ["monotonic": LinuxTimeOffset(secs: 10, nanosecs: 0)]
        assertInvalid(s, "config.json: linux.timeOffsets: time offsets specified, but no time namespace in the config")
        s.linux?.namespaces?.append(LinuxNamespace(type: "time", path: "/proc/1/ns/time"))
        assertInvalid(s, "config.json: linux.timeOffsets: time offsets cannot be set when joining an existing time namespace")
        s.linux?.namespaces?[5].path = nil
        XCTAssertNoThrow(try SpecValidator.validate(s))
    }

    func testUnknownTimeOffsetClock() {
        var s = base
        s.linux?.namespaces?.append(LinuxNamespace(type: "time"))
        s.linux?.timeOffsets = ["realtime": LinuxTimeOffset(secs: 1)]
        assertInvalid(s, "config.json: linux.timeOffsets.realtime: unknown clock \"realtime\" (expected boottime or monotonic)")
    }

    func testHostnameWithoutUTSNamespace() {
        var s = base
        s.linux?.namespaces?.removeAll { $0.type == "uts" }
        assertInvalid(s, "config.json: hostname: unable to set hostname without a private UTS namespace")
        s.linux?.namespaces?.append(LinuxNamespace(type: "uts", path: "/proc/1/ns/uts"))
        XCTAssertNoThrow(try SpecValidator.validate(s))  // a joined UTS namespace: set there
    }

    func testMaskedAndReadonlyPathsNeedAMountNamespace() {
        var s = base
        s.linux?.namespaces?.removeAll { $0.type == "mount" }
        assertInvalid(s, "config.json: linux.maskedPaths: unable to restrict sys entries without a private MNT namespace")
        s.linux?.maskedPaths = nil
        assertInvalid(s, "config.json: linux.readonlyPaths: unable to restrict sys entries without a private MNT namespace")
        s.linux?.readonlyPaths = []
        XCTAssertNoThrow(try SpecValidator.validate(s))  // the runtime's mount namespace is inherited
    }

    func testDomainnameWithoutUTSNamespace() {
        var s = base
        s.hostname = nil
        s.domainname = "example.test"
        s.linux?.namespaces?.removeAll { $0.type == "uts" }
        assertInvalid(s, "config.json: domainname: unable to set domainname without a private UTS namespace")
    }

    func testNetSysctlNeedsNetworkNamespace() throws {
        var s = base
        s.linux?.sysctl = ["net.ipv4.ip_forward": "1"]
        XCTAssertNoThrow(try SpecValidator.validate(s))
        s.linux?.namespaces?.removeAll { $0.type == "network" }
        assertInvalid(s, "config.json: linux.sysctl[\"net.ipv4.ip_forward\"]: sysctl \"net.ipv4.ip_forward\" is not allowed in the host's network namespace")
    }

    func testIPCSysctlNeedsIPCNamespace() throws {
        var s = base
        s.linux?.sysctl = ["kernel.shmmax": "1", "fs.mqueue.msg_max": "10", "kernel/msgmax": "5"]
        XCTAssertNoThrow(try SpecValidator.validate(s))
        s.linux?.namespaces?.removeAll { $0.type == "ipc" }
        assertInvalid(s, "config.json: linux.sysctl[\"fs.mqueue.msg_max\"]: sysctl \"fs.mqueue.msg_max\" is not allowed in the host's IPC namespace")
        s.linux?.sysctl = ["kernel/msgmax": "5"]
        assertInvalid(s, "config.json: linux.sysctl[\"kernel/msgmax\"]: sysctl \"kernel/msgmax\" is not allowed in the host's IPC namespace")
    }

    func testUTSSysctlNeedsUTSNamespace() throws {
        var s = base
        s.hostname = nil
        s.linux?.sysctl = ["kernel.domainname": "x"]
        XCTAssertNoThrow(try SpecValidator.validate(s))
        s.linux?.namespaces?.removeAll { $0.type == "uts" }
        assertInvalid(s, "config.json: linux.sysctl[\"kernel.domainname\"]: sysctl \"kernel.domainname\" is not allowed in the host's UTS namespace")
    }

    func testNonNamespacedSysctl() {
        var s = base
        s.linux?.sysctl = ["vm.swappiness": "10"]
        assertInvalid(s, "config.json: linux.sysctl[\"vm.swappiness\"]: sysctl \"vm.swappiness\" is not in a separate kernel namespace")
    }

    func testRelativeMountDestinationIsDeprecatedButAccepted() throws {
        var s = base
        s.mounts?.append(Mount(destination: "data", type: "tmpfs", source: "tmpfs"))
        XCTAssertEqual(try SpecValidator.validate(s), [
            "config.json: mounts[7].destination: relative destination \"data\" is deprecated; interpreted as \"/data\"",
        ])
    }

    func testEmptyMountDestination() {
        var s = base
        s.mounts?[0].destination = ""
        assertInvalid(s, "config.json: mounts[0].destination: must not be empty")
    }

    func testIDMappedMountNeedsBothMappings() {
        var s = base
        s.mounts?[0].uidMappings = [LinuxIDMapping(containerID: 0, hostID: 1000, size: 10)]
        assertInvalid(s, "config.json: mounts[0]: uidMappings and gidMappings must be specified together")
    }

    func testRelativeHookPath() {
        var s = base
        var hooks = Hooks()
        hooks.poststart = [Hook(path: "/bin/true"), Hook(path: "bin/notify")]
        s.hooks = hooks
        assertInvalid(s, "config.json: hooks.poststart[1].path: must be an absolute path, got \"bin/notify\"")
    }

    func testHookTimeoutMustBePositive() {
        let json = #"{"ociVersion":"1.3.0","hooks":{"poststop":[{"path":"/bin/true","timeout":0}]}}"#
        assertSpecError("config.json: hooks.poststop[0].timeout: value 0 must be at least 1") {
            try SpecLoader.decodeConfig(bytes(json))
        }
    }

    func testBadDeviceType() {
        var s = base
        s.linux?.devices = [LinuxDevice(path: "/dev/x", type: "z", major: 1, minor: 1)]
        assertInvalid(s, "config.json: linux.devices[0].type: invalid device type \"z\" (expected c, b, u or p)")
    }

    func testDeviceMissingMajorMinor() throws {
        var s = base
        s.linux?.devices = [LinuxDevice(path: "/dev/fifo", type: "p"), LinuxDevice(path: "/dev/fuse", type: "c", major: 10)]
        assertInvalid(s, "config.json: linux.devices[1]: major and minor are required for device type \"c\"")
        s.linux?.devices?[1].minor = 229
        XCTAssertNoThrow(try SpecValidator.validate(s))
    }

    func testRelativeDevicePath() {
        var s = base
        s.linux?.devices = [LinuxDevice(path: "dev/fuse", type: "c", major: 10, minor: 229)]
        assertInvalid(s, "config.json: linux.devices[0].path: must be an absolute path, got \"dev/fuse\"")
    }

    func testUnknownCapabilitiesAreNotErrors() {
        var s = base
        s.process?.capabilities?.bounding = ["CAP_NOT_A_THING"]
        XCTAssertNoThrow(try SpecValidator.validate(s))
    }
}
