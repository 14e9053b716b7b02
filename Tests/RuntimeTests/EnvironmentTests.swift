import XCTest
@testable import Runtime

/// process.env as the process gets it: each variable once, HOME filled in when unset or empty.
final class EnvironmentTests: XCTestCase {
    func testRepeatedKeyKeepsFirstPlaceAndLastValue() {
        XCTAssertEqual(Environment.deduplicated(["A=1", "B=2", "A=3", "C", "C", "D="]), ["A=3", "B=2", "C", "D="])
    }

    func testEmptyOrMissingHomeIsReplaced() {
        XCTAssertEqual(Environment.withHome(["X=1", "HOME="]) { "/root" }, ["X=1", "HOME=/root"])
        XCTAssertEqual(Environment.withHome(["X=1"]) { "/root" }, ["X=1", "HOME=/root"])
        XCTAssertEqual(Environment.withHome(["HOME=/h"]) { "/root" }, ["HOME=/h"])
    }
}
