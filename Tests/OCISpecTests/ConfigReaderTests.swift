import Foundation
import XCTest
@testable import OCISpec

/// ConfigReader (the hand-written config.json reader `create` uses) against SpecDecoder (the
/// Codable model): on every document both accept they must build the same Spec, and ConfigReader
/// must never accept a document the Codable path rejects (it gives up instead, and SpecDecoder
/// then reports the error). Run on every runtime-spec schema example and on real configs: `spec`
/// output of swiftrun, runc and crun, containerd's default spec, what podman and docker wrote for
/// a handful of `run`s (Fixtures/configs), and the bundles in Bundles/.
final class ConfigReaderTests: XCTestCase {
    enum Outcome: Equatable { case fast, codableOnly, rejected }

    /// Compares the two readers on one document; returns which one decided.
    @discardableResult
    func compare(_ bytes: [UInt8], _ name: String, file: StaticString = #filePath, line: UInt = #line) -> Outcome {
        guard let tree = try? JSONParser.parse(bytes) else { return .rejected }
        let fast = ConfigReader.spec(tree)
        let codable: Spec?
        do { codable = try SpecLoader.decode(Spec.self, tree, file: name) } catch {
            XCTAssertNil(fast, "\(name): ConfigReader accepted a document SpecDecoder rejects: \(error)", file: file, line: line)
            return .rejected
        }
        guard let fast else { return .codableOnly }
        XCTAssertEqual(fast, codable, "\(name): ConfigReader and SpecDecoder disagree", file: file, line: line)
        return .fast
    }

    func testSchemaConfigExamples() throws {
        var outcomes: [String: Outcome] = [:]
        for kind in ["good", "bad"] {
            for ex in try schemaExamples("config", kind) { outcomes["\(kind)/\(ex.name)"] = compare(ex.bytes, ex.name) }
        }
        // The plain Linux examples take the fast path; the others are still decided correctly.
        for name in ["good/spec-example.json", "good/minimal.json", "good/minimal-for-start.json"] {
            XCTAssertEqual(outcomes[name], .fast, name)
        }
        // Every Linux example that decodes takes it (freebsd and zos ones are the Codable path's).
        XCTAssertEqual(outcomes.filter { $0.value == .fast }.keys.sorted(),
                       ["good/linux-netdevice.json", "good/linux-rdma.json", "good/minimal-for-start.json",
                        "good/minimal.json", "good/spec-example.json"])
    }

    /// Every example of every kind (config, state, features) parses exactly when Foundation's
    /// JSON parser takes it, and SpecLoader's answer for it does not depend on the path taken.
    func testEverySchemaExampleParses() throws {
        let root = try schemaTestDirectory()
        var seen = 0
        for kind in ["config", "state", "features"] {
            for goodOrBad in ["good", "bad"] {
                for ex in try schemaExamples(kind, goodOrBad) {
                    seen += 1
                    let ours = (try? JSONParser.parse(ex.bytes)) != nil
                    let foundation = (try? JSONSerialization.jsonObject(with: Data(ex.bytes), options: [.fragmentsAllowed])) != nil
                    XCTAssertEqual(ours, foundation, "\(kind)/\(goodOrBad)/\(ex.name)")
                    if kind == "config" {
                        let loaded = Result { try SpecLoader.loadConfig(ex.bytes, file: ex.name).spec }
                        let codable = Result { try SpecLoader.decode(Spec.self, ex.bytes, file: ex.name) }
                        switch (loaded, codable) {
                        case (.success(let a), .success(let b)): XCTAssertEqual(a, b, ex.name)
                        case (.failure(let a), .failure(let b)): XCTAssertEqual("\(a)", "\(b)", ex.name)
                        default: XCTFail("\(ex.name): loadConfig \(loaded), Codable \(codable)")
                        }
                    }
                }
            }
        }
        XCTAssertGreaterThanOrEqual(seen, 19, "examples under \(root.path)")
    }

    func testRealConfigsTakeTheFastPathAndAgree() throws {
        var configs = try fixtureConfigs()
        configs.append(("swiftrun spec", SpecLoader.encodePretty(DefaultSpec.make(rootless: false))))
        configs.append(("swiftrun spec --rootless", SpecLoader.encodePretty(DefaultSpec.make(rootless: true))))
        for (name, bytes) in try bundleConfigs() { configs.append((name, bytes)) }
        XCTAssertGreaterThanOrEqual(configs.count, 16)
        for (name, bytes) in configs {
            XCTAssertEqual(compare(bytes, name), .fast, name)
        }
    }

    /// The seccomp profile's text is kept for the cache key; a repeated `linux` or `seccomp` key
    /// (whose meaning is the merge of its occurrences) leaves it out.
    func testSeccompSource() throws {
        let profile = #"{ "defaultAction": "SCMP_ACT_ALLOW" }"#
        let doc = #"{"ociVersion":"1.0.2","linux":{"sysctl":{},"seccomp":\#(profile),"maskedPaths":[]}}"#
        let loaded = try SpecLoader.loadConfig(bytes(doc))
        XCTAssertEqual(loaded.seccompSource.map { String(decoding: $0, as: UTF8.self) }, profile)
        XCTAssertEqual(loaded.spec.linux?.seccomp?.defaultAction, "SCMP_ACT_ALLOW")
        XCTAssertNil(try SpecLoader.loadConfig(bytes(#"{"ociVersion":"1.0.2","linux":{}}"#)).seccompSource)
        let twice = #"{"ociVersion":"1.0.2","linux":{"seccomp":\#(profile),"seccomp":{"defaultAction":"SCMP_ACT_LOG"}}}"#
        let t = try SpecLoader.loadConfig(bytes(twice))
        XCTAssertNil(t.seccompSource)
        XCTAssertEqual(t.spec.linux?.seccomp?.defaultAction, "SCMP_ACT_LOG")
        let nested = #"{"ociVersion":"1.0.2","process":{"cwd":"/","seccomp":1},"linux":{"resources":{"seccomp":2}}}"#
        XCTAssertNil(try SpecLoader.loadConfig(bytes(nested)).seccompSource)
    }

    /// What ConfigReader gives up on is decided (and worded) by SpecDecoder, exactly as before.
    func testGivingUpKeepsTheCodableErrors() {
        let cases: [(String, String)] = [
            (#"{"ociVersion":"1","process":{"cwd":"/","user":{"uid":"0","gid":0}}}"#,
             "config.json: process.user.uid: expected uint32, got string"),
            (#"{"ociVersion":"1","process":{"cwd":"/","user":{"uid":1099511627776,"gid":0}}}"#,
             "config.json: process.user.uid: 1099511627776 is out of range for uint32 (0 to 4294967295)"),
            (#"{"ociVersion":"1","linux":{"rootfsPropagation":"sideways"}}"#,
             "config.json: linux.rootfsPropagation: invalid value \"sideways\" (expected one of: private, shared, slave, unbindable, rprivate, rshared, rslave, runbindable)"),
            (#"{"ociVersion":"1","mounts":[{"type":"tmpfs"}]}"#, "config.json: mounts[0].destination: required field is missing"),
        ]
        for (doc, message) in cases {
            guard let tree = try? JSONParser.parse(bytes(doc)) else { XCTFail(doc); continue }
            XCTAssertNil(ConfigReader.spec(tree), doc)
            do {
                _ = try SpecLoader.loadConfig(bytes(doc))
                XCTFail("accepted: \(doc)")
            } catch {
                let codable = Result { try SpecLoader.decode(Spec.self, bytes(doc), file: "config.json") }
                if case .failure(let e) = codable { XCTAssertEqual("\(error)", "\(e)", doc) }
                XCTAssertTrue("\(error)".hasPrefix(message.split(separator: ":").prefix(2).joined(separator: ":")),
                              "\(error)")
            }
        }
    }

    /// A repeated key anywhere ConfigReader looks sends the document to SpecDecoder's merge rules.
    func testRepeatedKeysAreMergedByTheCodablePath() throws {
        let doc = #"{"ociVersion":"1.0.2","process":{"cwd":"/","args":["a"]},"process":{"args":["b"]}}"#
        let tree = try JSONParser.parse(bytes(doc))
        XCTAssertNil(ConfigReader.spec(tree))
        let spec = try SpecLoader.loadConfig(bytes(doc)).spec
        XCTAssertEqual(spec.process?.args, ["b"])
        XCTAssertEqual(spec.process?.cwd, "/")
    }

    // MARK: fixtures

    func fixtureConfigs(file: StaticString = #filePath) throws -> [(String, [UInt8])] {
        let dir = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().appendingPathComponent("Fixtures/configs")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 13, dir.path)
        return try names.map { ($0, Array(try Data(contentsOf: dir.appendingPathComponent($0)))) }
    }

    func bundleConfigs(file: StaticString = #filePath) throws -> [(String, [UInt8])] {
        let root = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Bundles")
        var out: [(String, [UInt8])] = []
        for b in try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() {
            let f = root.appendingPathComponent(b).appendingPathComponent("config.json")
            if let d = try? Data(contentsOf: f) { out.append(("Bundles/\(b)/config.json", Array(d))) }
        }
        XCTAssertFalse(out.isEmpty, root.path)
        return out
    }
}
