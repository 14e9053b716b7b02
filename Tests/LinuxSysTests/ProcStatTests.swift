#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import XCTest

final class ProcStatTests: XCTestCase {
    /// The command name may contain spaces and parentheses: fields count from its last ')'.
    func testFieldsAfterACommandNameWithParenthesesAndSpaces() throws {
        let line = "4242 (a) b (c) S 17 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10 0 0"
        let st = try XCTUnwrap(ProcStat(line))
        XCTAssertEqual(st.state, "S")
        XCTAssertEqual(st.parent, 17)
        XCTAssertEqual(st.startTime, 987654)
        XCTAssertFalse(st.isDead)
    }

    func testZombieAndDeadAreDead() throws {
        XCTAssertTrue(try XCTUnwrap(ProcStat("1 (x) Z 0")).isDead)
        XCTAssertTrue(try XCTUnwrap(ProcStat("1 (x) X 0")).isDead)
        XCTAssertNil(ProcStat("garbage without the command name"))
        XCTAssertNil(ProcStat("1 (x)"))
    }

    func testOwnProcess() throws {
        let me = try XCTUnwrap(ProcStat.read(getpid()))
        XCTAssertEqual(me.parent, getppid())
        XCTAssertEqual(me.startTime, Proc.startTime(getpid()))
        XCTAssertTrue(Proc.isAlive(getpid(), startTime: me.startTime))
        XCTAssertFalse(Proc.isAlive(getpid(), startTime: (me.startTime ?? 0) + 1))
        XCTAssertNil(ProcStat.read(-1))
    }
}

final class ProcArgumentsTests: XCTestCase {
    /// The C shim's argc/argv are the ones CommandLine reads.
    func testArgumentsAreCommandLines() {
        XCTAssertEqual(Proc.argc, Int(CommandLine.argc))
        XCTAssertEqual(Proc.arguments(), Array(CommandLine.arguments.dropFirst()))
        XCTAssertNil(Proc.argv[Proc.argc])
    }
}
