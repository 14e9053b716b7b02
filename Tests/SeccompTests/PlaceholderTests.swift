import XCTest
@testable import Seccomp

final class SeccompPlaceholderTests: XCTestCase {
    func testModuleLoads() { XCTAssertTrue(true) }
}
