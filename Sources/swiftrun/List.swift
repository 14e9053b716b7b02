import OCISpec
import LinuxSys
import Runtime

enum ListCommand {
    static let spec = VerbSpec(name: "list", abstract: "List containers.", flags: [RuncFlags.format, RuncFlags.quiet],
                               positionals: []) { p, cx in
        try list(store: try cx.store, format: p.value("format") ?? "table", quiet: p.flag("quiet"))
        return 0
    }

    /// Also the fast path's `list` (FastPath.swift).
    static func list(store: StateStore, format: String, quiet: Bool) throws {
        let states = Inspect.all(store: store)
        if quiet {
            writeStdout(states.map { $0.id + "\n" }.inlineJoined())
            return
        }
        switch format {
        case "table": writeStdout(Inspect.table(states))
        case "json":
            writeStdout(states.isEmpty ? "null\n" : String(decoding: ContainerState.json(states, array: true), as: UTF8.self) + "\n")
        default: throw RuntimeError("--format: invalid format \"\(format)\" (table or json)")
        }
    }
}
