import ArgumentParser
import Runtime

struct KillCommand: Verb {
    static let configuration = CommandConfiguration(commandName: "kill", abstract: "Send a signal (default SIGTERM) to a container.")
    static let verbName = "kill"
    @OptionGroup var globals: GlobalOptions
    @Flag(name: RuncFlags.all.name, help: RuncFlags.all.argumentHelp) var all = false
    @Argument(help: "Container ID.") var id: String
    @Argument(help: "Signal name (TERM, SIGTERM) or number.") var signal: String = "SIGTERM"

    func execute(_ cx: Invocation) throws {
        try Kill.run(store: cx.store, id: id, signal: try Kill.parseSignal(signal), all: all)
    }
}
