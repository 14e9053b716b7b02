import LinuxSys
import OCISpec

/// The table-driven command line: every verb declares its flags (RuncFlag), its positional
/// arguments and its help (`VerbSpec`, one per verb file); `CLI.parse` reads runc's forms against
/// that table, and the help, the usage errors and the dump for the man pages and completions
/// (`--experimental-dump-help`) are written from it. The fast path (FastPath.swift) answers the
/// lifecycle verbs' usual argument lists before this runs; both call the same Runtime code.
struct Positional: Sendable {
    let name: String
    let help: String
    var optional = false
    var defaultValue: String? = nil
    /// The rest of the command line, as given (exec's command, ps's options): never parsed.
    var passthrough = false

    static let id = Positional(name: "id", help: "Container ID.")
}

struct VerbSpec: Sendable {
    let name: String
    let abstract: String
    var discussion = ""
    /// The usage line after "swiftrun VERB", when the generated one says less.
    var usage: String? = nil
    var flags: [RuncFlag] = []
    var positionals: [Positional] = [.id]
    /// The exit status when the verb fails (runc: 1, 255 for exec).
    var failureExitCode: Int32 = 1
    /// The verb's body: its exit status (the container's for run, the program's for exec).
    let run: @Sendable (Parsed, Invocation) throws -> Int32
}

/// What CLI.parse found: flag values by long name, in the order given, and the positionals.
struct Parsed: OptionValues {
    var values: [(name: String, value: String)] = []
    var flags: [(name: String, on: Bool)] = []
    var positional: [String] = []
    /// After a passthrough positional's start: everything, as given.
    var rest: [String] = []

    func value(_ long: String) -> String? { values.last { $0.name == long }?.value }
    func allValues(_ long: String) -> [String] { values.filter { $0.name == long }.map(\.value) }
    func flag(_ long: String) -> Bool { flags.last { $0.name == long }?.on ?? false }

    /// A value option's number (runc's strconv), with the flag named when it is not one.
}

/// A command line the table refuses: printed with the usage line, exit status 64 (as before).
struct UsageError: Error, Equatable {
    let message: String
    var verb: String? = nil
    init(_ message: String, verb: String? = nil) { self.message = message; self.verb = verb }
}

enum CLI {
    enum Command {
        case run(VerbSpec, Parsed)
        case help(VerbSpec?)
        case version
        case dumpHelp
        /// `help X` or `X --help` for a verb that does not exist (runc: exit 3).
        case unknownVerb(String)
    }

    static let name = "swiftrun"
    static let abstract = "Run OCI containers (runtime-spec v1.3.0), runc-compatible."
    static let helpFlag = RuncFlag("help", short: "h", "Show help information.")

    static func verb(_ name: String) -> VerbSpec? { Verbs.all.first { $0.name == name } }

    /// runc's (urfave-cli's, Go flag's) forms: `--flag value`, `--flag=value`, `-f value`, a long
    /// flag with one dash (`-root X`), a boolean `--flag=true|false`, `--` ending the options;
    /// flags may follow positionals, except inside a passthrough tail (exec's command).
    static func parse(_ argv: [String]) throws(UsageError) -> Command {
        var spec: VerbSpec?
        var p = Parsed()
        var help = false
        var version = false
        var optionsEnded = false
        var i = 0
        while i < argv.count {
            let arg = argv[i]
            i += 1
            if !optionsEnded && arg == "--" { optionsEnded = true; continue }
            if optionsEnded || !arg.hasBytePrefix("-") || arg == "-" {
                guard let verb = spec else {
                    if arg == "help" {
                        guard i < argv.count else { return .help(nil) }
                        return Self.verb(argv[i]).map { .help($0) } ?? .unknownVerb(argv[i])
                    }
                    guard let v = Self.verb(arg) else { return .unknownVerb(arg) }
                    spec = v
                    continue
                }
                p.positional.append(arg)
                // Once the arguments before a passthrough one are in, the rest is its, as given.
                let n = p.positional.count
                if n < verb.positionals.count && verb.positionals[n].passthrough {
                    p.rest = Array(argv[i...])
                    break
                }
                continue
            }
            if spec == nil && arg == "--experimental-dump-help" { return .dumpHelp }
            // The name and an inline value: "--name=value", "-n", "-name".
            let dashes = arg.hasBytePrefix("--") ? 2 : 1
            var name = arg.dropFirst(dashes)
            var inline: String?
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = name[..<eq]
            }
            let table = (spec?.flags ?? []) + RuncFlags.global + [helpFlag]
            guard let flag = table.first(where: { $0.named(name, short: dashes == 1 && name.count == 1) }) else {
                throw UsageError("Unknown option '\(arg)'", verb: spec?.name)
            }
            if flag.takesValue {
                var value = inline
                if value == nil && i < argv.count { value = argv[i]; i += 1 }
                guard let value else {
                    throw UsageError("Missing value for '--\(flag.long) <\(flag.long)>'", verb: spec?.name)
                }
                p.values.append((flag.long, value))
            } else {
                var on = true
                if let inline {
                    guard let b = parseBool(inline) else {
                        throw UsageError("The option '--\(flag.long)' takes true or false, but '\(inline)' was specified.",
                                         verb: spec?.name)
                    }
                    on = b
                }
                if flag.long == "help" { help = on } else if flag.long == "version" { version = on }
                else { p.flags.append((flag.long, on)) }
            }
        }
        if help { return .help(spec) }
        if version { return .version }
        guard let verb = spec else { return .help(nil) }
        let required = verb.positionals.filter { !$0.optional && !$0.passthrough }.count
        if p.positional.count < required {
            throw UsageError("Missing expected argument '<\(verb.positionals[p.positional.count].name)>'", verb: verb.name)
        }
        let most = verb.positionals.filter { !$0.passthrough }.count
        if p.positional.count > most {
            throw UsageError("Unexpected argument '\(p.positional[most])'", verb: verb.name)
        }
        return .run(verb, p)
    }

    /// Go's strconv.ParseBool, which urfave-cli uses for `--flag=VALUE`.
    static func parseBool(_ s: String) -> Bool? {
        switch s {
        case "1", "t", "T", "true", "TRUE", "True": return true
        case "0", "f", "F", "false", "FALSE", "False": return false
        default: return nil
        }
    }

    // MARK: help

    static func usage(_ verb: VerbSpec?) -> String {
        guard let verb else { return "\(name) [<global options>] <subcommand>" }
        if let u = verb.usage { return "\(name) \(verb.name) \(u)" }
        var s = "\(name) \(verb.name)"
        if !verb.flags.isEmpty { s += " [<options>]" }
        for a in verb.positionals {
            let piece = a.passthrough ? "<\(a.name)> ..." : "<\(a.name)>"
            s += a.optional || a.passthrough ? " [\(piece)]" : " \(piece)"
        }
        return s
    }

    static func optionLabel(_ f: RuncFlag) -> String {
        let names = (f.short.map { ["-\($0)"] } ?? []) + ([f.long] + f.aliases).map { "--" + $0 }
        return names.inlineJoined(separator: ", ") + (f.takesValue ? " <\(f.long)>" : "")
    }

    static func helpText(_ verb: VerbSpec?) -> String {
        var out = "OVERVIEW: \(verb?.abstract ?? abstract)\n\n"
        if let d = verb?.discussion, !d.isEmpty { out += wrap(d, indent: 0) + "\n\n" }
        out += "USAGE: \(usage(verb))\n\n"
        if let verb, !verb.positionals.isEmpty {
            out += "ARGUMENTS:\n"
            for a in verb.positionals {
                let help = a.help + (a.defaultValue.map { " (default: \($0))" } ?? "")
                out += item("<\(a.name)>", help)
            }
            out += "\n"
        }
        out += "OPTIONS:\n"
        for f in (verb?.flags ?? []) + RuncFlags.global + [helpFlag] where !f.hidden {
            var help = f.help
            if let d = f.defaultValue, !help.lowercased().contains("default") { help += " (default: \(d))" }
            out += item(optionLabel(f), help)
        }
        if verb == nil {
            out += "\nSUBCOMMANDS:\n"
            for v in Verbs.all { out += item(v.name, v.abstract) }
            out += "\n  See '\(name) help <subcommand>' for detailed help.\n"
        }
        return out
    }

    /// "  label                   text", the text wrapped at 80 columns from column 26.
    static func item(_ label: String, _ text: String) -> String {
        let body = wrap(text, indent: 26)
        let head = "  " + label
        if head.count <= 24 {
            return head + String(repeating: " ", count: 26 - head.count) + body.dropFirst(26) + "\n"
        }
        return head + "\n" + body + "\n"
    }

    static func wrap(_ text: String, indent: Int, width: Int = 80) -> String {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && indent + line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        lines.append(line)
        let pad = String(repeating: " ", count: indent)
        return lines.map { pad + $0 }.inlineJoined(separator: "\n")
    }

    static func usageErrorText(_ e: UsageError) -> String {
        let verb = e.verb.flatMap(Self.verb)
        let helpCmd = verb.map { "\(name) \($0.name) --help" } ?? "\(name) --help"
        return "Error: \(e.message)\nUsage: \(usage(verb))\n  See '\(helpCmd)' for more information.\n"
    }

    // MARK: dump

    /// The table as ArgumentParser's `--experimental-dump-help` JSON (the fields mk/manpages.py
    /// and mk/completions.py read): {"command": {commandName, abstract, arguments, subcommands}}.
    static func dumpHelp() -> String {
        func str(_ s: String) -> String { JSONString.quote(s) }
        func obj(_ fields: [(String, String)]) -> String {
            "{" + fields.map { str($0.0) + ":" + $0.1 }.inlineJoined(separator: ",") + "}"
        }
        func flag(_ f: RuncFlag) -> String {
            let names = (f.short.map { [obj([("kind", str("short")), ("name", str(String($0)))])] } ?? [])
                + ([f.long] + f.aliases).map { obj([("kind", str("long")), ("name", str($0))]) }
            var fields = [("kind", str(f.takesValue ? "option" : "flag")), ("names", "[" + names.inlineJoined(separator: ",") + "]"),
                          ("abstract", str(f.help)), ("isOptional", "true"),
                          ("isRepeating", f.repeatable ? "true" : "false"), ("shouldDisplay", f.hidden ? "false" : "true"),
                          ("parsingStrategy", str("default"))]
            if f.takesValue { fields.append(("valueName", str(f.long))) }
            if let d = f.defaultValue { fields.append(("defaultValue", str(d))) }
            return obj(fields)
        }
        func positional(_ a: Positional) -> String {
            var fields = [("kind", str("positional")), ("valueName", str(a.name)), ("abstract", str(a.help)),
                          ("isOptional", a.optional || a.passthrough ? "true" : "false"),
                          ("isRepeating", a.passthrough ? "true" : "false"), ("shouldDisplay", "true"),
                          ("parsingStrategy", str(a.passthrough ? "allRemainingInput" : "default"))]
            if let d = a.defaultValue { fields.append(("defaultValue", str(d))) }
            return obj(fields)
        }
        let globals = (RuncFlags.global + [helpFlag]).map(flag)
        let verbs = Verbs.all.map { v in
            obj([("commandName", str(v.name)), ("abstract", str(v.abstract)), ("discussion", str(v.discussion)),
                 ("usage", str(usage(v))), ("shouldDisplay", "true"), ("superCommands", "[" + str(name) + "]"),
                 ("arguments", "[" + (globals + v.flags.map(flag) + v.positionals.map(positional)).inlineJoined(separator: ",") + "]")])
        }
        let root = obj([("commandName", str(name)), ("abstract", str(abstract)), ("shouldDisplay", "true"),
                        ("arguments", "[" + globals.inlineJoined(separator: ",") + "]"),
                        ("subcommands", "[" + verbs.inlineJoined(separator: ",") + "]")])
        return obj([("command", root), ("serializationVersion", "0")]) + "\n"
    }
}
