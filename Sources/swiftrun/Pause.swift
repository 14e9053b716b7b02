import ArgumentParser
import Runtime

struct PauseCommand: Verb {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Freeze every process of a container.")
    static let verbName = "pause"
    @OptionGroup var globals: GlobalOptions
    @Argument(help: "Container ID.") var id: String
    func execute(_ cx: Invocation) throws { try Pause.pause(store: cx.store, id: id) }
}

struct ResumeCommand: Verb {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Thaw a paused container.")
    static let verbName = "resume"
    @OptionGroup var globals: GlobalOptions
    @Argument(help: "Container ID.") var id: String
    func execute(_ cx: Invocation) throws { try Pause.resume(store: cx.store, id: id) }
}
