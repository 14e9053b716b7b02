import XCTest
@testable import Cgroups

final class CgroupsPlaceholderTests: XCTestCase {
    func testModuleLoads() { XCTAssertTrue(true) }
}
