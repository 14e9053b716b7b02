import XCTest
@testable import swiftrun

final class CLIParseTests: XCTestCase {
    func testPlaceholder() {}
}
