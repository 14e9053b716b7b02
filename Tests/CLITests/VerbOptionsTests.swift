import XCTest
import Runtime
@testable import swiftrun

/// FastPath and CLI.parse hand exec's and create's flags to one mapping (VerbOptions.swift): the
/// same argv gives the same options whichever parser read it.
final class VerbOptionsTests: XCTestCase {
    func bothParsers(_ argv: [String]) throws -> (FastPath.Args, Parsed) {
        let fast = try XCTUnwrap(FastPath.parse(argv), "\(argv) is not on the fast path").1
        guard case .run(_, let p) = try CLI.parse(argv) else { throw UsageError("no verb") }
        return (fast, p)
    }

    func describe(_ f: ExecFlags) -> String {
        "\(f.id) \(f.command) \(f.consoleSocket ?? "-") \(f.cwd ?? "-") \(f.env) \(f.tty) \(f.user ?? "-") "
            + "\(f.additionalGids) \(f.detach) \(f.pidFile ?? "-") \(f.cap) \(f.preserveFds) \(f.cgroup) \(f.noNewPrivs)"
    }

    func testExecFlagsAreTheSameFromBothParsers() throws {
        let argv = ["--root", "/r", "exec", "--cwd", "/w", "-e", "A=1", "--env=B=2", "-t", "--user", "1:2",
                    "--additional-gids", "5", "--cap", "CAP_KILL", "--preserve-fds", "2", "--cgroup", "pids:/x",
                    "--no-new-privs", "-d", "--pid-file", "/p", "c1", "sh", "-c", "true"]
        let (fast, p) = try bothParsers(argv)
        let a = try ExecFlags(fast, id: fast.positional[0], command: fast.command)
        let b = try ExecFlags(p, id: p.positional[0], command: p.rest)
        XCTAssertEqual(describe(a), describe(b))
        XCTAssertEqual(describe(a), "c1 [\"sh\", \"-c\", \"true\"] - /w [\"A=1\", \"B=2\"] true 1:2 [5] true /p [\"CAP_KILL\"] 2 [\"pids:/x\"] true")
    }

    func testCreateOptionsAreTheSameFromBothParsers() throws {
        let argv = ["create", "-b", "/b", "--pid-file", "/p", "--no-pivot", "--preserve-fds", "1", "c1"]
        let (fast, p) = try bothParsers(argv)
        for o in [try CreateOptions(fast, rootless: fast.rootless, systemdCgroup: fast.systemdCgroup, callerFDs: nil),
                  try CreateOptions(p, rootless: p.value("rootless"), systemdCgroup: p.flag("systemd-cgroup"), callerFDs: nil)] {
            XCTAssertEqual(o.bundle, "/b")
            XCTAssertEqual(o.pidFile, "/p")
            XCTAssertTrue(o.noPivot)
            XCTAssertFalse(o.noNewKeyring)
            XCTAssertEqual(o.preserveFDs, 1)
        }
    }

    func testNegativePreserveFDsIsAUsageError() throws {
        let (fast, p) = try bothParsers(["create", "--preserve-fds", "-1", "c1"])
        for o in [fast as OptionValues, p as OptionValues] {
            XCTAssertThrowsError(try o.preservedFDs()) { e in
                XCTAssertEqual((e as? UsageError)?.message, "The value '-1' is invalid for '--preserve-fds <preserve-fds>'")
            }
        }
    }
}
