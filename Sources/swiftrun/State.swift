import ArgumentParser
import OCISpec
import Runtime

struct StateCommand: Verb {
    static let configuration = CommandConfiguration(commandName: "state", abstract: "Print a container's state as JSON.")
    static let verbName = "state"
    @OptionGroup var globals: GlobalOptions
    @Argument(help: "Container ID.") var id: String

    func execute(_ cx: Invocation) throws {
        let s = try Inspect.state(store: cx.store, id: id)
        writeStdout(String(decoding: ContainerState.json([s], array: false, indent: "  "), as: UTF8.self) + "\n")
    }
}
