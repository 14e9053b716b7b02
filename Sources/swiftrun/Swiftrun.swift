import ArgumentParser
import Runtime

/// swiftrun: an OCI runtime-spec v1.3.0 container runtime, CLI-compatible with runc.
@main
struct Swiftrun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftrun",
        abstract: "Run OCI containers (runtime-spec v1.3.0), runc-compatible.",
        version: "swiftrun version \(swiftrunVersion)\nspec: \(ociVersion)",
        subcommands: [
            CreateCommand.self, StartCommand.self, RunCommand.self, StateCommand.self, KillCommand.self,
            DeleteCommand.self, ListCommand.self, ExecCommand.self, PsCommand.self, PauseCommand.self,
            ResumeCommand.self, UpdateCommand.self, EventsCommand.self, SpecCommand.self, FeaturesCommand.self,
        ]
    )
    @OptionGroup var globals: GlobalOptions
}

let swiftrunVersion = "0.1.0"

/// Flags every verb accepts before (or after) its name, as runc's global flags.
struct GlobalOptions: ParsableArguments {
    @Option(help: "Root directory for container state.") var root: String = "/run/swiftrun"
    @Option(help: "Log file (default: stderr).") var log: String?
    @Option(name: .customLong("log-format"), help: "Log format: text or json.") var logFormat: String = "text"
    @Flag(help: "Enable debug logging.") var debug = false
    @Flag(name: .customLong("systemd-cgroup"), help: "Use the systemd cgroup driver (not implemented yet).")
    var systemdCgroup = false
    @Option(help: .hidden) var criu: String?

    var store: StateStore { StateStore(root: root) }
}

/// Shared entry for verbs: configure logging, run, and turn errors into runc-style failures.
protocol Verb: ParsableCommand {
    var globals: GlobalOptions { get }
    static var verbName: String { get }
    func execute() throws
}

extension Verb {
    func run() throws {
        do {
            guard globals.logFormat == "text" || globals.logFormat == "json" else {
                throw RuntimeError("--log-format: unknown format \"\(globals.logFormat)\" (text or json)")
            }
            try Log.configure(path: globals.log, format: globals.logFormat, debug: globals.debug)
            if globals.systemdCgroup {
                throw RuntimeError("--systemd-cgroup: the systemd cgroup driver is not implemented yet")
            }
            try execute()
        } catch let e as ExitCode {
            throw e
        } catch {
            let msg = "\(error)"
            Log.error(msg)
            if Log.isFile { printError("swiftrun \(Self.verbName) failed: \(msg)") }
            throw ExitCode(1)
        }
    }
}

func printError(_ s: String) {
    var line = s + "\n"
    line.withUTF8 { p in _ = fwriteStderr(p) }
}
