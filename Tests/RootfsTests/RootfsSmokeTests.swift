import XCTest
@testable import Rootfs

final class RootfsSmokeTests: XCTestCase {
    func testModuleLoads() { XCTAssertTrue(true) }
}
