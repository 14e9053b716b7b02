import XCTest

/// Docs/ARCHITECTURE.md's module table must describe the package as it is: the same modules as
/// Package.swift, every raw syscall it says CShim wraps declared in a CShim header, and the
/// modules it says do no syscalls importing no libc.
final class ArchitectureDocTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    func read(_ path: String) throws -> String {
        try String(contentsOf: Self.repo.appendingPathComponent(path), encoding: .utf8)
    }

    /// Rows of the "## Modules" table: module name -> (concern, may do syscalls).
    func moduleTable() throws -> [String: (concern: String, syscalls: String)] {
        let doc = try read("Docs/ARCHITECTURE.md")
        guard let start = doc.range(of: "## Modules") else { XCTFail("no ## Modules section"); return [:] }
        var rows: [String: (String, String)] = [:]
        for line in doc[start.upperBound...].split(separator: "\n").drop(while: { !$0.hasPrefix("|") }) {
            guard line.hasPrefix("|") else { break }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard cells.count >= 4, cells[1].hasPrefix("`") else { continue }
            let name = cells[1].split(separator: "`")[0]
            rows[String(name)] = (cells[2], cells[3])
        }
        return rows
    }

    func testModuleTableMatchesPackageTargets() throws {
        let manifest = try read("Package.swift")
        let re = try NSRegularExpression(pattern: #"\.(target|executableTarget|systemLibrary)\(\s*name:\s*"([^"]+)""#)
        let ns = manifest as NSString
        let targets = Set(re.matches(in: manifest, range: NSRange(location: 0, length: ns.length)).map {
            ns.substring(with: $0.range(at: 2))
        })
        XCTAssertFalse(targets.isEmpty)
        XCTAssertEqual(Set(try moduleTable().keys), targets, "Docs/ARCHITECTURE.md's module table vs Package.swift")
    }

    func testEveryShimTheDocNamesIsDeclared() throws {
        guard let row = try moduleTable()["CShim"] else { return XCTFail("no CShim row") }
        guard let open = row.concern.range(of: "raw syscalls without glibc wrappers ("),
              let close = row.concern[open.upperBound...].firstIndex(of: ")") else {
            return XCTFail("the CShim row no longer lists its raw syscalls")
        }
        let names = row.concern[open.upperBound..<close].split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "*", with: "")
        }
        let dir = Self.repo.appendingPathComponent("Sources/CShim/include")
        let headers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".h") }
            .map { try String(contentsOf: dir.appendingPathComponent($0), encoding: .utf8) }.joined()
        for n in names where !n.isEmpty {
            XCTAssertTrue(headers.contains("sr_" + n), "ARCHITECTURE.md says CShim wraps \(n), but no sr_\(n) is declared")
        }
    }

    func testModulesSaidToDoNoSyscallsImportNoLibc() throws {
        for (name, row) in try moduleTable() where row.syscalls.hasPrefix("no") {
            let dir = Self.repo.appendingPathComponent("Sources/" + name)
            let files = FileManager.default.enumerator(atPath: dir.path)?.compactMap { $0 as? String }
                .filter { $0.hasSuffix(".swift") } ?? []
            XCTAssertFalse(files.isEmpty, name)
            for f in files {
                let text = try String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8)
                for lib in ["import Glibc", "import CShim", "import LinuxSys"] {
                    XCTAssertFalse(text.contains(lib), "\(name)/\(f): \(lib), but ARCHITECTURE.md says \(name) does no syscalls")
                }
            }
        }
    }

    /// Every `sr_*` function a CShim header declares is called from Swift (no dead shim ships; the
    /// ones only tests need live in Tests/CShimTestSupport), and the CShim row names every header.
    func testShimListMatchesTheHeadersAndTheirUse() throws {
        let dir = Self.repo.appendingPathComponent("Sources/CShim/include")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".h") }.sorted()
        XCTAssertFalse(names.isEmpty)
        guard let row = try moduleTable()["CShim"] else { return XCTFail("no CShim row") }
        for h in names {
            XCTAssertTrue(row.concern.contains("`\(h)`"), "ARCHITECTURE.md's CShim row does not name \(h)")
        }
        let decl = try NSRegularExpression(pattern: #"\b(sr_[a-z0-9_]+)\s*\("#)
        var declared: Set<String> = []
        for h in names {
            let text = try String(contentsOf: dir.appendingPathComponent(h), encoding: .utf8)
            let ns = text as NSString
            for m in decl.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
                declared.insert(ns.substring(with: m.range(at: 1)))
            }
        }
        XCTAssertGreaterThan(declared.count, 30)
        let sources = Self.repo.appendingPathComponent("Sources")
        let swift = try (FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String } ?? [])
            .filter { $0.hasSuffix(".swift") }
            .map { try String(contentsOf: sources.appendingPathComponent($0), encoding: .utf8) }.joined()
        for name in declared.sorted() {
            XCTAssertTrue(swift.contains(name + "("), "\(name) is declared in CShim but no source calls it: delete it, or move it to Tests/CShimTestSupport if only tests need it")
        }
    }
}
