import ArgumentParser
import Runtime

struct RunCommand: Verb {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Create and start a container.")
    static let verbName = "run"
    @OptionGroup var globals: GlobalOptions
    @OptionGroup var flags: CreateFlags
    @Flag(name: RuncFlags.detach.name, help: RuncFlags.detach.argumentHelp) var detach = false
    @Flag(name: RuncFlags.keep.name, help: RuncFlags.keep.argumentHelp) var keep = false
    @Flag(name: RuncFlags.noSubreaper.name, help: RuncFlags.noSubreaper.argumentHelp) var noSubreaper = false
    @Argument(help: "Container ID.") var id: String

    func execute(_ cx: Invocation) throws {
        try ProtectedExe.ensure(log: cx.log)
        var o = flags.options(callerFDs: cx.callerFDs)
        o.noSubreaper = noSubreaper
        o.rootlessCgroups = try globals.rootlessCgroups()
        o.systemdCgroup = globals.systemdCgroup
        let code = try Run.run(store: cx.store, id: id, options: o, detach: detach, keep: keep)
        if code != 0 { throw ExitCode(code) }
    }
}
