import ArgumentParser
import Runtime

/// Options shared by `create` and `run`.
struct CreateFlags: ParsableArguments {
    @Option(name: [.customShort("b"), .long], help: "Path to the bundle (default: current directory).")
    var bundle: String = "."
    @Option(name: .customLong("pid-file"), help: "File to write the container init's pid to.")
    var pidFile: String?
    @Option(name: .customLong("console-socket"), help: "Unix socket that receives the pty master.")
    var consoleSocket: String?
    @Flag(name: .customLong("no-pivot"), help: "Do not use pivot_root (move-mount and chroot instead).")
    var noPivot = false
    @Flag(name: .customLong("no-new-keyring"), help: "Do not create a new session keyring.")
    var noNewKeyring = false
    @Option(name: .customLong("preserve-fds"), help: "Pass N extra fds (3..3+N-1) to the container.")
    var preserveFds: Int32 = 0
    @Option(name: .customLong("pidfd-socket"), help: "Unix socket that receives a pidfd of the container's init.")
    var pidfdSocket: String?

    var options: CreateOptions {
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

    func execute() throws {
        try ProtectedExe.ensure()
        var o = flags.options
        o.rootlessCgroups = try globals.rootlessCgroups()
        o.systemdCgroup = globals.systemdCgroup
        _ = try Create.run(store: globals.store, id: id, options: o)
    }
}
