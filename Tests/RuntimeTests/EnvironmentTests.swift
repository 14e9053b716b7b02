import XCTest
@testable import Runtime

/// process.env as the process gets it: each variable once, HOME filled in when unset or empty.
final class EnvironmentTests: XCTestCase {
    func testRepeatedKeyKeepsFirstPlaceAndLastValue() {
        XCTAssertEqual(Environment.deduplicated(["A=1", "B=2", "A=3", "C", "C", "D="]), ["A=3", "B=2", "C", "D="])
        XCTAssertEqual(Environment.deduplicated(["É=1", "E=2", "É=x=y", "e\u{301}=4"]), ["É=x=y", "E=2", "e\u{301}=4"])
    }

    func testEmptyOrMissingHomeIsReplaced() {
        XCTAssertEqual(Environment.withHome(["X=1", "HOME="]) { "/root" }, ["X=1", "HOME=/root"])
        XCTAssertEqual(Environment.withHome(["X=1"]) { "/root" }, ["X=1", "HOME=/root"])
        XCTAssertEqual(Environment.withHome(["HOME=/h"]) { "/root" }, ["HOME=/h"])
    }
}

/// sd_listen_fds(3) as the runtime honours it: only fds meant for this very process.
final class SocketActivationTests: XCTestCase {
    func testCountedOnlyWhenListenPidIsThisProcess() {
        XCTAssertEqual(SocketActivation.inheritedCount(environment: ["LISTEN_FDS=2", "LISTEN_PID=42"], pid: 42), 2)
        XCTAssertEqual(SocketActivation.inheritedCount(environment: ["LISTEN_FDS=2", "LISTEN_PID=41"], pid: 42), 0)
        XCTAssertEqual(SocketActivation.inheritedCount(environment: ["LISTEN_FDS=2"], pid: 42), 0)
        XCTAssertEqual(SocketActivation.inheritedCount(environment: ["LISTEN_FDS=0", "LISTEN_PID=42"], pid: 42), 0)
        XCTAssertEqual(SocketActivation.inheritedCount(environment: ["LISTEN_FDS=x", "LISTEN_PID=42"], pid: 42), 0)
        XCTAssertEqual(SocketActivation.inheritedCount(environment: [], pid: 42), 0)
        // The first LISTEN_FDS= counts, as getenv(3); an entry without "=" is no variable.
        XCTAssertEqual(SocketActivation.inheritedCount(environment: ["LISTEN_FDS", "LISTEN_FDS=3", "LISTEN_FDS=1", "LISTEN_PID=42"], pid: 42), 3)
    }
}
