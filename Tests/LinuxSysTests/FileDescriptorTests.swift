#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import XCTest

/// The owned fd types: each fd closed exactly once, when its owner goes, unless handed over.
final class FileDescriptorTests: XCTestCase {
    func isOpen(_ fd: Int32) -> Bool { fcntl(fd, F_GETFD) >= 0 }
    func devNull() -> Int32 { open("/dev/null", O_RDONLY | O_CLOEXEC) }
    func openFDCount() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1 }

    func testClosedWhenTheOwnerGoesAndNotWhenReleased() {
        var raw: Int32 = -1
        do {
            let fd = FileDescriptor(adopting: devNull())
            raw = fd.rawValue
            XCTAssertTrue(isOpen(raw))
        }
        XCTAssertFalse(isOpen(raw))

        let kept = FileDescriptor(adopting: devNull()).release()
        XCTAssertTrue(isOpen(kept))
        Glibc.close(kept)

        let c = FileDescriptor(adopting: devNull())
        let n = c.rawValue
        c.close()
        XCTAssertFalse(isOpen(n))
    }

    func testAdoptingResultIsNilForAFailedCallAndKeepsItsErrno() {
        let none = FileDescriptor(adoptingResult: open("/no/such/file", O_RDONLY))
        XCTAssertEqual(errno, ENOENT)
        XCTAssertTrue(none == nil)
        let some = FileDescriptor(adoptingResult: devNull())
        XCTAssertTrue(some != nil)
        XCTAssertTrue(isOpen(some.raw()))
    }

    func testOptionalReleaseLeavesNil() {
        var fd: FileDescriptor? = FileDescriptor(adopting: devNull())
        let n = fd.release()
        XCTAssertTrue(fd == nil)
        XCTAssertTrue(isOpen(n))
        Glibc.close(n)
        XCTAssertEqual(fd.release(), -1)
    }

    func testPipeEndsAreConsumedOneByOne() throws {
        let p = try OwnedPipe("test pipe")
        let r = p.read.rawValue, w = p.write.rawValue
        XCTAssertEqual(FileIO.writeSome(w, [1, 2, 3], from: 0, to: 3), 3)
        p.write.close()
        XCTAssertFalse(isOpen(w))
        var buf = [UInt8](repeating: 0, count: 8)
        XCTAssertEqual(FileIO.readSome(r, into: &buf), 3)
        XCTAssertEqual(FileIO.readSome(r, into: &buf), 0, "EOF: the only write end is closed")
        XCTAssertTrue(isOpen(r))
        p.read.close()
        XCTAssertFalse(isOpen(r))
    }

    func testListKeepsOrderAndClosesEveryFD() {
        var raws: [Int32] = []
        do {
            var list = FileDescriptorList()
            for _ in 0..<3 { list.append(FileDescriptor(adopting: devNull())) }
            raws = list.rawValues
            XCTAssertEqual(list.count, 3)
            XCTAssertTrue(raws.allSatisfy(isOpen))
        }
        XCTAssertTrue(raws.allSatisfy { !isOpen($0) })

        var list = FileDescriptorList()
        list.append(FileDescriptor(adopting: devNull()))
        let released = list.release()
        XCTAssertTrue(released.allSatisfy(isOpen))
        released.forEach { Glibc.close($0) }
    }

    func testMapClosesEveryFDAndAReplacedOne() {
        var first: Int32 = -1, raws: [Int: Int32] = [:]
        do {
            var map = FileDescriptorMap<Int>()
            map.insert(FileDescriptor(adopting: devNull()), for: 4)
            first = map.rawValues[4]!
            map.insert(FileDescriptor(adopting: devNull()), for: 4)
            XCTAssertFalse(isOpen(first), "the fd it replaced is closed")
            map.insert(FileDescriptor(adopting: devNull()), for: 7)
            raws = map.rawValues
            XCTAssertEqual(map.count, 2)
            XCTAssertEqual(Set(map.keys), [4, 7])
            XCTAssertTrue(raws.values.allSatisfy(isOpen))
        }
        XCTAssertTrue(raws.values.allSatisfy { !isOpen($0) })

        let adopted = FileDescriptorMap(adopting: ["a": devNull()])
        let released = adopted.release()
        XCTAssertTrue(isOpen(released["a"]!))
        do { _ = FileDescriptorMap(adopting: released) }
        XCTAssertFalse(isOpen(released["a"]!))
    }

    func testSafePathEnsureKeepsNoFD() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fdtest-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = FileDescriptor(adopting: try FileIO.open(dir.path, SafePath.O_PATH | O_DIRECTORY))
        let before = openFDCount()
        try SafePath.ensure(root: root.rawValue, "/a/b", kind: .directory)
        try SafePath.ensure(root: root.rawValue, "/a/f", kind: .file)
        XCTAssertEqual(openFDCount(), before)
        XCTAssertTrue(FileIO.isDirectory(dir.path + "/a/b"))
        XCTAssertTrue(FileIO.exists(dir.path + "/a/f"))
    }
}
