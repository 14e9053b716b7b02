import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import Runtime

/// swiftrun: an OCI runtime-spec v1.3.0 container runtime, CLI-compatible with runc.
@main
struct Swiftrun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftrun",
        abstract: "Run OCI containers (runtime-spec v1.3.0), runc-compatible.",
        subcommands: [
            CreateCommand.self, StartCommand.self, RunCommand.self, StateCommand.self, KillCommand.self,
            DeleteCommand.self, ListCommand.self, ExecCommand.self, PsCommand.self, PauseCommand.self,
            ResumeCommand.self, UpdateCommand.self, EventsCommand.self, SpecCommand.self, FeaturesCommand.self,
            CheckpointCommand.self, RestoreCommand.self,
        ]
    )
    @OptionGroup var globals: GlobalOptions

    /// `swiftrun -v`/`--version` when the fast path did not answer it; otherwise the help.
    mutating func run() throws {
        guard globals.version else { throw CleanExit.helpRequest(self) }
        writeStdout(VersionInfo.text)
    }

    /// The lifecycle verbs engines call on every container take a hand-written fast path
    /// (FastPath.swift); everything else, and anything unusual, goes through ArgumentParser.
    static func main() {
        reexecEarlyIfProtectedVerb()
        // Before swiftrun opens an fd of its own: what the caller passed, for --preserve-fds and
        // socket activation (LISTEN_FDS).
        let callerFDs = CommandLine.arguments.contains(where: { $0.hasPrefix("--preserve-fds") })
            || getenv("LISTEN_FDS") != nil ? FDTable.open() : nil
        let argv = Array(CommandLine.arguments.dropFirst())
        if let code = FastPath.handle(argv, callerFDs: callerFDs) { Glibc.exit(code) }
        if let verb = verbName(argv), !knownVerbs.contains(verb) {
            // As runc: an unknown verb (also with --help) is an error, never the top-level help,
            // so that probes like podman's `RUNTIME checkpoint --help` see what is implemented.
            printError("time=\"\(Timestamp.rfc3339(nanos: false))\" level=error msg=\"No help topic for '\(verb)'\"")
            Glibc.exit(3)
        }
        dispatch(globalRootlessRenamed(Array(hoistingGlobals(argv))), callerFDs: callerFDs)
    }

    /// ArgumentParser's `main(_:)`, except that a verb is run with what main found before
    /// parsing (the caller's fds) instead of through a global.
    static func dispatch(_ args: [String], callerFDs: [Int32]?) {
        do {
            var command = try parseAsRoot(args)
            if let verb = command as? any Verb { try verb.invoke(callerFDs: callerFDs) } else { try command.run() }
        } catch {
            exit(withError: error)
        }
    }
}

/// `exec` and `ps` end in a passthrough argument list, where ArgumentParser cannot see the global
/// flags (`--root`, `--log`, ...) given between the verb and the container ID. Every other verb
/// takes them there (a superset of runc, which accepts them only before the verb); move them
/// before the verb so that exec and ps do too. Nothing after the container ID is touched: that is
/// the container's command line.
func hoistingGlobals(_ argv: [String]) -> [String] {
    guard let verb = verbName(argv), let at = argv.firstIndex(of: verb),
          let valued = passthroughVerbValues[verb] else { return argv }
    var moved: [String] = []
    var kept: [String] = []
    var i = at + 1
    while i < argv.count {
        let a = argv[i]
        if a == "--" || !a.hasPrefix("-") || a == "-" { break }
        let name = a.hasPrefix("--") ? String(a.split(separator: "=", maxSplits: 1)[0]) : a
        let inline = a.contains("=") && a.hasPrefix("--")
        if FastPath.globalValues.contains(name) {
            moved.append(a)
            if !inline && i + 1 < argv.count { moved.append(argv[i + 1]); i += 1 }
        } else if FastPath.globalFlags.contains(name) {
            moved.append(a)
        } else {
            kept.append(a)
            if !inline && valued.contains(name) && i + 1 < argv.count { kept.append(argv[i + 1]); i += 1 }
        }
        i += 1
    }
    if moved.isEmpty { return argv }
    return Array(argv[..<at]) + moved + [verb] + kept + Array(argv[i...])
}

/// The options of `exec` and `ps` that take a value (so their value is not mistaken for the ID).
let passthroughVerbValues: [String: Set<String>] = [
    "exec": ["--console-socket", "--pidfd-socket", "--cwd", "--env", "-e", "--user", "-u", "--additional-gids", "-g",
             "--process", "-p", "--pid-file", "--process-label", "--apparmor", "--cap", "-c", "--preserve-fds",
             "--cgroup"],
    "ps": ["--format", "-f"],
]


/// runc's global `--rootless VALUE` shares its name with spec's `--rootless` flag, which
/// ArgumentParser cannot tell apart: it is passed on as the hidden `--rootless-cgroups=VALUE`,
/// except after the verb `spec`, where `--rootless` is spec's own flag.
func globalRootlessRenamed(_ argv: [String]) -> [String] {
    var out: [String] = []
    var verb: String?
    var i = 0
    while i < argv.count {
        let a = argv[i]
        if verb != "spec" {
            if a == "--rootless" && i + 1 < argv.count {
                out.append("--rootless-cgroups=" + argv[i + 1]); i += 2; continue
            }
            if a.hasPrefix("--rootless=") {
                out.append("--rootless-cgroups=" + a.dropFirst("--rootless=".count)); i += 1; continue
            }
        }
        if verb == nil && (FastPath.globalValues.contains(a) || a == "--generate-completion-script") {
            out.append(a)
            if i + 1 < argv.count { out.append(argv[i + 1]) }
            i += 2
            continue
        }
        if verb == nil && !a.hasPrefix("-") { verb = a }
        out.append(a)
        i += 1
    }
    return out
}

/// The verbs, and `help`.
let knownVerbs = Set(Swiftrun.configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"])

/// The first argument that is not a global flag or its value: the verb, if there is one.
func verbName(_ argv: [String]) -> String? { verbIndex(argv.lazy.map(\.utf8)).map { argv[$0] } }

/// Where `verbName` finds the verb, over any view of the arguments' bytes: main runs it on the
/// kernel's argv itself, before any String or table exists (`reexecEarly`).
func verbIndex<Args: RandomAccessCollection>(_ argv: Args) -> Args.Index? where Args.Element: Collection<UInt8> {
    var i = argv.startIndex
    while i < argv.endIndex {
        let a = argv[i]
        if isGlobalValueSpelling(a) || same(a, "--generate-completion-script".utf8) {
            i = argv.index(i, offsetBy: 2, limitedBy: argv.endIndex) ?? argv.endIndex
            continue
        }
        if a.starts(with: "---".utf8) { return nil } // ArgumentParser's own, e.g. ---completion from a shell
        if a.first == UInt8(ascii: "-") { i = argv.index(after: i); continue }
        return i
    }
    return nil
}

/// A global flag that takes a value ("--root"): the next argument is never the verb. From
/// RuncFlags.global, a statically initialized table (nothing is built to look it up).
func isGlobalValueSpelling<A: Collection<UInt8>>(_ a: A) -> Bool {
    guard a.starts(with: "--".utf8) else { return false }
    let name = a.dropFirst(2)
    return RuncFlags.global.contains { $0.takesValue && same(name, $0.long.utf8) }
}

/// `a.elementsEqual(b)`, written out: the standard library's own lies in its large section of
/// code that cannot be ordered (mk/order-file.py), one more 64 KiB window for stage 1 to fault in.
func same<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Bool {
    var i = a.startIndex, j = b.startIndex
    while i != a.endIndex && j != b.endIndex {
        if a[i] != b[j] { return false }
        a.formIndex(after: &i)
        b.formIndex(after: &j)
    }
    return i == a.endIndex && j == b.endIndex
}

/// The verbs that make container processes, and so run from a protected binary (ProtectedExe).
let protectedVerbs = [CreateCommand.verbName, RunCommand.verbName, ExecCommand.verbName]

/// Stage 1 of create, run and exec (CVE-2019-5736): re-executes from a protected copy of the
/// binary before doing anything else. The arguments are read in place from the kernel's argv.
func reexecEarlyIfProtectedVerb() {
    let argv = CommandLine.unsafeArgv
    let args = (1..<Int(CommandLine.argc)).lazy.map { UnsafeRawBufferPointer(start: argv[$0], count: strlen(argv[$0]!)) }
    guard let at = verbIndex(args) else { return }
    let verb = args[at]
    if protectedVerbs.contains(where: { same(verb, $0.utf8) }) { ProtectedExe.reexecEarly() }
}

/// Flags every verb accepts before (or after) its name, as runc's global flags.
struct GlobalOptions: ParsableArguments {
    @Option(name: RuncFlags.root.name, help: RuncFlags.root.argumentHelp) var root: String?
    /// runc's `--rootless VALUE` (renamed on the way in: see globalRootlessRenamed).
    @Option(name: RuncFlags.rootless.name, help: RuncFlags.rootless.argumentHelp) var rootless: String?
    @Option(name: RuncFlags.log.name, help: RuncFlags.log.argumentHelp) var log: String?
    @Option(name: RuncFlags.logFormat.name, help: RuncFlags.logFormat.argumentHelp) var logFormat: String = "text"
    @Flag(name: RuncFlags.debug.name, help: RuncFlags.debug.argumentHelp) var debug = false
    @Flag(name: RuncFlags.systemdCgroup.name, help: RuncFlags.systemdCgroup.argumentHelp)
    var systemdCgroup = false
    @Option(name: RuncFlags.criu.name, help: RuncFlags.criu.argumentHelp) var criu: String?
    /// runc's `--version, -v`. ArgumentParser's built-in version flag has no short name, so this
    /// is an ordinary flag; the fast path answers it before a verb, every verb here after one.
    @Flag(name: [.customShort("v"), .customLong("version")], help: "Print the version.")
    var version = false

    /// CreateOptions.rootlessCgroups for these flags.
    func rootlessCgroups() throws -> Bool { try Rootless.cgroups(flag: rootless, systemdCgroup: systemdCgroup) }
}

/// What a verb runs with, besides its own flags: the log the global flags asked for, the state
/// store under --root (carrying that log into Runtime), and the fds the caller passed.
struct Invocation {
    let globals: GlobalOptions
    let log: Logger
    /// The fds open when the process started (read only with --preserve-fds or LISTEN_FDS), taken
    /// by main before swiftrun opened any of its own.
    let callerFDs: [Int32]?

    var store: StateStore { get throws { StateStore(root: try StateRoot.resolve(globals.root), log: log) } }
}

/// Shared entry for verbs: configure logging, run, and turn errors into runc-style failures.
protocol Verb: ParsableCommand {
    var globals: GlobalOptions { get }
    static var verbName: String { get }
    /// The exit status when the verb fails (runc: 1, 255 for exec).
    static var failureExitCode: Int32 { get }
    func execute(_ cx: Invocation) throws
}

extension Verb {
    static var failureExitCode: Int32 { 1 }

    /// Only when a verb is run other than through Swiftrun.dispatch (which calls invoke itself).
    func run() throws { try invoke(callerFDs: nil) }

    func invoke(callerFDs: [Int32]?) throws {
        if globals.version { return writeStdout(VersionInfo.text) }
        let code = perform(verb: Self.verbName, log: globals.log, logFormat: globals.logFormat, debug: globals.debug,
                           failureExitCode: Self.failureExitCode) { log in
            try execute(Invocation(globals: globals, log: log, callerFDs: callerFDs))
        }
        if code != 0 { throw ExitCode(code) }
    }
}

/// Runs a verb's body with the log the global flags ask for, turning errors into runc-style
/// failures: the cause logged at level error (what engines read from --log) and exit status 1
/// (or the verb's `failureExitCode`).
func perform(verb: String, log path: String?, logFormat: String, debug: Bool,
             failureExitCode: Int32 = 1, _ body: (Logger) throws -> Void) -> Int32 {
    // Until --log is open (or when it cannot be), errors go to stderr in the asked-for format.
    var log = Logger.stderr
    do {
        guard logFormat == "text" || logFormat == "json" else {
            throw RuntimeError("--log-format: unknown format \"\(logFormat)\" (text or json)")
        }
        log = Logger(fd: 2, json: logFormat == "json", minLevel: debug ? .debug : .info)
        log = try Logger.open(path: path, format: logFormat, debug: debug)
        try body(log)
        return 0
    } catch let e as ExitCode {
        return e.rawValue
    } catch {
        let msg = "\(error)"
        log.error(msg)
        if log.isFile { printError("swiftrun \(verb) failed: \(msg)") }
        return failureExitCode
    }
}

/// NOTIFY_SOCKET of the runtime's own environment (systemd Type=notify, podman --sdnotify=container):
/// create/run give the container a socket of its own, start/run relay its READY= there.
func callerNotifySocket() -> String? {
    guard let p = getenv("NOTIFY_SOCKET") else { return nil }
    let s = String(cString: p)
    return s.isEmpty ? nil : s
}

func printError(_ s: String) {
    var line = s + "\n"
    line.withUTF8 { p in _ = fwriteStderr(p) }
}
