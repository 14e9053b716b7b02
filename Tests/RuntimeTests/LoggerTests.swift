import XCTest
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
@testable import Runtime

/// A Logger writing to a temp file, for tests that look at what was logged.
final class LogCapture {
    let path: String
    let logger: Logger

    init(json: Bool = true, debug: Bool = false) throws {
        var tmpl = Array("/tmp/swiftrun-log-XXXXXX".utf8CString)
        let fd = mkstemp(&tmpl)
        guard fd >= 0 else { throw SysError("mkstemp") }
        path = String(decoding: tmpl.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        logger = Logger(fd: fd, json: json, minLevel: debug ? .debug : .info)
    }

    deinit {
        FileIO.close(logger.fd)
        unlink(path)
    }

    var text: String { String(decoding: (try? FileIO.read(path)) ?? [], as: UTF8.self) }

    /// The `msg` of every JSON line at `level`.
    func messages(level: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String],
                  o["level"] == level else { return nil }
            return o["msg"]
        }
    }
}

/// The log's formats are what engines parse (runc's logrus text and JSON lines): byte for byte.
final class LoggerTests: XCTestCase {
    /// `time="…" level=… msg="…"` with the message quoted as a JSON string.
    func testTextFormat() throws {
        let c = try LogCapture(json: false)
        c.logger.warn("a \"quoted\"\tline")
        c.logger.debug("not shown without --debug")
        let line = c.text
        XCTAssertTrue(line.hasPrefix("time=\""), line)
        XCTAssertTrue(line.hasSuffix("Z\" level=warning msg=\"a \\\"quoted\\\"\\tline\"\n"), line)
    }

    /// `{"level":…,"msg":…,"time":…}` in that member order; debug lines only with --debug.
    func testJSONFormatAndLevels() throws {
        let c = try LogCapture(json: true, debug: true)
        c.logger.debug("d")
        c.logger.error("e")
        let lines = c.text.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[0].hasPrefix("{\"level\":\"debug\",\"msg\":\"d\",\"time\":\""), String(lines[0]))
        XCTAssertTrue(lines[1].hasPrefix("{\"level\":\"error\",\"msg\":\"e\",\"time\":\""), String(lines[1]))
        XCTAssertTrue(lines[1].hasSuffix("Z\"}"), String(lines[1]))
        XCTAssertEqual(c.messages(level: "error"), ["e"])
    }

    /// A detached logger (the container's init after `ready`) writes nothing, anywhere.
    func testDetachedLoggerDropsMessages() throws {
        let c = try LogCapture()
        let d = Logger(fd: -1, json: true)
        d.error("dropped")
        XCTAssertEqual(c.text, "")
        XCTAssertTrue(d.isFile)
        XCTAssertFalse(Logger.stderr.isFile)
    }
}
