import ArgumentParser
import OCISpec
import LinuxSys
import Runtime

struct ListCommand: Verb {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List containers.")
    static let verbName = "list"
    @OptionGroup var globals: GlobalOptions
    @Option(name: RuncFlags.format.name, help: RuncFlags.format.argumentHelp) var format: String = "table"
    @Flag(name: RuncFlags.quiet.name, help: RuncFlags.quiet.argumentHelp) var quiet = false

    func execute(_ cx: Invocation) throws {
        try Self.list(store: try cx.store, format: format, quiet: quiet)
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
