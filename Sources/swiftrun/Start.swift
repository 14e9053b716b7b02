import ArgumentParser
import Runtime

struct StartCommand: Verb {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Run the user program of a created container.")
    static let verbName = "start"
    @OptionGroup var globals: GlobalOptions
    @Argument(help: "Container ID.") var id: String

    func execute(_ cx: Invocation) throws { try Start.run(store: cx.store, id: id, notifySocket: callerNotifySocket()) }
}
