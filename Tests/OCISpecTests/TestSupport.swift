import Foundation
import XCTest
@testable import OCISpec

/// Locates `shared/runtime-spec/schema/test` next to the package root (three levels above this file).
func schemaTestDirectory(file: StaticString = #filePath) throws -> URL {
    let root = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let dir = root.deletingLastPathComponent().appendingPathComponent("shared/runtime-spec/schema/test")
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
        XCTFail("runtime-spec schema examples not found at \(dir.path); expected <package root>/../shared/runtime-spec")
        throw XCTSkip("schema examples missing")
    }
    return dir
}

/// The JSON files in `<schema/test>/<kind>/<goodOrBad>`, sorted by name.
func schemaExamples(_ kind: String, _ goodOrBad: String) throws -> [(name: String, bytes: [UInt8])] {
    let dir = try schemaTestDirectory().appendingPathComponent(kind).appendingPathComponent(goodOrBad)
    let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
    XCTAssertFalse(names.isEmpty, "no examples in \(dir.path)")
    return try names.map { ($0, Array(try Data(contentsOf: dir.appendingPathComponent($0)))) }
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// Asserts that `body` throws a SpecError whose description is exactly `message`.
func assertSpecError<T>(_ message: String, file: StaticString = #filePath, line: UInt = #line,
                        _ body: () throws -> T) {
    do {
        _ = try body()
        XCTFail("expected error: \(message)", file: file, line: line)
    } catch let e as SpecError {
        XCTAssertEqual(e.description, message, file: file, line: line)
    } catch {
        XCTFail("unexpected error type \(type(of: error)): \(error)", file: file, line: line)
    }
}
