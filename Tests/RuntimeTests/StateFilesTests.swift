import Cgroups
import Foundation
import OCISpec
import XCTest
@testable import Runtime

/// state.json, intent.json, hook stdin and `state`/`list` output are written by JSONWriter and
/// read by hand; Foundation's JSONEncoder (what wrote them before) and the Codable model are
/// the reference they are compared with, byte for byte.
final class StateFilesTests: XCTestCase {
    func sortedEncoding<T: Encodable>(_ v: T) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try e.encode(v), as: UTF8.self)
    }

    var records: [ContainerRecord] {
        var hooks = Hooks()
        hooks.prestart = [Hook(path: "/bin/a", args: ["a", "x\"y"], env: ["K=V"], timeout: 5), Hook(path: "/b")]
        hooks.poststop = [Hook(path: "/c", timeout: nil)]
        hooks.createContainer = []
        let plain = ContainerRecord(id: "c1", pid: 4242, pidStartTime: 123456789, bundle: "/b/ündle",
                                    rootfs: "/b/rootfs", created: "2026-12-01T12:00:00.123456789Z", owner: "",
                                    initialized: true, ownPidNamespace: true, annotations: nil, hooks: nil,
                                    hasProcess: true, cgroupMode: nil, cgroupPaths: nil)
        var full = plain
        full.annotations = ["b": "1", "B": "2", "a10": "x", "a9": "\n\t\u{1}/\\", "é": "😀", "": ""]
        full.hooks = hooks
        full.cgroupMode = .hybrid
        full.cgroupPaths = ["memory": "/sys/fs/cgroup/memory/x", "": "/sys/fs/cgroup/unified/x"]
        full.resctrlDirs = ["/sys/fs/resctrl/a", "/sys/fs/resctrl"]
        full.hostRootfsBelowMountID = 77
        full.systemdUnit = "docker-c1.scope"  // the systemd driver's unit: delete and update need it
        full.pid = -1
        full.initialized = false
        return [plain, full]
    }

    func testRecordIsWrittenAsJSONEncoderWroteIt() throws {
        for r in records {
            XCTAssertEqual(String(decoding: r.json(), as: UTF8.self), try sortedEncoding(r))
        }
    }

    func testRecordReadsBackOnBothPaths() throws {
        for r in records {
            let bytes = r.json()
            let tree = try SpecLoader.decode(ContainerRecord.self, bytes, file: "state.json") { ContainerRecord.read($0) }
            let codable = try SpecLoader.decode(ContainerRecord.self, bytes, file: "state.json") { _ in nil }
            XCTAssertEqual(try sortedEncoding(tree), try sortedEncoding(r))
            XCTAssertEqual(try sortedEncoding(codable), try sortedEncoding(r))
            XCTAssertNotNil(try SpecLoader.decode(ContainerRecord.self, bytes, file: "x") { f -> ContainerRecord? in
                let v = ContainerRecord.read(f)
                XCTAssertNotNil(v, "the hand-written reader takes what the writer wrote")
                return v
            })
        }
    }

    func testBadStateFilesAreWordedByTheCodablePath() {
        let doc = Array(#"{"id":"c1","pid":"x"}"#.utf8)
        XCTAssertThrowsError(try SpecLoader.decode(ContainerRecord.self, doc, file: "state.json", fast: ContainerRecord.read)) { e in
            XCTAssertTrue("\(e)".hasPrefix("state.json: "), "\(e)")
        }
        let mode = Array(#"{"bundle":"/b","rootfs":"/r","created":"t","cgroupMode":"v3"}"#.utf8)
        XCTAssertThrowsError(try SpecLoader.decode(CreateIntent.self, mode, file: "intent.json", fast: CreateIntent.read)) { e in
            XCTAssertTrue("\(e)".contains("cgroupMode"), "\(e)")
        }
    }

    func testIntentIsWrittenAsJSONEncoderWroteIt() throws {
        let a = CreateIntent(bundle: "/b", rootfs: "/r", created: "t", cgroupMode: nil, cgroupPaths: nil, resctrlDirs: nil)
        var b = CreateIntent(bundle: "/b", rootfs: "/r", created: "t", cgroupMode: .unified,
                             cgroupPaths: ["": "/sys/fs/cgroup/x"], resctrlDirs: ["/sys/fs/resctrl/x"], hostRootfsBelowMountID: 3)
        b.systemdUnit = "vt-a1.scope"
        for i in [a, b] {
            XCTAssertEqual(String(decoding: i.json(), as: UTF8.self), try sortedEncoding(i))
            let back = try SpecLoader.decode(CreateIntent.self, i.json(), file: "intent.json", fast: CreateIntent.read)
            XCTAssertEqual(back, i)
            XCTAssertEqual(CreateIntent.read(try tree(i.json())), i)
        }
    }

    func testHookInput() throws {
        let states = [State(ociVersion: "1.3.0", id: "c", status: "created", pid: 9, bundle: "/b", annotations: nil),
                      State(ociVersion: "1.3.0", id: "c", status: "stopped", pid: nil, bundle: "/b",
                            annotations: ["z": "1", "a": "\u{7f}\u{2028}"])]
        for s in states {
            XCTAssertEqual(String(decoding: s.hookInput, as: UTF8.self), try sortedEncoding(s))
        }
    }

    func testStateOutputKeepsRuncFieldOrder() {
        let s = ContainerState(ociVersion: "1.3.0", id: "c", pid: 0, status: "stopped", bundle: "/b", rootfs: "/b/r",
                               created: "t", annotations: ["k": "v"], owner: "")
        XCTAssertEqual(String(decoding: ContainerState.json([s], array: false, indent: "  "), as: UTF8.self),
                       String(decoding: SpecLoader.encodeOrdered(s, indent: "  "), as: UTF8.self))
        var t = s
        t.annotations = nil
        XCTAssertEqual(String(decoding: ContainerState.json([s, t], array: true), as: UTF8.self),
                       String(decoding: SpecLoader.encodeOrdered([s, t]), as: UTF8.self))
    }

    func tree(_ bytes: [UInt8]) throws -> JSONFields {
        var fields: JSONFields?
        _ = try SpecLoader.decode(CreateIntent.self, bytes, file: "x") { f -> CreateIntent? in fields = f; return nil }
        return fields!
    }
}
