import OCISpec
import Runtime
#if canImport(Glibc)
import Glibc
#endif

/// A hand-written parser for the lifecycle verbs engines run for every container (create, start,
/// state, kill, delete, run), with runc's flags. ArgumentParser's reflection costs milliseconds
/// per invocation, more than the rest of `start` or `state`; this path accepts exactly the forms
/// documented in Docs/CLI.md and hands anything else (help, unknown flags, odd arity) back to
/// ArgumentParser, which then parses, or explains, as usual. Both paths call the same Runtime code.
enum FastPath {
    struct Args {
        var root: String?
        var rootless: String?
        var log: String?
        var logFormat = "text"
        var debug = false
        var systemdCgroup = false
        var values: [String: String] = [:]
        var flags: Set<String> = []
        var positional: [String] = []
    }

    // From RuncFlags, the table the ArgumentParser commands use too.
    static let globalValues = Set(RuncFlags.global.filter { $0.fastPath && $0.takesValue }.map { "--" + $0.long })
    static let globalFlags = Set(RuncFlags.global.filter { $0.fastPath && !$0.takesValue }.map { "--" + $0.long })
    /// Per verb: options taking a value, and boolean flags (every spelling mapped to the long name).
    static let verbValues = RuncFlags.verbs.mapValues { spellings($0.filter(\.takesValue)) }
    static let verbFlags = RuncFlags.verbs.mapValues { spellings($0.filter { !$0.takesValue }) }

    static func spellings(_ flags: [RuncFlag]) -> [String: String] {
        var m: [String: String] = [:]
        for f in flags where f.fastPath {
            for s in f.spellings { m[s] = "--" + f.long }
        }
        return m
    }

    /// The exit code, or nil when ArgumentParser should handle these arguments.
    static func handle(_ argv: [String]) -> Int32? {
        guard let (verb, a) = parse(argv) else { return nil }
        if verb == "version" {
            writeStdout(VersionInfo.text)
            return 0
        }
        var exitCode: Int32 = 0
        let code = perform(verb: verb, log: a.log, logFormat: a.logFormat, debug: a.debug) {
            let store = StateStore(root: try StateRoot.resolve(a.root))
            let id = a.positional[0]
            switch verb {
            case "create":
                try ProtectedExe.ensure()
                _ = try Create.run(store: store, id: id, options: try createOptions(a))
            case "run":
                try ProtectedExe.ensure()
                exitCode = try Run.run(store: store, id: id, options: try createOptions(a),
                                       detach: a.flags.contains("--detach"), keep: a.flags.contains("--keep"))
            case "start":
                try Start.run(store: store, id: id, notifySocket: callerNotifySocket())
            case "state":
                let s = try Inspect.state(store: store, id: id)
                writeStdout(String(decoding: SpecLoader.encodeOrdered(s, indent: "  "), as: UTF8.self) + "\n")
            case "kill":
                let sig = try Kill.parseSignal(a.positional.count > 1 ? a.positional[1] : "SIGTERM")
                try Kill.run(store: store, id: id, signal: sig, all: a.flags.contains("--all"))
            case "delete":
                try Delete.run(store: store, id: id, force: a.flags.contains("--force"))
            default:
                break
            }
        }
        return code != 0 ? code : exitCode
    }

    static func createOptions(_ a: Args) throws -> CreateOptions {
        var o = CreateOptions(bundle: a.values["--bundle"] ?? ".")
        o.pidFile = a.values["--pid-file"]
        o.consoleSocket = a.values["--console-socket"]
        o.pidfdSocket = a.values["--pidfd-socket"]
        o.noSubreaper = a.flags.contains("--no-subreaper")
        o.noPivot = a.flags.contains("--no-pivot")
        o.noNewKeyring = a.flags.contains("--no-new-keyring")
        o.callerFDs = callerFDs
        o.rootlessCgroups = try Rootless.cgroups(flag: a.rootless, systemdCgroup: a.systemdCgroup)
        o.systemdCgroup = a.systemdCgroup
        o.notifySocket = callerNotifySocket()
        if let n = a.values["--preserve-fds"] {
            guard let v = Int32(n), v >= 0 else { throw RuntimeError("--preserve-fds: invalid number \"\(n)\"") }
            o.preserveFDs = v
            o.callerFDs = callerFDs
        }
        return o
    }

    static func parse(_ argv: [String]) -> (String, Args)? {
        var a = Args()
        var verb: String?
        var i = 0
        while i < argv.count {
            var arg = argv[i]
            var inline: String?
            if arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") {
                inline = String(arg[arg.index(after: eq)...])
                arg = String(arg[..<eq])
            }
            func value() -> String? {
                if let inline { return inline }
                i += 1
                return i < argv.count ? argv[i] : nil
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
            } else if let v = verb, let name = verbValues[v]?[arg] {
                guard let val = value() else { return nil }
                a.values[name] = val
            } else if let v = verb, let name = verbFlags[v]?[arg] {
                guard inline == nil else { return nil }
                a.flags.insert(name)
            } else if arg.hasPrefix("-") {
                return nil // help, version, or something only ArgumentParser knows
            } else if verb == nil {
                guard verbValues[arg] != nil else { return nil }
                verb = arg
            } else {
                a.positional.append(arg)
            }
            i += 1
        }
        guard let v = verb else { return nil }
        let maxPositional = v == "kill" ? 2 : 1
        guard a.positional.count >= 1 && a.positional.count <= maxPositional else { return nil }
        return (v, a)
    }
}
