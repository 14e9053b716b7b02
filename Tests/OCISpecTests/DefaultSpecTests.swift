import XCTest
@testable import OCISpec

final class DefaultSpecTests: XCTestCase {
    func testMatchesRuncSpecByteForByte() {
        XCTAssertEqual(String(decoding: SpecLoader.encodePretty(DefaultSpec.make(rootless: false)), as: UTF8.self),
                       runcSpecOutput)
    }

    func testRootlessMatchesRuncSpecRootless() {
        XCTAssertEqual(String(decoding: SpecLoader.encodePretty(DefaultSpec.make(rootless: true)), as: UTF8.self),
                       runcRootlessSpecOutput)
    }

    func testRoundTrip() throws {
        for rootless in [false, true] {
            let spec = DefaultSpec.make(rootless: rootless)
            XCTAssertEqual(try SpecLoader.decodeConfig(SpecLoader.encodePretty(spec)), spec)
            XCTAssertEqual(try SpecLoader.decodeConfig(SpecLoader.encode(spec)), spec)
        }
        XCTAssertEqual(try SpecLoader.decodeConfig(bytes(runcSpecOutput)), DefaultSpec.make(rootless: false))
    }

    func testDefaultSpecsValidate() throws {
        XCTAssertEqual(try SpecValidator.validate(DefaultSpec.make(rootless: false)), [])
        XCTAssertEqual(try SpecValidator.validate(DefaultSpec.make(rootless: true, hostUID: 1000, hostGID: 1000)), [])
    }

    func testRootlessMapsHostIDs() {
        let spec = DefaultSpec.make(rootless: true, hostUID: 1000, hostGID: 100)
        XCTAssertEqual(spec.linux?.uidMappings, [LinuxIDMapping(containerID: 0, hostID: 1000, size: 1)])
        XCTAssertEqual(spec.linux?.gidMappings, [LinuxIDMapping(containerID: 0, hostID: 100, size: 1)])
        XCTAssertNil(spec.linux?.resources)
        XCTAssertFalse(spec.linux?.namespaces?.contains { $0.type == "network" } ?? true)
    }

    func testCompactEncodingSortsKeys() {
        let st = State(ociVersion: "1.3.0", id: "c1", status: "created", pid: 42, bundle: "/b", annotations: nil)
        XCTAssertEqual(String(decoding: SpecLoader.encode(st), as: UTF8.self),
                       #"{"bundle":"/b","id":"c1","ociVersion":"1.3.0","pid":42,"status":"created"}"#)
    }

    func testCapabilityNames() {
        XCTAssertEqual(CapabilityNames.all.count, 41)
        XCTAssertEqual(CapabilityNames.all["CAP_CHOWN"], 0)
        XCTAssertEqual(CapabilityNames.all["CAP_SYS_ADMIN"], 21)
        XCTAssertEqual(CapabilityNames.all["CAP_CHECKPOINT_RESTORE"], 40)
        XCTAssertEqual(Set(CapabilityNames.all.values), Set(0...40))
        XCTAssertEqual(CapabilityNames.sortedByNumber.first, "CAP_CHOWN")
    }
}

final class OrderedEncoderTests: XCTestCase {
    struct Sample: Encodable {
        var z = 1
        var a = "x\"\n\u{01}"
        var list: [UInt8] = [1, 2]
        var empty: [String] = []
        var nested: [String: Bool] = ["k": true]
        var missing: Int? = nil
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: AnyKey.self)
            try c.encode(z, forKey: AnyKey("z"))
            try c.encode(a, forKey: AnyKey("a"))
            var u = c.nestedUnkeyedContainer(forKey: AnyKey("list"))
            for v in list { try u.encode(v) }  // concrete-typed element encode
            try u.encode("s")
            try c.encode(empty, forKey: AnyKey("empty"))
            try c.encode(nested, forKey: AnyKey("nested"))
            try c.encodeIfPresent(missing, forKey: AnyKey("missing"))
        }
    }

    func testDeclarationOrderAndEscaping() throws {
        XCTAssertEqual(String(decoding: try OrderedJSONEncoder.encode(Sample()), as: UTF8.self),
                       #"{"z":1,"a":"x\"\n\u0001","list":[1,2,"s"],"empty":[],"nested":{"k":true}}"#)
        let map = ["b": 2, "a": 1, "c": 3, "aa": 0]
        XCTAssertEqual(String(decoding: try OrderedJSONEncoder.encode(map), as: UTF8.self), #"{"a":1,"aa":0,"b":2,"c":3}"#)
        XCTAssertEqual(String(decoding: SpecLoader.encodePretty(Sample()), as: UTF8.self),
                       "{\n\t\"z\": 1,\n\t\"a\": \"x\\\"\\n\\u0001\",\n\t\"list\": [\n\t\t1,\n\t\t2,\n\t\t\"s\"\n\t],\n\t\"empty\": [],\n\t\"nested\": {\n\t\t\"k\": true\n\t}\n}")
    }
}
