import ArgumentParser
import Runtime

/// Options shared by `create` and `run`.
struct CreateFlags: ParsableArguments {
    @Option(name: RuncFlags.bundle.name, help: RuncFlags.bundle.argumentHelp) var bundle: String = "."
    @Option(name: RuncFlags.pidFile.name, help: RuncFlags.pidFile.argumentHelp) var pidFile: String?
    @Option(name: RuncFlags.consoleSocket.name, help: RuncFlags.consoleSocket.argumentHelp) var consoleSocket: String?
    @Flag(name: RuncFlags.noPivot.name, help: RuncFlags.noPivot.argumentHelp) var noPivot = false
    @Flag(name: RuncFlags.noNewKeyring.name, help: RuncFlags.noNewKeyring.argumentHelp) var noNewKeyring = false
    @Option(name: RuncFlags.preserveFds.name, help: RuncFlags.preserveFds.argumentHelp) var preserveFds: Int32 = 0
    @Option(name: RuncFlags.pidfdSocket.name, help: RuncFlags.pidfdSocket.argumentHelp) var pidfdSocket: String?

    func options(callerFDs: [Int32]?) -> CreateOptions {
        var o = CreateOptions(bundle: bundle)
        o.pidFile = pidFile
        o.consoleSocket = consoleSocket
        o.noPivot = noPivot
        o.noNewKeyring = noNewKeyring
        o.preserveFDs = preserveFds
        o.callerFDs = callerFDs
        o.pidfdSocket = pidfdSocket
        o.notifySocket = callerNotifySocket()
        return o
    }
}

struct CreateCommand: Verb {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a container.")
    static let verbName = "create"
    @OptionGroup var globals: GlobalOptions
    @OptionGroup var flags: CreateFlags
    @Argument(help: "Container ID.") var id: String

    func execute(_ cx: Invocation) throws {
        try ProtectedExe.ensure(log: cx.log)
        var o = flags.options(callerFDs: cx.callerFDs)
        o.rootlessCgroups = try globals.rootlessCgroups()
        o.systemdCgroup = globals.systemdCgroup
        _ = try Create.run(store: cx.store, id: id, options: o)
    }
}
