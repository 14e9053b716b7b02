import XCTest
@testable import OCISpec

/// Numbers that are valid JSON but do not fit their field: the error names the field, the value
/// and the type (FoundationEssentials' JSONDecoder said only "The given data was not valid JSON.").
final class ConfigNumberTests: XCTestCase {
    let u32 = "uint32 (0 to 4294967295)"
    let u64 = "uint64 (0 to 18446744073709551615)"
    let i64 = "int64 (-9223372036854775808 to 9223372036854775807)"

    /// `{"ociVersion":"1.3.0", <members>}`
    func config(_ members: String) -> [UInt8] { bytes(#"{"ociVersion":"1.3.0","# + members + "}") }

    func assertConfigError(_ members: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        assertSpecError("config.json: " + message, file: file, line: line) { try SpecLoader.decodeConfig(config(members)) }
    }

    func process(_ members: String) -> String { #""process":{"cwd":"/","# + members + "}" }
    func resources(_ members: String) -> String { #""linux":{"resources":{"# + members + "}}" }

    func testUserIDs() {
        assertConfigError(process(#""user":{"uid":1099511627776,"gid":0}"#),
                          "process.user.uid: 1099511627776 is out of range for \(u32)")
        assertConfigError(process(#""user":{"uid":-1,"gid":0}"#), "process.user.uid: -1 is out of range for \(u32)")
        assertConfigError(process(#""user":{"uid":1.5,"gid":0}"#), "process.user.uid: 1.5 must be an integer (uint32)")
        assertConfigError(process(#""user":{"uid":0,"gid":4294967296}"#),
                          "process.user.gid: 4294967296 is out of range for \(u32)")
        assertConfigError(process(#""user":{"uid":0,"gid":0,"additionalGids":[5,4294967296]}"#),
                          "process.user.additionalGids[1]: 4294967296 is out of range for \(u32)")
        assertConfigError(process(#""user":{"uid":0,"gid":0,"umask":-18}"#),
                          "process.user.umask: -18 is out of range for \(u32)")
    }

    func testIntegralValuesWrittenAsFloatsAreRefused() {
        // Go (runc) refuses these for integer fields too.
        for v in ["1.0", "1e3", "2E+2", "0.5e1"] {
            assertConfigError(process(#""user":{"uid":\#(v),"gid":0}"#),
                              "process.user.uid: \(v) must be written as an integer, without fraction or exponent (uint32)")
        }
        for v in ["1e-3", "0.25", "-0.5", "12.5e-1"] {
            assertConfigError(process(#""user":{"uid":\#(v),"gid":0}"#), "process.user.uid: \(v) must be an integer (uint32)")
        }
    }

    func testRlimitsAndConsole() {
        assertConfigError(process(#""rlimits":[{"type":"RLIMIT_NOFILE","hard":18446744073709551616,"soft":1}]"#),
                          "process.rlimits[0].hard: 18446744073709551616 is out of range for \(u64)")
        assertConfigError(process(#""rlimits":[{"type":"RLIMIT_NOFILE","hard":1,"soft":1},{"type":"RLIMIT_NPROC","hard":1,"soft":-1}]"#),
                          "process.rlimits[1].soft: -1 is out of range for \(u64)")
        assertConfigError(process(#""consoleSize":{"height":1180591620717411303424,"width":80}"#),
                          "process.consoleSize.height: 1180591620717411303424 is out of range for uint (0 to 18446744073709551615)")
        assertConfigError(process(#""consoleSize":{"height":24,"width":-80}"#),
                          "process.consoleSize.width: -80 is out of range for uint (0 to 18446744073709551615)")
    }

    func testProcessExtras() {
        assertConfigError(process(#""oomScoreAdj":9223372036854775808"#),
                          "process.oomScoreAdj: 9223372036854775808 is out of range for int (-9223372036854775808 to 9223372036854775807)")
        assertConfigError(process(#""scheduler":{"policy":"SCHED_OTHER","nice":2147483648}"#),
                          "process.scheduler.nice: 2147483648 is out of range for int32 (-2147483648 to 2147483647)")
        assertConfigError(process(#""scheduler":{"policy":"SCHED_DEADLINE","runtime":-1}"#),
                          "process.scheduler.runtime: -1 is out of range for \(u64)")
        // In range for the Swift type, outside the schema's: the existing range check speaks.
        assertConfigError(process(#""ioPriority":{"class":"IOPRIO_CLASS_BE","priority":4294967296}"#),
                          "process.ioPriority.priority: value 4294967296 must be between -2147483648 and 2147483647")
    }

    func testResources() {
        assertConfigError(resources(#""pids":{"limit":9223372036854775808}"#),
                          "linux.resources.pids.limit: 9223372036854775808 is out of range for \(i64)")
        assertConfigError(resources(#""cpu":{"shares":-1}"#), "linux.resources.cpu.shares: -1 is out of range for \(u64)")
        assertConfigError(resources(#""cpu":{"shares":18446744073709551616}"#),
                          "linux.resources.cpu.shares: 18446744073709551616 is out of range for \(u64)")
        assertConfigError(resources(#""cpu":{"quota":9223372036854775808}"#),
                          "linux.resources.cpu.quota: 9223372036854775808 is out of range for \(i64)")
        assertConfigError(resources(#""cpu":{"period":100000.5}"#), "linux.resources.cpu.period: 100000.5 must be an integer (uint64)")
        assertConfigError(resources(#""memory":{"limit":-9223372036854775809}"#),
                          "linux.resources.memory.limit: -9223372036854775809 is out of range for \(i64)")
        assertConfigError(resources(#""memory":{"swappiness":-1}"#), "linux.resources.memory.swappiness: -1 is out of range for \(u64)")
        assertConfigError(resources(#""blockIO":{"weight":65536}"#),
                          "linux.resources.blockIO.weight: 65536 is out of range for uint16 (0 to 65535)")
        assertConfigError(resources(#""blockIO":{"weightDevice":[{"major":8,"minor":0,"leafWeight":-1}]}"#),
                          "linux.resources.blockIO.weightDevice[0].leafWeight: -1 is out of range for uint16 (0 to 65535)")
        assertConfigError(resources(#""blockIO":{"throttleReadBpsDevice":[{"major":8,"minor":0,"rate":-1}]}"#),
                          "linux.resources.blockIO.throttleReadBpsDevice[0].rate: -1 is out of range for \(u64)")
        assertConfigError(resources(#""hugepageLimits":[{"pageSize":"2MB","limit":18446744073709551616}]"#),
                          "linux.resources.hugepageLimits[0].limit: 18446744073709551616 is out of range for \(u64)")
        assertConfigError(resources(#""devices":[{"allow":true,"major":1.5}]"#),
                          "linux.resources.devices[0].major: 1.5 must be an integer (int64)")
        assertConfigError(resources(#""network":{"classID":4294967296}"#),
                          "linux.resources.network.classID: 4294967296 is out of range for \(u32)")
        assertConfigError(resources(#""rdma":{"mlx5_1":{"hcaHandles":-3}}"#),
                          "linux.resources.rdma.mlx5_1.hcaHandles: -3 is out of range for \(u32)")
    }

    func testLinuxMembers() {
        assertConfigError(#""linux":{"uidMappings":[{"containerID":0,"hostID":4294967296,"size":1}]}"#,
                          "linux.uidMappings[0].hostID: 4294967296 is out of range for \(u32)")
        assertConfigError(#""linux":{"gidMappings":[{"containerID":0,"hostID":0,"size":-1}]}"#,
                          "linux.gidMappings[0].size: -1 is out of range for \(u32)")
        assertConfigError(#""mounts":[{"destination":"/m","uidMappings":[{"containerID":4294967296,"hostID":0,"size":1}]}]"#,
                          "mounts[0].uidMappings[0].containerID: 4294967296 is out of range for \(u32)")
        assertConfigError(#""linux":{"devices":[{"path":"/dev/x","type":"c","major":9223372036854775808}]}"#,
                          "linux.devices[0].major: 9223372036854775808 is out of range for \(i64)")
        assertConfigError(#""linux":{"devices":[{"path":"/dev/x","type":"c","fileMode":4294967296}]}"#,
                          "linux.devices[0].fileMode: 4294967296 is out of range for \(u32)")
        assertConfigError(#""linux":{"timeOffsets":{"monotonic":{"secs":1,"nanosecs":4294967296}}}"#,
                          "linux.timeOffsets.monotonic.nanosecs: 4294967296 is out of range for \(u32)")
        assertConfigError(#""linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","defaultErrnoRet":-1}}"#,
                          "linux.seccomp.defaultErrnoRet: -1 is out of range for \(u32)")
        assertConfigError(#""linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":18446744073709551616,"op":"SCMP_CMP_EQ"}]}]}}"#,
                          "linux.seccomp.syscalls[0].args[0].value: 18446744073709551616 is out of range for \(u64)")
    }

    func testHookTimeout() {
        assertConfigError(#""hooks":{"prestart":[{"path":"/bin/true","timeout":9223372036854775808}]}"#,
                          "hooks.prestart[0].timeout: 9223372036854775808 is out of range for int (-9223372036854775808 to 9223372036854775807)")
        assertConfigError(#""hooks":{"poststop":[{"path":"/bin/true","timeout":1.5}]}"#,
                          "hooks.poststop[0].timeout: 1.5 must be an integer (int)")
        assertConfigError(#""hooks":{"poststop":[{"path":"/bin/true","timeout":0}]}"#,
                          "hooks.poststop[0].timeout: value 0 must be at least 1")
    }

    func testLongLiteralIsCut() {
        let digits = String(repeating: "9", count: 400)
        assertConfigError(process(#""user":{"uid":\#(digits),"gid":0}"#),
                          "process.user.uid: \(String(repeating: "9", count: 32))... (400 characters) is out of range for \(u32)")
    }

    func testLimitsStillDecode() throws {
        let s = try SpecLoader.decodeConfig(config(process(#""user":{"uid":4294967295,"gid":0},"rlimits":[{"type":"RLIMIT_NOFILE","hard":18446744073709551615,"soft":0}],"oomScoreAdj":-1000"#)
            + "," + resources(#""pids":{"limit":-9223372036854775808},"memory":{"limit":-1}"#)))
        XCTAssertEqual(s.process?.user.uid, UInt32.max)
        XCTAssertEqual(s.process?.rlimits?[0].hard, UInt64.max)
        XCTAssertEqual(s.process?.oomScoreAdj, -1000)
        XCTAssertEqual(s.linux?.resources?.pids?.limit, Int64.min)
        XCTAssertEqual(s.linux?.resources?.memory?.limit, -1)
        // -0 is zero.
        XCTAssertEqual(try SpecLoader.decodeConfig(config(process(#""user":{"uid":-0,"gid":0}"#))).process?.user.uid, 0)
    }

    func testOtherDocumentsNameTheirFile() {
        assertSpecError("state.json: pid: 2147483648 is out of range for int32 (-2147483648 to 2147483647)") {
            try SpecLoader.decodeState(bytes(#"{"ociVersion":"1.3.0","id":"a","status":"running","pid":2147483648,"bundle":"/b"}"#))
        }
        assertSpecError("process.json: user.uid: 1099511627776 is out of range for \(u32)") {
            try SpecLoader.decode(Process.self, bytes(#"{"cwd":"/","user":{"uid":1099511627776,"gid":0}}"#), file: "process.json")
        }
        assertSpecError("stdin: memory.limit: 1e20 must be written as an integer, without fraction or exponent (int64)") {
            try SpecLoader.decode(LinuxResources.self, bytes(#"{"memory":{"limit":1e20}}"#), file: "stdin")
        }
    }

    func testFreeFormNumbersStillDecode() throws {
        let v = try SpecLoader.decode(JSONValue.self, bytes(#"[1e3, -1.5, 18446744073709551616, 1]"#), file: "x")
        XCTAssertEqual(v, .array([.double(1000), .double(-1.5), .double(18446744073709551616), .int(1)]))
    }
}

/// Syntax errors keep pointing at line and column.
final class JSONSyntaxErrorTests: XCTestCase {
    func error(_ text: String) -> String {
        do { _ = try SpecLoader.decodeConfig(bytes(text)); return "no error" } catch { return "\(error)" }
    }

    func testNumbersAndStrings() {
        XCTAssertEqual(error(#"{"ociVersion":"1.3.0","x":01}"#), "config.json: invalid JSON: line 1, column 28: leading zero in number at '1'")
        XCTAssertEqual(error(#"{"ociVersion":"1.3.0","x":-}"#), "config.json: invalid JSON: line 1, column 27: invalid number at '-'")
        XCTAssertEqual(error(#"{"ociVersion":"1.3.\x"}"#), "config.json: invalid JSON: line 1, column 21: invalid escape character 'x'")
        XCTAssertEqual(error(#"{"ociVersion":"\ud800"}"#), "config.json: invalid JSON: line 1, column 16: unpaired surrogate in \\u escape at '\\'")
        XCTAssertEqual(error(#"{"ociVersion":"\u12G4"}"#), "config.json: invalid JSON: line 1, column 20: invalid \\u escape at 'G'")
        var invalidUTF8 = bytes(#"{"ociVersion":"1.3.0","hostname":"ab"}"#)
        invalidUTF8.insert(0xFF, at: 35)
        assertSpecError("config.json: invalid JSON: line 1, column 36: invalid UTF-8 in string at byte 0xff") {
            try SpecLoader.decodeConfig(invalidUTF8)
        }
    }

    func testEscapesDecode() throws {
        let s = try SpecLoader.decodeConfig(bytes(#"{"ociVersion":"1.3.0","hostname":"a\"\\\/\n\t\u00e9\ud83d\ude00é"}"#))
        XCTAssertEqual(s.hostname, "a\"\\/\n\t\u{e9}\u{1F600}é")
    }

    func testByteOrderMarkIsIgnored() throws {
        XCTAssertEqual(try SpecLoader.decodeConfig([0xEF, 0xBB, 0xBF] + bytes(#"{"ociVersion":"1.3.0"}"#)).ociVersion, "1.3.0")
    }

    func testNestingLimit() {
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        XCTAssertEqual(error(deep), "config.json: invalid JSON: line 1, column 513: nesting too deep at '['")
    }
}
