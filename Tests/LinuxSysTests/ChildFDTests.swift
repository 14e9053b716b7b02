import XCTest
#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// The hand-over across clone3 (Docs/ARCHITECTURE.md): the parent's owned fds close exactly once,
/// when they go away; the child's copies (`ChildFD`, `ChildFDMap`) are never closed by a deinit,
/// only by their `close()`, which closes each fd once.
final class ChildFDTests: XCTestCase {
    func isOpen(_ fd: Int32) -> Bool { FD.statusFlags(fd) != nil }

    func openNull() throws -> FileDescriptor {
        FileDescriptor(adopting: try FileIO.open("/dev/null", O_RDONLY | O_CLOEXEC))
    }

    func testParentsOwnedFDClosesWhenItGoesAway() throws {
        var n: Int32 = -1
        do {
            let fd = try openNull()
            n = fd.rawValue
            XCTAssertTrue(isOpen(n))
        }
        XCTAssertFalse(isOpen(n), "the parent's copy closes at the end of its scope")
    }

    func testChildTakesOverWithoutClosingAndClosesOnce() throws {
        let fd = try openNull()
        let n = fd.rawValue
        let child = ChildFD(fd)
        XCTAssertTrue(isOpen(n), "taking the child's copy closes nothing")
        child.close()
        XCTAssertFalse(isOpen(n))
    }

    func testChildFDWithoutCloseStaysOpen() throws {
        var n: Int32 = -1
        do {
            let child = ChildFD(try openNull())
            n = child.rawValue
        }
        // No deinit: left alone, a child's fd stays open until execve (close-on-exec) or exit.
        XCTAssertTrue(isOpen(n))
        ChildFD(adopting: n).close()
    }

    func testOptionalHandOver() throws {
        let none: FileDescriptor? = nil
        let handed = none.forChild()
        XCTAssertNil(handed.rawValue, "nil stays nil")
        let some: FileDescriptor? = try openNull()
        var child = some.forChild()
        let n = try XCTUnwrap(child.rawValue)
        XCTAssertTrue(isOpen(n))
        child.close()
        XCTAssertFalse(isOpen(n))
        XCTAssertNil(child.rawValue, "closed: nothing left to borrow")
    }

    func testMapClosesEveryFDWhenItGoesAway() throws {
        var numbers: [Int32] = []
        do {
            var map = FileDescriptorMap<Int>()
            map.insert(try openNull(), for: 3)
            map.insert(try openNull(), for: 7)
            numbers = Array(map.rawValues.values)
            XCTAssertEqual(map.rawValues[3].map(isOpen), true)
        }
        XCTAssertEqual(numbers.count, 2)
        XCTAssertEqual(numbers.filter { isOpen($0) }, [])
    }

    /// The parent's map handed to the child closes nothing when it goes; the child's closes each
    /// fd once: a second close() does not close an fd that reused one of the numbers.
    func testMapHandOverClosesEachFDExactlyOnce() throws {
        var map = FileDescriptorMap<Int>()
        map.insert(try openNull(), for: 0)
        map.insert(try openNull(), for: 1)
        let numbers = Array(map.rawValues.values).sorted()
        var child = map.forChild()
        XCTAssertEqual(numbers.filter { isOpen($0) }, numbers, "handing over closes nothing")
        XCTAssertEqual(Array(child.numbers.values).sorted(), numbers)
        child.close()
        XCTAssertEqual(numbers.filter { isOpen($0) }, [])
        XCTAssertTrue(child.isEmpty)
        let reused = try openNull()  // the lowest free number: one of those just closed
        XCTAssertTrue(numbers.contains(reused.rawValue))
        child.close()
        XCTAssertTrue(isOpen(reused.rawValue), "a second close() closes nothing")
    }

    func testPipeHandOver() throws {
        let pipe = try OwnedPipe("test pipe")
        let (r, w) = (pipe.read.rawValue, pipe.write.rawValue)
        let child = pipe.forChild()
        XCTAssertTrue(isOpen(r) && isOpen(w))
        child.write.close()
        XCTAssertEqual(try FileIO.readAll(fd: r, name: "test pipe", limit: 4), [], "EOF once the write end is closed")
        child.read.close()
        XCTAssertFalse(isOpen(r) || isOpen(w))
    }

    func testChildProcessOwnsItsPidfd() throws {
        var n: Int32 = -1
        do {
            let p = ChildProcess(pid: 1, pidfd: try openNull())
            n = p.pidfd.rawValue
            XCTAssertTrue(isOpen(n))
        }
        XCTAssertFalse(isOpen(n))
    }
}
