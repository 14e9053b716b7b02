#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec
import Runtime

/// swiftrun: an OCI runtime-spec v1.3.0 container runtime, CLI-compatible with runc.
@main
enum Swiftrun {
    static func main() { swiftrunMain() }
}

/// The lifecycle verbs engines call on every container take a hand-written fast path
/// (FastPath.swift); everything else, and anything unusual, goes through the table-driven parser
/// (CLI.swift). A plain function, not the @main type's: a closure there is MainActor-isolated,
/// and its isolation check would link Swift Concurrency and libdispatch into the binary.
func swiftrunMain() {
    reexecEarlyIfProtectedVerb()
    // Before swiftrun opens an fd of its own: what the caller passed, for --preserve-fds and
    // socket activation (LISTEN_FDS).
    let argv = Proc.arguments()
    let callerFDs = argv.contains(where: { $0.hasBytePrefix("--preserve-fds") })
        || getenv("LISTEN_FDS") != nil ? FDTable.open() : nil
    if let code = FastPath.handle(argv, callerFDs: callerFDs) { Glibc.exit(code) }
    Glibc.exit(dispatch(argv, callerFDs: callerFDs))
}

/// Parses `argv` with the verb table and runs what it asks for: the exit status.
func dispatch(_ argv: [String], callerFDs: [Int32]?) -> Int32 {
    let command: CLI.Command
    do {
        command = try CLI.parse(argv)
    } catch {
        printError(CLI.usageErrorText(error), newline: false)
        return 64
    }
    switch command {
    case .help(let verb):
        writeStdout(CLI.helpText(verb))
        return 0
    case .version:
        writeStdout(VersionInfo.text)
        return 0
    case .dumpHelp:
        writeStdout(CLI.dumpHelp())
        return 0
    case .unknownVerb(let verb):
        // As runc: an unknown verb (also with --help) is an error, never the top-level help,
        // so that probes like podman's `RUNTIME checkpoint --help` see what is implemented.
        printError("time=\"\(Timestamp.rfc3339(nanos: false))\" level=error msg=\"No help topic for '\(verb)'\"")
        return 3
    case .run(let verb, let p):
        var status: Int32 = 0
        let code = perform(verb: verb.name, log: p.value("log"), logFormat: p.value("log-format") ?? "text",
                           debug: p.flag("debug"), failureExitCode: verb.failureExitCode) { log in
            status = try verb.run(p, Invocation(parsed: p, log: log, callerFDs: callerFDs))
        }
        return code != 0 ? code : status
    }
}

/// The first argument that is not a global flag or its value: the verb, if there is one.
func verbName(_ argv: [String]) -> String? { verbIndex(argv.lazy.map(\.utf8)).map { argv[$0] } }

/// Where `verbName` finds the verb, over any view of the arguments' bytes: main runs it on the
/// kernel's argv itself, before any String or table exists (`reexecEarly`).
func verbIndex<Args: RandomAccessCollection>(_ argv: Args) -> Args.Index? where Args.Element: Collection<UInt8> {
    var i = argv.startIndex
    while i < argv.endIndex {
        let a = argv[i]
        if isGlobalValueSpelling(a) {
            i = argv.index(i, offsetBy: 2, limitedBy: argv.endIndex) ?? argv.endIndex
            continue
        }
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
let protectedVerbs = ["create", "run", "exec"]

/// Stage 1 of create, run and exec (CVE-2019-5736): re-executes from a protected copy of the
/// binary before doing anything else. The arguments are read in place from the kernel's argv.
func reexecEarlyIfProtectedVerb() {
    let argv = Proc.argv
    let args = (1..<max(Proc.argc, 1)).lazy.map { UnsafeRawBufferPointer(start: argv[$0], count: strlen(argv[$0]!)) }
    guard let at = verbIndex(args) else { return }
    let verb = args[at]
    if protectedVerbs.contains(where: { same(verb, $0.utf8) }) { ProtectedExe.reexecEarly() }
}

/// What a verb runs with, besides its own flags: the global flags, the log they asked for, the
/// state store under --root (carrying that log into Runtime), and the fds the caller passed.
struct Invocation {
    let parsed: Parsed
    let log: Logger
    /// The fds open when the process started (read only with --preserve-fds or LISTEN_FDS), taken
    /// by main before swiftrun opened any of its own.
    let callerFDs: [Int32]?

    var store: StateStore { get throws { StateStore(root: try StateRoot.resolve(parsed.value("root")), log: log) } }
    var systemdCgroup: Bool { parsed.flag("systemd-cgroup") }
    var criu: String? { parsed.value("criu") }
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
    } catch let e as UsageError {
        // A value the table could not check (a number): explained as the parser explains.
        printError(CLI.usageErrorText(e), newline: false)
        return 64
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

func printError(_ s: String, newline: Bool = true) {
    var line = newline ? s + "\n" : s
    line.withUTF8 { p in _ = fwriteStderr(p) }
}

/// The verbs, in the order of the help: each one's table and body lives in its own file.
enum Verbs {
    static let all: [VerbSpec] = [
        CreateCommand.spec, StartCommand.spec, RunCommand.spec, StateCommand.spec, KillCommand.spec,
        DeleteCommand.spec, ListCommand.spec, ExecCommand.spec, PsCommand.spec, PauseCommand.pause,
        PauseCommand.resume, UpdateCommand.spec, EventsCommand.spec, SpecCommand.spec, FeaturesCommand.spec,
        CheckpointCommand.spec, RestoreCommand.spec,
    ]
}
