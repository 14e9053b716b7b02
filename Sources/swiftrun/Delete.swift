import ArgumentParser
import Runtime

struct DeleteCommand: Verb {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a stopped container (or any, with --force).")
    static let verbName = "delete"
    @OptionGroup var globals: GlobalOptions
    @Flag(name: RuncFlags.force.name, help: RuncFlags.force.argumentHelp) var force = false
    @Argument(help: "Container ID.") var id: String

    func execute(_ cx: Invocation) throws { try Delete.run(store: cx.store, id: id, force: force) }
}
