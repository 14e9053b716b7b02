import XCTest
@testable import OCISpec

/// A key repeated in one object: the last occurrence wins, applied as Go's encoding/json (runc)
/// applies it, at every level. FoundationEssentials' JSONDecoder kept the first.
final class DuplicateKeyTests: XCTestCase {
    func decode(_ text: String) throws -> Spec { try SpecLoader.decodeConfig(bytes(text)) }

    func testTopLevel() throws {
        let s = try decode(#"{"ociVersion":"1.0.0","hostname":"first","ociVersion":"1.3.0","hostname":"last"}"#)
        XCTAssertEqual(s.ociVersion, "1.3.0")
        XCTAssertEqual(s.hostname, "last")
    }

    func testNested() throws {
        let s = try decode(#"{"ociVersion":"1.3.0","process":{"cwd":"/","args":["echo","first"],"user":{"uid":1,"gid":2,"uid":1000},"args":["echo","last"]}}"#)
        XCTAssertEqual(s.process?.args, ["echo", "last"])
        XCTAssertEqual(s.process?.user.uid, 1000)
        XCTAssertEqual(s.process?.user.gid, 2)
        let r = try decode(#"{"ociVersion":"1.3.0","linux":{"resources":{"memory":{"limit":1,"limit":2},"pids":{"limit":5,"limit":7}}}}"#)
        XCTAssertEqual(r.linux?.resources?.memory?.limit, 2)
        XCTAssertEqual(r.linux?.resources?.pids?.limit, 7)
    }

    func testInMaps() throws {
        let s = try decode(#"{"ociVersion":"1.3.0","annotations":{"a":"1","b":"x","a":"2"},"linux":{"sysctl":{"net.ipv4.ip_forward":"0","net.ipv4.ip_forward":"1"}}}"#)
        XCTAssertEqual(s.annotations, ["a": "2", "b": "x"])
        XCTAssertEqual(s.linux?.sysctl, ["net.ipv4.ip_forward": "1"])
    }

    func testRepeatedObjectsFillTheSameStruct() throws {
        // Go decodes the second "process" into the struct the first one filled: user and cwd stay.
        let s = try decode(#"{"ociVersion":"1.3.0","process":{"cwd":"/work","user":{"uid":1000,"gid":1000},"args":["a"]},"process":{"args":["b"]}}"#)
        XCTAssertEqual(s.process?.cwd, "/work")
        XCTAssertEqual(s.process?.user, User(uid: 1000, gid: 1000))
        XCTAssertEqual(s.process?.args, ["b"])
    }

    func testRepeatedArraysMergeElementwise() throws {
        let s = try decode(#"{"ociVersion":"1.3.0","process":{"cwd":"/","rlimits":[{"type":"RLIMIT_NOFILE","hard":10,"soft":10},{"type":"RLIMIT_CORE","hard":1,"soft":1}],"rlimits":[{"type":"RLIMIT_NPROC"}],"env":["A=1","B=2"],"env":["C=3"]}}"#)
        XCTAssertEqual(s.process?.rlimits, [POSIXRlimit(type: "RLIMIT_NPROC", hard: 10, soft: 10)])
        XCTAssertEqual(s.process?.env, ["C=3"])
    }

    func testArraysKeepCutOffElementsUntilReplaced() throws {
        // [A, B], [C], [D, E]: Go's slice still holds B when the third array fills index 1.
        let s = try decode(#"{"ociVersion":"1.3.0","process":{"cwd":"/","rlimits":[{"type":"RLIMIT_NOFILE","hard":777,"soft":777},{"type":"RLIMIT_CORE","hard":555,"soft":555}],"rlimits":[{"type":"RLIMIT_NOFILE"}],"rlimits":[{"type":"RLIMIT_NOFILE"},{"type":"RLIMIT_NPROC"}]}}"#)
        XCTAssertEqual(s.process?.rlimits, [POSIXRlimit(type: "RLIMIT_NOFILE", hard: 777, soft: 777),
                                            POSIXRlimit(type: "RLIMIT_NPROC", hard: 555, soft: 555)])
        // An empty array or null replaces the slice: the NPROC element starts empty.
        for reset in ["[]", "null"] {
            assertSpecError("config.json: process.rlimits[0].hard: required field is missing") {
                try decode(#"{"ociVersion":"1.3.0","process":{"cwd":"/","rlimits":[{"type":"RLIMIT_NOFILE","hard":777,"soft":777}],"rlimits":"#
                           + reset + #","rlimits":[{"type":"RLIMIT_NPROC"}]}}"#)
            }
        }
        XCTAssertEqual(try decode(#"{"ociVersion":"1.3.0","process":{"cwd":"/","env":["A=1"],"env":[]}}"#).process?.env, [])
    }

    func testRepeatedMapsAccumulateAndReplaceEntries() throws {
        let s = try decode(#"{"ociVersion":"1.3.0","annotations":{"a":"1","b":"1"},"annotations":{"b":"2"},"linux":{"resources":{"rdma":{"x":{"hcaHandles":1}},"rdma":{"x":{"hcaObjects":2}}}}}"#)
        XCTAssertEqual(s.annotations, ["a": "1", "b": "2"])
        // A map entry is decoded afresh: its earlier members do not survive.
        XCTAssertEqual(s.linux?.resources?.rdma, ["x": LinuxRdma(hcaHandles: nil, hcaObjects: 2)])
        let m = try decode(#"{"ociVersion":"1.3.0","linux":{"timeOffsets":{"monotonic":{"secs":1},"monotonic":{"nanosecs":2}}}}"#)
        XCTAssertEqual(m.linux?.timeOffsets, ["monotonic": LinuxTimeOffset(secs: nil, nanosecs: 2)])
    }

    func testNullClearsMapsAndArraysOnly() throws {
        let s = try decode(#"{"ociVersion":"1.3.0","annotations":{"a":"1"},"annotations":null,"annotations":{"b":"2"},"process":{"cwd":"/","args":["a"],"args":null}}"#)
        XCTAssertEqual(s.annotations, ["b": "2"])
        XCTAssertNil(s.process?.args)
        // A leading null is a no-op in Go whatever the type.
        let t = try decode(#"{"ociVersion":"1.3.0","hostname":null,"hostname":"h","process":null,"process":{"cwd":"/"}}"#)
        XCTAssertEqual(t.hostname, "h")
        XCTAssertEqual(t.process?.cwd, "/")
    }

    func testNullAfterAValueIsRefused() {
        let why = "duplicate key with a null after a value: Go-based tools would keep or clear the earlier value depending on its type; remove one of them"
        assertSpecError("config.json: process.user: \(why)") {
            try decode(#"{"ociVersion":"1.3.0","process":{"cwd":"/","user":{"uid":1000,"gid":1000},"user":null}}"#)
        }
        assertSpecError("config.json: hostname: \(why)") {
            try decode(#"{"ociVersion":"1.3.0","hostname":"h","hostname":null}"#)
        }
    }

    func testEveryOccurrenceMustHaveTheFieldsType() {
        assertSpecError("config.json: process.user.uid: expected uint32, got string") {
            try decode(#"{"ociVersion":"1.3.0","process":{"cwd":"/","user":{"uid":"root","uid":0,"gid":0}}}"#)
        }
        assertSpecError("config.json: process.user.uid: 1099511627776 is out of range for uint32 (0 to 4294967295)") {
            try decode(#"{"ociVersion":"1.3.0","process":{"cwd":"/","user":{"uid":1099511627776,"uid":0,"gid":0}}}"#)
        }
        assertSpecError("config.json: process: expected object, got array") {
            try decode(#"{"ociVersion":"1.3.0","process":[],"process":{"cwd":"/"}}"#)
        }
    }

    func testFreeFormValuesAreReplaced() throws {
        let s = try decode(#"{"ociVersion":"1.3.0","windows":{"layerFolders":["C:\\l"],"credentialSpec":{"a":1,"n":{"x":1}},"credentialSpec":{"b":2,"n":{"y":2},"n":{"z":3}}}}"#)
        XCTAssertEqual(s.windows?.credentialSpec, .object(["b": .int(2), "n": .object(["z": .int(3)])]))
    }

    func testThreeOccurrences() throws {
        let s = try decode(#"{"ociVersion":"1.3.0","mounts":[{"destination":"/a","type":"bind"}],"mounts":[{"destination":"/b"},{"destination":"/c"}],"mounts":[{"options":["ro"]},{"destination":"/d"}]}"#)
        XCTAssertEqual(s.mounts?.map(\.destination), ["/b", "/d"])
        XCTAssertEqual(s.mounts?[0].type, "bind")
        XCTAssertEqual(s.mounts?[0].options, ["ro"])
    }

    func testManyMembersUseTheIndex() throws {
        // Objects from JSONObject.indexThreshold members on are looked up through an index.
        let many = (0..<40).map { #""k\#($0)":"v\#($0)""# }.joined(separator: ",")
        let s = try decode(#"{"ociVersion":"1.3.0","annotations":{"# + many + #","k3":"again"}}"#)
        XCTAssertEqual(s.annotations?.count, 40)
        XCTAssertEqual(s.annotations?["k3"], "again")
        XCTAssertEqual(s.annotations?["k39"], "v39")
    }

    func testStateAndProcessDocuments() throws {
        let st = try SpecLoader.decodeState(bytes(#"{"ociVersion":"1.3.0","id":"a","status":"created","status":"running","pid":1,"bundle":"/b"}"#))
        XCTAssertEqual(st.status, "running")
        let p = try SpecLoader.decode(Process.self, bytes(#"{"cwd":"/","args":["a"],"args":["b"]}"#), file: "process.json")
        XCTAssertEqual(p.args, ["b"])
    }
}
