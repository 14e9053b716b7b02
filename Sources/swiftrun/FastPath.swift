import OCISpec
import Runtime
#if canImport(Glibc)
import Glibc
#endif

/// A hand-written parser for the lifecycle verbs engines run for every container (create, start,
/// state, kill, delete, run, list, exec), with runc's flags. It builds no table (the first
/// String-keyed Dictionary or Set costs a scan of every protocol conformance); this path accepts
/// exactly the forms documented in Docs/CLI.md and hands anything else (help, unknown flags, odd
/// arity) to the table-driven parser (CLI.swift), which then parses, or explains. Both paths call
/// the same Runtime code.
enum FastPath {
    struct Args: OptionValues {
        var root: String?
        var rootless: String?
        var log: String?
        var logFormat = "text"
        var debug = false
        var systemdCgroup = false
        /// Option values by long name, in the order given (the last one wins).
        var values: [(name: String, value: String)] = []
        var flags: [String] = []
        var positional: [String] = []
        /// exec: everything after the container ID, as given.
        var command: [String] = []

        func value(_ name: String) -> String? { values.last { $0.name == name }?.value }
        func allValues(_ name: String) -> [String] { values.filter { $0.name == name }.map(\.value) }
        func flag(_ name: String) -> Bool { flags.contains(name) }
    }

    // From RuncFlags, the table CLI.parse uses too. Lists, no Set or Dictionary:
    // the first String-keyed one a process makes costs the Swift runtime a scan of every protocol
    // conformance in the binary (String: Hashable), most of a short verb's user time and a good
    // part of its peak RSS; these lists are a few entries long.
    static let globalValues = RuncFlags.global.filter { $0.fastPath && $0.takesValue }.map { "--" + $0.long }
    static let globalFlags = RuncFlags.global.filter { $0.fastPath && !$0.takesValue }.map { "--" + $0.long }

    /// The long name of `verb`'s option spelled `arg`, when it takes a value (`value`) or not.
    static func option(_ verb: String, _ arg: String, value: Bool) -> String? {
        for f in RuncFlags.flags(of: verb) ?? [] where f.fastPath && f.takesValue == value && f.spellings.contains(arg) {
            return f.long
        }
        return nil
    }

    /// The exit code, or nil when CLI.parse should handle these arguments.
    static func handle(_ argv: [String], callerFDs: [Int32]?) -> Int32? {
        guard let (verb, a) = parse(argv) else { return nil }
        if verb == "version" {
            writeStdout(VersionInfo.text)
            return 0
        }
        var execFlags: ExecFlags?
        if verb == "exec" {
            // A value CLI.parse would refuse: it explains.
            guard let f = try? ExecFlags(a, id: a.positional[0], command: a.command) else { return nil }
            execFlags = f
        }
        var exitCode: Int32 = 0
        // As runc: a failure of exec itself (not the program's exit status) exits 255.
        let code = perform(verb: verb, log: a.log, logFormat: a.logFormat, debug: a.debug,
                           failureExitCode: verb == "exec" ? ExecCommand.failureExitCode : 1) { log in
            let store = StateStore(root: try StateRoot.resolve(a.root), log: log)
            if let execFlags {
                exitCode = try ExecCommand.exec(store: store, execFlags, callerFDs: callerFDs)
                return
            }
            if verb == "list" {
                return try ListCommand.list(store: store, format: a.value("format") ?? "table",
                                            quiet: a.flag("quiet"))
            }
            let id = a.positional[0]
            switch verb {
            case "create":
                try ProtectedExe.ensure(log: log)
                _ = try Create.run(store: store, id: id, options: try CreateOptions(a, rootless: a.rootless, systemdCgroup: a.systemdCgroup, callerFDs: callerFDs))
            case "run":
                try ProtectedExe.ensure(log: log)
                var o = try CreateOptions(a, rootless: a.rootless, systemdCgroup: a.systemdCgroup, callerFDs: callerFDs)
                o.noSubreaper = a.flag("no-subreaper")
                exitCode = try Run.run(store: store, id: id, options: o, detach: a.flag("detach"), keep: a.flag("keep"))
            case "start":
                try Start.run(store: store, id: id, notifySocket: callerNotifySocket())
            case "state":
                let s = try Inspect.state(store: store, id: id)
                writeStdout(String(decoding: ContainerState.json([s], array: false, indent: "  "), as: UTF8.self) + "\n")
            case "kill":
                let sig = try Kill.parseSignal(a.positional.count > 1 ? a.positional[1] : "SIGTERM")
                try Kill.run(store: store, id: id, signal: sig, all: a.flag("all"))
            case "delete":
                try Delete.run(store: store, id: id, force: a.flag("force"))
            default:
                break
            }
        }
        return code != 0 ? code : exitCode
    }

    static func parse(_ argv: [String]) -> (String, Args)? {
        var a = Args()
        var verb: String?
        var i = 0
        while i < argv.count {
            if verb == "exec" && !a.positional.isEmpty {
                // exec's command line: everything after the ID, untouched (CLI.parse's
                // passthrough, except that "--" is left to it).
                a.command = Array(argv[i...])
                if a.command.contains("--") { return nil }
                break
            }
            var arg = argv[i]
            var inline: String?
            if arg.hasBytePrefix("--"), let eq = arg.utf8.firstIndex(of: UInt8(ascii: "=")) {
                inline = String(arg[arg.utf8.index(after: eq)...])
                arg = String(arg[..<eq])
            }
            func value() -> String? {
                if let inline { return inline }
                i += 1
                guard i < argv.count else { return nil }
                // exec: a value that looks like a flag is left to CLI.parse.
                if verb == "exec" && argv[i].hasBytePrefix("-") { return nil }
                return argv[i]
            }
            if verb == nil && (arg == "--version" || arg == "-v") {
                // runc's global --version/-v: answered wherever it stands before the verb.
                guard inline == nil else { return nil }
                return ("version", a)
            } else if globalValues.contains(arg) {
                guard let v = value() else { return nil }
                switch arg {
                case "--root": a.root = v
                case "--log": a.log = v
                case "--rootless": a.rootless = v
                default: a.logFormat = v
                }
            } else if globalFlags.contains(arg) {
                guard inline == nil else { return nil }
                if arg == "--debug" { a.debug = true } else { a.systemdCgroup = true }
            } else if let v = verb, let name = option(v, arg, value: true) {
                guard let val = value() else { return nil }
                a.values.append((name, val))
            } else if let v = verb, let name = option(v, arg, value: false) {
                guard inline == nil else { return nil }
                if !a.flags.contains(name) { a.flags.append(name) }
            } else if arg.hasBytePrefix("-") {
                return nil // help, version, or something only CLI.parse knows
            } else if verb == nil {
                guard RuncFlags.flags(of: arg) != nil else { return nil }
                verb = arg
            } else {
                a.positional.append(arg)
            }
            i += 1
        }
        guard let v = verb else { return nil }
        let (minPositional, maxPositional) = v == "kill" ? (1, 2) : v == "list" ? (0, 0) : (1, 1) // exec: the ID
        guard a.positional.count >= minPositional && a.positional.count <= maxPositional else { return nil }
        return (v, a)
    }
}
