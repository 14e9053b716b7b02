import XCTest

/// Issue 8: fds are owned by `LinuxSys.FileDescriptor` (closed in `deinit`) or, in a clone3 child
/// that never returns, by `ChildFD` (closed by its `close()`), not closed by hand. A hand close is
/// a close function given a raw number (`FileIO.close(fd)`, `Glibc.close(fd)`, `close(fd)`); an
/// owned value's `x.close()` takes no argument and is not one. The ones left outside `LinuxSys`
/// are counted in Docs/ARCHITECTURE.md ("**N hand closes**", "**1 hand close**"), each with its
/// reason: this test fails when the code and that number differ, so a new one is seen (and
/// justified) and a removed one taken off.
final class HandClosesTests: XCTestCase {
    static let handClose = try! NSRegularExpression(pattern: #"(?<![\w])close\(\s*[^\s)]"#)

    /// The hand closes in `source` (comments and strings do not count).
    static func count(in source: String) -> Int {
        let code = KernelBoundaryTests.stripCommentsAndStrings(source)
        return handClose.numberOfMatches(in: code, range: NSRange(location: 0, length: (code as NSString).length))
    }

    /// The number Docs/ARCHITECTURE.md gives.
    static func documented() throws -> Int? {
        let doc = try String(contentsOf: KernelBoundaryTests.repo.appendingPathComponent("Docs/ARCHITECTURE.md"), encoding: .utf8)
        let re = try NSRegularExpression(pattern: #"\*\*(\d+) hand closes?\*\*"#)
        let ns = doc as NSString
        guard let m = re.firstMatch(in: doc, range: NSRange(location: 0, length: ns.length)) else { return nil }
        return Int(ns.substring(with: m.range(at: 1)))
    }

    func testHandClosesAreTheDocumentedOnes() throws {
        var perFile: [String: Int] = [:]
        for file in KernelBoundaryTests.swiftSources() {
            let text = try String(contentsOf: KernelBoundaryTests.repo.appendingPathComponent(file), encoding: .utf8)
            let n = Self.count(in: text)
            if n > 0 { perFile[file] = n }
        }
        let total = perFile.values.reduce(0, +)
        let where_ = perFile.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "\n")
        let doc = try XCTUnwrap(try Self.documented(), "Docs/ARCHITECTURE.md must say \"**N hand closes**\" (or \"**1 hand close**\")")
        XCTAssertEqual(total, doc, "hand closes outside LinuxSys: \(total), Docs/ARCHITECTURE.md says \(doc); "
                       + "own the fd instead (FileDescriptor, ChildFD in a clone3 child), or update the number and its "
                       + "reasons there:\n\(where_)")
    }

    func testTheCountSeesWhatItShould() {
        XCTAssertEqual(Self.count(in: "FileIO.close(fd)\nGlibc.close(x)\n_ = close(3)"), 3)
        XCTAssertEqual(Self.count(in: "fd.close()\nsync.parent.close()\nmap.closeAll(fds)\nclosedir(d)"), 0)
        XCTAssertEqual(Self.count(in: "// FileIO.close(fd)\nlet s = \"close(fd)\""), 0)
    }
}
