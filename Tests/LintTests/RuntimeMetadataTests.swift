import XCTest

/// Issue 13: the lifecycle verbs make the Swift runtime do no type-metadata work it can avoid.
///
/// - The release build passes `-disable-concrete-type-metadata-mangled-name-accessors`: metadata of
///   a concrete generic type (`[Mount]`, `[String: String]`, ...) then comes from an accessor that
///   hands the runtime the conformances it needs, not from a mangled name the runtime demangles,
///   checking each generic requirement with a scan of every protocol conformance record (~4,600,
///   pages all over the binary's metadata).
/// - No Swift file calls the standard library's `joined(separator:)` on strings (not inlinable:
///   its first call per collection type looks the iterator type up by its mangled name, with the
///   same scan); `inlineJoined` (LinuxSys) is compiled where it is used. OCISpec does not depend on
///   LinuxSys; its few `joined` words errors of the Codable path, off the lifecycle path.
/// Docs/BENCHMARK.md has the counts.
final class RuntimeMetadataTests: XCTestCase {
    static let repo = KernelBoundaryTests.repo

    func testReleaseBuildUsesMetadataAccessors() throws {
        let makefile = try String(contentsOf: Self.repo.appendingPathComponent("Makefile"), encoding: .utf8)
        let flags = makefile.components(separatedBy: "SWIFT_FLAGS  ?=").dropFirst().first?
            .components(separatedBy: "\nSWIFTRUN").first ?? ""
        XCTAssertTrue(flags.contains("-Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors"),
                      "the Makefile's SWIFT_FLAGS lost -disable-concrete-type-metadata-mangled-name-accessors")
    }

    /// `.joined(` calls in `source`, comments and string literals ignored.
    static func joinedCalls(in source: String) -> Int {
        KernelBoundaryTests.stripCommentsAndStrings(source).components(separatedBy: ".joined(").count - 1
    }

    func testNoStandardLibraryJoinedOutsideOCISpec() throws {
        let sources = Self.repo.appendingPathComponent("Sources")
        let files = (FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String } ?? [])
            .filter { $0.hasSuffix(".swift") && !$0.hasPrefix("OCISpec/") }.sorted()
        XCTAssertGreaterThan(files.count, 50, "found too few sources under \(sources.path)")
        for file in files {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            XCTAssertEqual(Self.joinedCalls(in: text), 0, "Sources/\(file) calls joined(separator:); use inlineJoined")
        }
    }

    func testTheCheckSeesWhatItShould() {
        XCTAssertEqual(Self.joinedCalls(in: "let s = parts.joined(separator: \"/\")\n"), 1)
        XCTAssertEqual(Self.joinedCalls(in: "let s = parts.map { $0 }.joined()\n"), 1)
        XCTAssertEqual(Self.joinedCalls(in: "let s = parts.inlineJoined(separator: \"/\")\n"), 0)
        XCTAssertEqual(Self.joinedCalls(in: "// parts.joined(separator: \"/\")\nlet t = \"a.joined(b)\"\n"), 0)
        XCTAssertEqual(Self.joinedCalls(in: "let joined = CriuExternals.joined(spec)\n"), 1)
    }
}
