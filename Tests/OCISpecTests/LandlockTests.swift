import XCTest
@testable import OCISpec

/// process.landlock: decoding, the JSON paths of validation errors, and the `spec --landlock` example.
final class LandlockTests: XCTestCase {
    /// A config whose process.landlock is `landlock` (JSON text), decoded and validated.
    func check(_ landlock: String, process extra: String = #""noNewPrivileges":true"#) throws -> Spec {
        let json = #"{"ociVersion":"1.3.0","root":{"path":"rootfs"},"process":{"cwd":"/","args":["sh"],"#
            + extra + #","landlock":"# + landlock + "}}"
        let s = try SpecLoader.decodeConfig(bytes(json))
        _ = try SpecValidator.validate(s)
        return s
    }

    func assertInvalid(_ landlock: String, process extra: String = #""noNewPrivileges":true"#, _ message: String,
                       file: StaticString = #filePath, line: UInt = #line) {
        assertSpecError(message, file: file, line: line) { try check(landlock, process: extra) }
    }

    func testDecodesTheWholeShape() throws {
        let s = try check(#"""
            {"ruleset":{"handledAccessFS":["read_file","write_file","refer"],"handledAccessNet":["bind_tcp"],
                        "scoped":["signal"]},
             "rules":{"pathBeneath":[{"allowedAccess":["read_file"],"paths":["/srv","/etc"]}],
                      "netPort":[{"allowedAccess":["bind_tcp"],"ports":[8080,0,65535]}]},
             "disableBestEffort":true,"restrictSelfFlags":["log_new_exec_on"]}
            """#)
        let l = try XCTUnwrap(s.process?.landlock)
        XCTAssertEqual(l.ruleset?.handledAccessFS, ["read_file", "write_file", "refer"])
        XCTAssertEqual(l.ruleset?.handledAccessNet, ["bind_tcp"])
        XCTAssertEqual(l.ruleset?.scoped, ["signal"])
        XCTAssertEqual(l.rules?.pathBeneath, [LandlockPathBeneath(allowedAccess: ["read_file"], paths: ["/srv", "/etc"])])
        XCTAssertEqual(l.rules?.netPort, [LandlockNetPort(allowedAccess: ["bind_tcp"], ports: [8080, 0, 65535])])
        XCTAssertEqual(l.disableBestEffort, true)
        XCTAssertEqual(l.restrictSelfFlags, ["log_new_exec_on"])
        // Round trip through the encoder `spec` uses.
        XCTAssertEqual(try SpecLoader.decodeConfig(SpecLoader.encodePretty(s)), s)
    }

    func testUnknownNames() {
        assertInvalid(#"{"ruleset":{"handledAccessFS":["read_file","LANDLOCK_ACCESS_FS_EXECUTE"]}}"#,
                      "config.json: process.landlock.ruleset.handledAccessFS[1]: unknown filesystem access right "
                      + "\"LANDLOCK_ACCESS_FS_EXECUTE\" (expected one of: \(LandlockNames.accessFS.joined(separator: ", ")))")
        assertInvalid(#"{"ruleset":{"handledAccessNet":["bind_udp"]}}"#,
                      "config.json: process.landlock.ruleset.handledAccessNet[0]: unknown network access right \"bind_udp\" "
                      + "(expected one of: bind_tcp, connect_tcp)")
        assertInvalid(#"{"ruleset":{"scoped":["ptrace"]}}"#,
                      "config.json: process.landlock.ruleset.scoped[0]: unknown scope \"ptrace\" "
                      + "(expected one of: abstract_unix_socket, signal)")
        assertInvalid(#"{"ruleset":{"scoped":["signal"]},"restrictSelfFlags":["tsync"]}"#,
                      "config.json: process.landlock.restrictSelfFlags[0]: unknown landlock_restrict_self flag \"tsync\" "
                      + "(expected one of: log_same_exec_off, log_new_exec_on, log_subdomains_off)")
        assertInvalid(#"{"ruleset":{"handledAccessFS":["read_file"]},"rules":{"pathBeneath":[{"allowedAccess":["read"],"paths":["/"]}]}}"#,
                      "config.json: process.landlock.rules.pathBeneath[0].allowedAccess[0]: unknown filesystem access right "
                      + "\"read\" (expected one of: \(LandlockNames.accessFS.joined(separator: ", ")))")
    }

    func testEmptyRuleset() {
        assertInvalid("{}", "config.json: process.landlock.ruleset: must handle at least one access right or scope "
                      + "(handledAccessFS, handledAccessNet or scoped)")
        assertInvalid(#"{"ruleset":{"handledAccessFS":[],"scoped":[]}}"#,
                      "config.json: process.landlock.ruleset: must handle at least one access right or scope "
                      + "(handledAccessFS, handledAccessNet or scoped)")
    }

    func testPaths() {
        let rs = #""ruleset":{"handledAccessFS":["read_file"]}"#
        assertInvalid("{\(rs),\"rules\":{\"pathBeneath\":[{\"allowedAccess\":[\"read_file\"],\"paths\":[]}]}}",
                      "config.json: process.landlock.rules.pathBeneath[0].paths: must not be empty")
        assertInvalid("{\(rs),\"rules\":{\"pathBeneath\":[{\"allowedAccess\":[\"read_file\"]}]}}",
                      "config.json: process.landlock.rules.pathBeneath[0].paths: must not be empty")
        assertInvalid("{\(rs),\"rules\":{\"pathBeneath\":[{\"allowedAccess\":[\"read_file\"],\"paths\":[\"/a\",\"\"]}]}}",
                      "config.json: process.landlock.rules.pathBeneath[0].paths[1]: must not be empty")
        assertInvalid("{\(rs),\"rules\":{\"pathBeneath\":[{\"allowedAccess\":[\"read_file\"],\"paths\":[\"etc\"]}]}}",
                      "config.json: process.landlock.rules.pathBeneath[0].paths[0]: must be an absolute path, got \"etc\"")
        assertInvalid("{\(rs),\"rules\":{\"pathBeneath\":[{\"allowedAccess\":[],\"paths\":[\"/\"]}]}}",
                      "config.json: process.landlock.rules.pathBeneath[0].allowedAccess: must not be empty")
    }

    func testRulesMayOnlyAllowHandledRights() {
        assertInvalid(#"{"ruleset":{"handledAccessFS":["read_file"]},"rules":{"pathBeneath":[{"allowedAccess":["read_file"],"paths":["/"]},{"allowedAccess":["read_file","write_file"],"paths":["/tmp"]}]}}"#,
                      "config.json: process.landlock.rules.pathBeneath[1].allowedAccess[1]: \"write_file\" is not handled "
                      + "by the ruleset (add it to process.landlock.ruleset.handledAccessFS)")
        assertInvalid(#"{"ruleset":{"handledAccessFS":["read_file"]},"rules":{"netPort":[{"allowedAccess":["bind_tcp"],"ports":[80]}]}}"#,
                      "config.json: process.landlock.rules.netPort[0].allowedAccess[0]: \"bind_tcp\" is not handled "
                      + "by the ruleset (add it to process.landlock.ruleset.handledAccessNet)")
    }

    func testPorts() {
        let rs = #""ruleset":{"handledAccessNet":["bind_tcp"]}"#
        assertInvalid("{\(rs),\"rules\":{\"netPort\":[{\"allowedAccess\":[\"bind_tcp\"],\"ports\":[80,65536]}]}}",
                      "config.json: process.landlock.rules.netPort[0].ports[1]: port 65536 is out of range (0 to 65535)")
        assertInvalid("{\(rs),\"rules\":{\"netPort\":[{\"allowedAccess\":[\"bind_tcp\"],\"ports\":[]}]}}",
                      "config.json: process.landlock.rules.netPort[0].ports: must not be empty")
        assertInvalid("{\(rs),\"rules\":{\"netPort\":[{\"allowedAccess\":[\"bind_tcp\"],\"ports\":[-1]}]}}",
                      "config.json: process.landlock.rules.netPort[0].ports[0]: -1 is out of range for uint64 "
                      + "(0 to 18446744073709551615)")
        assertInvalid("{\(rs),\"rules\":{\"netPort\":[{\"allowedAccess\":[\"bind_tcp\"],\"ports\":[\"80\"]}]}}",
                      "config.json: process.landlock.rules.netPort[0].ports[0]: expected uint64, got string")
    }

    func testNeedsNoNewPrivilegesOrSysAdmin() throws {
        let l = #"{"ruleset":{"scoped":["signal"]}}"#
        let message = "config.json: process.landlock: needs process.noNewPrivileges: true (or CAP_SYS_ADMIN in "
            + "process.capabilities.effective): landlock_restrict_self(2) refuses other processes"
        assertInvalid(l, process: #""noNewPrivileges":false,"capabilities":{"effective":["CAP_KILL"]}"#, message)
        assertInvalid(l, process: #""capabilities":{"effective":[]}"#, message)
        XCTAssertNoThrow(try check(l, process: #""capabilities":{"effective":["CAP_SYS_ADMIN"]}"#))
        // No capabilities object: the process keeps the runtime's (CAP_SYS_ADMIN among them).
        XCTAssertNoThrow(try check(l, process: #""noNewPrivileges":false"#))
    }

    func testExecProcessFileNamesItsFile() {
        var p = Process(args: ["sh"])
        p.landlock = LinuxLandlock(ruleset: LandlockRuleset(handledAccessFS: ["nope"]))
        p.noNewPrivileges = true
        assertSpecError("p.json: landlock.ruleset.handledAccessFS[0]: unknown filesystem access right \"nope\" "
                        + "(expected one of: \(LandlockNames.accessFS.joined(separator: ", ")))") {
            try LandlockValidator.validate(p, path: "", file: "p.json")
        }
        p.landlock?.ruleset?.handledAccessFS = ["read_file"]
        p.noNewPrivileges = false
        p.capabilities = LinuxCapabilities()
        assertSpecError("p.json: landlock: needs noNewPrivileges: true (or CAP_SYS_ADMIN in capabilities.effective): "
                        + "landlock_restrict_self(2) refuses other processes") {
            try LandlockValidator.validate(p, path: "", file: "p.json")
        }
    }

    func testSpecExampleValidates() throws {
        var s = DefaultSpec.make(rootless: false)
        s.process?.landlock = LinuxLandlock.example
        XCTAssertEqual(try SpecValidator.validate(s), [])
        XCTAssertEqual(try SpecLoader.decodeConfig(SpecLoader.encodePretty(s)), s)
        XCTAssertEqual(LinuxLandlock.example.ruleset?.handledAccessFS, LandlockNames.accessFS)
    }

    func testFileRightsAreFSRights() {
        XCTAssertTrue(Set(LandlockNames.fileAccessFS).isSubset(of: LandlockNames.accessFS))
    }
}
