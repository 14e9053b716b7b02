import Foundation
import XCTest
@testable import swiftrun

/// The table-driven parser (Sources/swiftrun/CLI.swift): runc's forms, the errors, the help of
/// every verb and the dump the man pages and completions are made from.
final class CLIParseTests: XCTestCase {
    func parsed(_ argv: [String], file: StaticString = #filePath, line: UInt = #line) throws -> (VerbSpec, Parsed) {
        guard case .run(let v, let p) = try CLI.parse(argv) else {
            XCTFail("\(argv) did not parse to a verb", file: file, line: line)
            throw UsageError("no verb")
        }
        return (v, p)
    }

    func usageError(_ argv: [String]) -> UsageError? {
        do { _ = try CLI.parse(argv); return nil } catch { return error }
    }

    func testValueForms() throws {
        for argv in [["create", "--bundle", "/b", "c1"], ["create", "--bundle=/b", "c1"], ["create", "-b", "/b", "c1"],
                     ["create", "-bundle", "/b", "c1"], ["create", "c1", "--bundle", "/b"], ["create", "-b=/b", "c1"]] {
            let (v, p) = try parsed(argv)
            XCTAssertEqual(v.name, "create", "\(argv)")
            XCTAssertEqual(p.value("bundle"), "/b", "\(argv)")
            XCTAssertEqual(p.positional, ["c1"], "\(argv)")
        }
    }

    func testValueThatLooksLikeAFlag() throws {
        let (_, p) = try parsed(["update", "--pids-limit", "-1", "--memory=-1", "c"])
        XCTAssertEqual(p.value("pids-limit"), "-1")
        XCTAssertEqual(try p.number("pids-limit", Int64.self), -1)
        XCTAssertEqual(p.value("memory"), "-1")
        XCTAssertEqual(p.positional, ["c"])
    }

    func testAliasAndRepeatable() throws {
        let (_, p) = try parsed(["update", "--cpu-shares", "512", "c"])
        XCTAssertEqual(p.value("cpu-share"), "512")
        let (_, e) = try parsed(["exec", "-e", "A=1", "--env=B=2", "--env", "C=3", "c", "sh"])
        XCTAssertEqual(e.allValues("env"), ["A=1", "B=2", "C=3"])
        XCTAssertEqual(e.value("env"), "C=3")
    }

    func testBooleanForms() throws {
        XCTAssertTrue(try parsed(["delete", "--force", "c"]).1.flag("force"))
        XCTAssertTrue(try parsed(["delete", "-f", "c"]).1.flag("force"))
        XCTAssertTrue(try parsed(["delete", "--force=true", "c"]).1.flag("force"))
        XCTAssertFalse(try parsed(["delete", "--force=false", "c"]).1.flag("force"))
        XCTAssertFalse(try parsed(["delete", "--force", "--force=0", "c"]).1.flag("force"))
        XCTAssertFalse(try parsed(["delete", "c"]).1.flag("force"))
        XCTAssertEqual(usageError(["delete", "--force=maybe", "c"])?.message,
                       "The option '--force' takes true or false, but 'maybe' was specified.")
    }

    func testGlobalsBeforeAndAfterTheVerb() throws {
        let (_, p) = try parsed(["--root", "/r", "--log-format=json", "state", "--debug", "c", "--log", "/l"])
        XCTAssertEqual(p.value("root"), "/r")
        XCTAssertEqual(p.value("log-format"), "json")
        XCTAssertEqual(p.value("log"), "/l")
        XCTAssertTrue(p.flag("debug"))
        XCTAssertEqual(p.positional, ["c"])
    }

    func testRootlessIsGlobalExceptAfterSpec() throws {
        let (_, g) = try parsed(["--rootless", "true", "create", "c"])
        XCTAssertEqual(g.value("rootless"), "true")
        let (_, s) = try parsed(["spec", "--rootless"])
        XCTAssertTrue(s.flag("rootless"))
        let (_, both) = try parsed(["--rootless=false", "spec", "--rootless=true", "-b", "/x"])
        XCTAssertEqual(both.value("rootless"), "false")
        XCTAssertTrue(both.flag("rootless"))
    }

    func testDoubleDashEndsOptions() throws {
        let (_, p) = try parsed(["kill", "--", "-c", "KILL"])
        XCTAssertEqual(p.positional, ["-c", "KILL"])
        XCTAssertFalse(p.flag("all"))
    }

    func testPassthroughTailIsUntouched() throws {
        let (_, p) = try parsed(["exec", "--root", "/r", "-t", "c", "sh", "-c", "--help", "--", "-v"])
        XCTAssertEqual(p.value("root"), "/r")
        XCTAssertTrue(p.flag("tty"))
        XCTAssertEqual(p.positional, ["c"])
        XCTAssertEqual(p.rest, ["sh", "-c", "--help", "--", "-v"])
        let (_, ps) = try parsed(["ps", "-f", "json", "c", "-eo", "pid"])
        XCTAssertEqual(ps.value("format"), "json")
        XCTAssertEqual(ps.rest, ["-eo", "pid"])
        let (_, none) = try parsed(["exec", "c"])
        XCTAssertEqual(none.rest, [])
    }

    func testOptionalPositional() throws {
        XCTAssertEqual(try parsed(["kill", "c"]).1.positional, ["c"])
        XCTAssertEqual(try parsed(["kill", "-a", "c", "9"]).1.positional, ["c", "9"])
        XCTAssertEqual(try parsed(["kill", "c", "9", "--all"]).1.flag("all"), true)
    }

    func testErrors() {
        XCTAssertEqual(usageError(["state"]), UsageError("Missing expected argument '<id>'", verb: "state"))
        XCTAssertEqual(usageError(["state", "a", "b"]), UsageError("Unexpected argument 'b'", verb: "state"))
        XCTAssertEqual(usageError(["list", "x"]), UsageError("Unexpected argument 'x'", verb: "list"))
        XCTAssertEqual(usageError(["state", "--bogus", "x"]), UsageError("Unknown option '--bogus'", verb: "state"))
        XCTAssertEqual(usageError(["-x", "state"]), UsageError("Unknown option '-x'"))
        XCTAssertEqual(usageError(["--root"]), UsageError("Missing value for '--root <root>'"))
        XCTAssertEqual(usageError(["update", "c", "--memory"]),
                       UsageError("Missing value for '--memory <memory>'", verb: "update"))
        // exec's flags are not spec's and the other way round.
        XCTAssertEqual(usageError(["spec", "--tty"]), UsageError("Unknown option '--tty'", verb: "spec"))
        XCTAssertThrowsError(try CLI.parse(["update", "--pids-limit", "x", "c"]).runParsedNumber("pids-limit"))
        let text = CLI.usageErrorText(UsageError("Missing expected argument '<id>'", verb: "state"))
        XCTAssertEqual(text, "Error: Missing expected argument '<id>'\nUsage: swiftrun state <id>\n"
                       + "  See 'swiftrun state --help' for more information.\n")
    }

    func testHelpVersionAndUnknownVerbs() throws {
        guard case .help(nil) = try CLI.parse([]) else { return XCTFail("no arguments: the help") }
        guard case .help(nil) = try CLI.parse(["--help"]) else { return XCTFail("--help") }
        guard case .help(nil) = try CLI.parse(["help"]) else { return XCTFail("help") }
        for argv in [["checkpoint", "--help"], ["checkpoint", "-h"], ["help", "checkpoint"], ["--root", "/r", "checkpoint", "x", "-h"],
                     ["checkpoint", "--help=true"]] {
            guard case .help(let v?) = try CLI.parse(argv), v.name == "checkpoint" else { return XCTFail("\(argv)") }
        }
        for argv in [["nosuch"], ["nosuch", "--help"], ["help", "nosuch"], ["--debug", "nosuch", "-h"]] {
            guard case .unknownVerb("nosuch") = try CLI.parse(argv) else { return XCTFail("\(argv)") }
        }
        guard case .version = try CLI.parse(["list", "--version"]) else { return XCTFail("list --version") }
        guard case .version = try CLI.parse(["-v"]) else { return XCTFail("-v") }
        guard case .dumpHelp = try CLI.parse(["--experimental-dump-help"]) else { return XCTFail("dump") }
    }

    func testHelpOfEveryVerb() {
        let root = CLI.helpText(nil)
        XCTAssertTrue(root.hasPrefix("OVERVIEW: Run OCI containers"))
        XCTAssertTrue(root.contains("\nSUBCOMMANDS:\n"))
        for v in Verbs.all {
            XCTAssertTrue(root.contains("\n  \(v.name) "), v.name)
            let text = CLI.helpText(v)
            XCTAssertTrue(text.hasPrefix("OVERVIEW: \(v.abstract)\n"), v.name)
            XCTAssertTrue(text.contains("USAGE: swiftrun \(v.name)"), v.name)
            XCTAssertTrue(text.contains("\n  -h, --help "), v.name)
            XCTAssertTrue(text.contains("\n  --root <root> "), v.name)
            for f in v.flags where !f.hidden {
                XCTAssertTrue(text.contains(CLI.optionLabel(f)), "\(v.name) --help lacks \(f.long)")
            }
            XCTAssertFalse(text.contains("SUBCOMMANDS"), v.name)
            for line in text.split(separator: "\n") where !line.hasPrefix("USAGE:") {
                XCTAssertLessThanOrEqual(line.count, 80, "\(v.name): \(line)")
            }
        }
        XCTAssertTrue(CLI.helpText(CLI.verb("update")).contains("--cpu-share, --cpu-shares <cpu-share>"))
        XCTAssertFalse(CLI.helpText(CLI.verb("update")).contains("kernel-memory"))
        XCTAssertTrue(CLI.helpText(CLI.verb("checkpoint")).contains("--leave-running"))
    }

    func testWrap() {
        XCTAssertEqual(CLI.item("--x", "short"), "  --x                     short\n")
        XCTAssertEqual(CLI.item("--a-very-long-label <value>", "t"), "  --a-very-long-label <value>\n" + String(repeating: " ", count: 26) + "t\n")
    }

    func testDumpIsTheTable() throws {
        let dump = CLI.dumpHelp()
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(dump.utf8)) as? [String: Any])
        let root = try XCTUnwrap(json["command"] as? [String: Any])
        XCTAssertEqual(root["commandName"] as? String, "swiftrun")
        let subs = try XCTUnwrap(root["subcommands"] as? [[String: Any]])
        XCTAssertEqual(subs.map { $0["commandName"] as? String }, Verbs.all.map(\.name))
        let exec = try XCTUnwrap(subs.first { $0["commandName"] as? String == "exec" })
        let args = try XCTUnwrap(exec["arguments"] as? [[String: Any]])
        let command = try XCTUnwrap(args.first { $0["valueName"] as? String == "command" })
        XCTAssertEqual(command["kind"] as? String, "positional")
        XCTAssertEqual(command["parsingStrategy"] as? String, "allRemainingInput")
        let env = try XCTUnwrap(args.first { ($0["names"] as? [[String: String]])?.contains { $0["name"] == "env" } == true })
        XCTAssertEqual(env["kind"] as? String, "option")
        XCTAssertEqual(env["isRepeating"] as? Bool, true)
        XCTAssertEqual((env["names"] as? [[String: String]])?.first, ["kind": "short", "name": "e"])
        let update = try XCTUnwrap(subs.first { $0["commandName"] as? String == "update" })
        let hidden = (update["arguments"] as? [[String: Any]])?.first {
            ($0["names"] as? [[String: String]])?.contains { $0["name"] == "kernel-memory" } == true
        }
        XCTAssertEqual(hidden?["shouldDisplay"] as? Bool, false)
        XCTAssertTrue(dump.contains(#"CRIU writes \\0 to this fd"#))
    }
}

extension CLI.Command {
    /// A verb's numeric option, as its body reads it.
    func runParsedNumber(_ long: String) throws {
        if case .run(_, let p) = self { _ = try p.number(long, Int64.self) }
    }
}
