import XCTest

/// Issue 8: no hidden mutable globals. State a command needs (the log settings, the caller's fds,
/// the init's host pid, …) is passed in the values the code receives (StateStore, InitContext,
/// Invocation, ProcessFinalize), never kept in process-wide variables: a library caller could not
/// run two of them side by side, a test could not give each its own, and under Swift 6 such a
/// variable needs `nonisolated(unsafe)`, which switches off the compiler's data-race check.
///
/// So no Swift file under Sources declares `nonisolated(unsafe)`, a stored `static var` /
/// `class var`, or a stored top-level `var`. Computed ones (`static var x: T { … }`) are fine.
/// The allowlist is for a file that must keep one, with the reason beside it; it is empty.
final class HiddenGlobalsTests: XCTestCase {
    static let allowed: Set<String> = [
    ]

    /// What `source` declares that is mutable process-wide state, one entry per declaration.
    static func violations(in source: String) -> [String] {
        let code = KernelBoundaryTests.stripCommentsAndStrings(source)
        var found: [String] = []
        var depth = 0        // brace depth: 0 is file scope
        for line in code.split(separator: "\n", omittingEmptySubsequences: false) {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.contains("nonisolated(unsafe)") { found.append("nonisolated(unsafe): \(t)") }
            let words = t.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            let modifiers: Set<String> = ["public", "private", "fileprivate", "internal", "package", "final",
                                          "nonisolated(unsafe)", "@MainActor", "lazy"]
            var i = 0
            while i < words.count && (modifiers.contains(words[i]) || words[i].hasPrefix("private(")
                                      || words[i].hasPrefix("public(")) { i += 1 }
            let isStatic = i < words.count && (words[i] == "static" || words[i] == "class")
            if isStatic { i += 1 }
            while i < words.count && modifiers.contains(words[i]) { i += 1 }
            if i < words.count && words[i] == "var" && (isStatic || depth == 0) && isStored(t) {
                found.append((isStatic ? "stored static var: " : "top-level var: ") + t)
            }
            for ch in line {
                if ch == "{" { depth += 1 } else if ch == "}" { depth = max(0, depth - 1) }
            }
        }
        return found
    }

    /// `var x = 1`, `var x: T = v`, `var x: T` are stored; `var x: T { … }` is computed.
    static func isStored(_ decl: String) -> Bool {
        guard let v = decl.range(of: "var ") else { return false }
        let rest = decl[v.upperBound...]
        if let eq = rest.firstIndex(of: "="), rest.firstIndex(of: "{").map({ eq < $0 }) ?? true { return true }
        return !rest.contains("{")
    }

    func testNoHiddenMutableGlobals() throws {
        let sources = KernelBoundaryTests.repo.appendingPathComponent("Sources")
        let files = (FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String } ?? [])
            .filter { $0.hasSuffix(".swift") }.map { "Sources/" + $0 }.sorted()
        XCTAssertGreaterThan(files.count, 50, "found too few sources under \(sources.path)")
        for file in files {
            let text = try String(contentsOf: KernelBoundaryTests.repo.appendingPathComponent(file), encoding: .utf8)
            let found = Self.violations(in: text)
            if Self.allowed.contains(file) {
                XCTAssertFalse(found.isEmpty, "\(file) has no mutable global any more: take it off HiddenGlobalsTests.allowed")
            } else {
                XCTAssertTrue(found.isEmpty, "\(file) keeps process-wide mutable state; pass it in a context instead: "
                              + found.joined(separator: "; "))
            }
        }
    }

    func testTheCheckSeesWhatItShould() {
        XCTAssertEqual(Self.violations(in: "nonisolated(unsafe) var fds: [Int32]? = nil\n").count, 2)
        XCTAssertEqual(Self.violations(in: "enum Log {\n    nonisolated(unsafe) static var fd: Int32 = 2\n}").count, 2)
        XCTAssertEqual(Self.violations(in: "enum E {\n    static var cache: [String: Int] = [:]\n}"),
                       ["stored static var: static var cache: [String: Int] = [:]"])
        XCTAssertEqual(Self.violations(in: "var counter = 0\n"), ["top-level var: var counter = 0"])
        // Computed statics, instance vars and locals are not globals.
        XCTAssertEqual(Self.violations(in: "enum E {\n    static var now: Int { 1 }\n    public static var x: Bool {\n        true\n    }\n}"), [])
        XCTAssertEqual(Self.violations(in: "struct S {\n    var a = 1\n    func f() {\n        var b = 2\n        b += a\n    }\n}"), [])
        XCTAssertEqual(Self.violations(in: "// nonisolated(unsafe) static var x = 1\nlet s = \"static var y = 2\""), [])
    }
}
