import OCISpec
import XCTest

final class ByteStringsTests: XCTestCase {
    func testHasBytePrefixComparesBytes() {
        XCTAssertTrue("/proc/self".hasBytePrefix("/proc"))
        XCTAssertTrue("--preserve-fds=3".hasBytePrefix("--preserve-fds"))
        XCTAssertTrue("abc".hasBytePrefix(""))
        XCTAssertFalse("ab".hasBytePrefix("abc"))
        XCTAssertFalse("/x".hasBytePrefix("x"))
        // Bytes, not Characters: "e" + combining acute starts with "e" (runc's strings.HasPrefix).
        XCTAssertTrue("e\u{301}".hasBytePrefix("e"))
        XCTAssertFalse("e\u{301}".hasPrefix("e"))
        XCTAssertTrue("a/b"[...].hasBytePrefix("a/"))
    }

    func testByteSplitLikeSplit() {
        let cases = ["a b  c", " lead", "trail ", "", " ", "one", "x  y\nz"]
        for s in cases {
            XCTAssertEqual(s.byteSplit { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") },
                           s.split(whereSeparator: { $0 == " " || $0 == "\n" }), s)
            XCTAssertEqual(s.byteSplit(omittingEmpty: false) { $0 == UInt8(ascii: " ") },
                           s.split(separator: " ", omittingEmptySubsequences: false), s)
        }
        XCTAssertEqual("/a/é/b".byteSplit { $0 == UInt8(ascii: "/") }, ["a", "é", "b"])
    }
}
