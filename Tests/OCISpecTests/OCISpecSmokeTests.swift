import XCTest
@testable import OCISpec

final class OCISpecSmokeTests: XCTestCase {
    func testModuleLoads() { XCTAssertTrue(true) }
}
