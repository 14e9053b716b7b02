import XCTest
@testable import OCISpec

final class SchemaExampleTests: XCTestCase {
    func testGoodConfigsDecode() throws {
        for ex in try schemaExamples("config", "good") {
            XCTAssertNoThrow(try SpecLoader.decodeConfig(ex.bytes, file: ex.name), ex.name)
        }
    }

    func testBadConfigsAreRejected() throws {
        for ex in try schemaExamples("config", "bad") {
            XCTAssertThrowsError(try SpecLoader.decodeConfig(ex.bytes, file: ex.name), ex.name) { error in
                XCTAssertTrue(error is SpecError, "\(ex.name): \(error)")
                XCTAssertTrue("\(error)".hasPrefix("\(ex.name): "), "\(error)")
            }
        }
    }

    func testBadConfigMessages() throws {
        let bad = Dictionary(uniqueKeysWithValues: try schemaExamples("config", "bad").map { ($0.name, $0.bytes) })
        assertSpecError("config.json: linux.resources.rdma.mlx5_1.hcaHandles: expected uint32, got string") {
            try SpecLoader.decodeConfig(bad["linux-rdma.json"]!)
        }
        assertSpecError("config.json: linux.netDevices.eth0.name: expected string, got number") {
            try SpecLoader.decodeConfig(bad["linux-netdevice.json"]!)
        }
        assertSpecError("config.json: linux.resources.hugepageLimits[0].pageSize: invalid page size \"64kB\" (must match ^[1-9][0-9]*[KMG]B$)") {
            try SpecLoader.decodeConfig(bad["linux-hugepage.json"]!)
        }
        assertSpecError("config.json: freebsd.jail.vnet: invalid value \"disable\" (expected one of: new, inherit)") {
            try SpecLoader.decodeConfig(bad["freebsd-vnet-disable.json"]!)
        }
        XCTAssertThrowsError(try SpecLoader.decodeConfig(bad["invalid-json.json"]!)) { error in
            XCTAssertTrue("\(error)".hasPrefix("config.json: invalid JSON: "), "\(error)")
        }
    }

    func testGoodConfigsRoundTrip() throws {
        for ex in try schemaExamples("config", "good") {
            let spec = try SpecLoader.decodeConfig(ex.bytes, file: ex.name)
            let again = try SpecLoader.decodeConfig(SpecLoader.encode(spec), file: ex.name)
            XCTAssertEqual(spec, again, ex.name)
        }
    }

    func testSpecExampleContent() throws {
        let ex = try schemaExamples("config", "good").first { $0.name == "spec-example.json" }!
        let spec = try SpecLoader.decodeConfig(ex.bytes)
        XCTAssertEqual(spec.process?.user.additionalGids, [5, 6])
        XCTAssertEqual(spec.linux?.resources?.hugepageLimits?.first?.pageSize, "2MB")
        XCTAssertEqual(spec.linux?.timeOffsets?["monotonic"]?.secs, 172800)
        XCTAssertEqual(spec.linux?.namespaces?.count, 8)
        XCTAssertEqual(spec.hooks?.poststart?.first?.timeout, 5)
        XCTAssertEqual(spec.linux?.seccomp?.syscalls?.first?.names, ["getcwd", "chmod"])
    }

    func testOtherPlatformsDecode() throws {
        let good = Dictionary(uniqueKeysWithValues: try schemaExamples("config", "good").map { ($0.name, $0.bytes) })
        let fb = try SpecLoader.decodeConfig(good["freebsd-example.json"]!)
        XCTAssertEqual(fb.freebsd?.jail?.vnet, .new)
        XCTAssertEqual(fb.freebsd?.devices?.first?.mode, 448)
        XCTAssertEqual(fb.freebsd?.jail?.allow?.mount, ["tmpfs"])
        let zos = try SpecLoader.decodeConfig(good["zos-example.json"]!)
        XCTAssertNotNil(zos.zos)
    }

    func testStateExamples() throws {
        for ex in try schemaExamples("state", "good") {
            let st = try SpecLoader.decodeState(ex.bytes, file: ex.name)
            XCTAssertEqual(st.id, "oci-container1")
            XCTAssertEqual(st.pid, 4422)
            XCTAssertEqual(st.annotations?["myKey"], "myValue")
            XCTAssertEqual(try SpecLoader.decodeState(SpecLoader.encode(st)), st)
        }
        for ex in try schemaExamples("state", "bad") {
            XCTAssertThrowsError(try SpecLoader.decodeState(ex.bytes, file: ex.name), ex.name)
        }
    }

    func testFeaturesExamplesRoundTrip() throws {
        for ex in try schemaExamples("features", "good") {
            let f = try SpecLoader.decodeFeatures(ex.bytes, file: ex.name)
            // Semantic round trip: the re-encoded document equals the original JSON value.
            let original = try SpecLoader.decode(JSONValue.self, ex.bytes, file: ex.name)
            let reencoded = try SpecLoader.decode(JSONValue.self, SpecLoader.encode(f), file: ex.name)
            XCTAssertEqual(original, reencoded, ex.name)
        }
        for ex in try schemaExamples("features", "bad") {
            assertSpecError("\(ex.name): ociVersionMax: required field is missing") {
                try SpecLoader.decodeFeatures(ex.bytes, file: ex.name)
            }
        }
    }
}
