import XCTest
@testable import OCISpec

final class DecodeErrorTests: XCTestCase {
    func decodeError(_ json: String) -> String {
        do {
            _ = try SpecLoader.decodeConfig(bytes(json))
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    func testInvalidJSON() {
        XCTAssertEqual(decodeError("{]"), "config.json: invalid JSON: line 1, column 2: expected string, got ']'")
        XCTAssertEqual(decodeError("{\n  \"a\": tru\n}"), "config.json: invalid JSON: line 2, column 11: invalid literal at byte 0xa")
        XCTAssertEqual(decodeError("[1, 2"), "config.json: invalid JSON: line 1, column 6: unexpected end of input")
        XCTAssertTrue(decodeError("").hasPrefix("config.json: invalid JSON: "))
        XCTAssertTrue(decodeError("{} x").hasPrefix("config.json: invalid JSON: "))
    }

    func testMissingRequiredField() {
        XCTAssertEqual(decodeError(#"{"root":{"path":"r"}}"#), "config.json: ociVersion: required field is missing")
        XCTAssertEqual(decodeError(#"{"ociVersion":"1.3.0","process":{"args":["sh"]}}"#),
                       "config.json: process.cwd: required field is missing")
    }

    func testTypeMismatchNamesArrayIndex() {
        XCTAssertEqual(decodeError(#"{"ociVersion":"1.3.0","linux":{"namespaces":[{"type":"pid"},{"type":5}]}}"#),
                       "config.json: linux.namespaces[1].type: expected string, got number")
        XCTAssertEqual(decodeError(#"{"ociVersion":"1.3.0","process":{"cwd":"/","user":{"uid":"root","gid":0}}}"#),
                       "config.json: process.user.uid: expected uint32, got string")
        XCTAssertEqual(decodeError(#"{"ociVersion":"1.3.0","mounts":{}}"#),
                       "config.json: mounts: expected array, got object")
        XCTAssertEqual(decodeError(#"{"ociVersion":"1.3.0","root":{"path":null}}"#),
                       "config.json: root.path: expected string, got null")
    }

    func testSysctlKeyWithDotsIsQuoted() {
        XCTAssertEqual(decodeError(#"{"ociVersion":"1.3.0","linux":{"sysctl":{"net.ipv4.ip_forward":1}}}"#),
                       "config.json: linux.sysctl[\"net.ipv4.ip_forward\"]: expected string, got number")
    }

    func testSchemaEnumsAndPatterns() {
        XCTAssertEqual(decodeError(#"{"ociVersion":"1.3.0","linux":{"rootfsPropagation":"rprivate"}}"#), "no error",
                       "runc's recursive spellings are accepted as aliases")
        XCTAssertEqual(decodeError(#"{"ociVersion":"1.3.0","linux":{"rootfsPropagation":"bogus"}}"#),
                       "config.json: linux.rootfsPropagation: invalid value \"bogus\" (expected one of: private, shared, slave, unbindable, rprivate, rshared, rslave, runbindable)")
        XCTAssertEqual(decodeError(#"{"ociVersion":"1.3.0","linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_NOPE"}]}}}"#),
                       "config.json: linux.seccomp.syscalls[0].action: invalid value \"SCMP_ACT_NOPE\" (expected one of: \(Schema.seccompActions.joined(separator: ", ")))")
        XCTAssertEqual(decodeError(#"{"ociVersion":"1.3.0","process":{"cwd":"/","execCPUAffinity":{"initial":"a"}}}"#),
                       "config.json: process.execCPUAffinity.initial: invalid CPU list \"a\"")
        XCTAssertEqual(decodeError(#"{"ociVersion":"1.3.0","windows":{"layerFolders":[]}}"#),
                       "config.json: windows.layerFolders: must contain at least one item")
    }

    func testUnknownKeysAreIgnored() throws {
        let s = try SpecLoader.decodeConfig(bytes(#"{"ociVersion":"1.3.0","future":{"x":1},"process":{"cwd":"/","new":true}}"#))
        XCTAssertEqual(s.process?.cwd, "/")
    }

    func testFileNameInMessages() {
        assertSpecError("process.json: cwd: required field is missing") {
            try SpecLoader.decode(Process.self, bytes("{}"), file: "process.json")
        }
    }
}

final class StateDecodingTests: XCTestCase {
    func testNegativePidRejected() {
        assertSpecError("state.json: pid: value -1 must be at least 0") {
            try SpecLoader.decodeState(bytes(#"{"ociVersion":"1.3.0","id":"a","status":"running","pid":-1,"bundle":"/b"}"#))
        }
    }

    func testMissingBundle() {
        assertSpecError("state.json: bundle: required field is missing") {
            try SpecLoader.decodeState(bytes(#"{"ociVersion":"1.3.0","id":"a","status":"created"}"#))
        }
    }

    func testContainerProcessStateRoundTrip() throws {
        let st = State(ociVersion: "1.3.0", id: "c", status: "creating", pid: 7, bundle: "/b", annotations: ["k": "v"])
        let cps = ContainerProcessState(ociVersion: "1.3.0", fds: ["seccompFd"], pid: 7, metadata: "m", state: st)
        XCTAssertEqual(try SpecLoader.decode(ContainerProcessState.self, SpecLoader.encode(cps), file: "x"), cps)
    }

    func testJSONValueRoundTrip() throws {
        let text = #"{"a":[1,-2,3.5,"s",true,null,{"b":18446744073709551615}]}"#
        let v = try SpecLoader.decode(JSONValue.self, bytes(text), file: "x")
        XCTAssertEqual(try SpecLoader.decode(JSONValue.self, SpecLoader.encode(v), file: "x"), v)
        guard case .object(let o) = v, case .array(let a)? = o["a"] else { return XCTFail("shape") }
        XCTAssertEqual(a[0], .int(1))
        XCTAssertEqual(a[2], .double(3.5))
        XCTAssertEqual(a[6], .object(["b": .uint(UInt64.max)]))
    }
}
