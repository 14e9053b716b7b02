import ArgumentParser
import Runtime

struct RestoreCommand: Verb {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Restore a container from a CRIU checkpoint.",
        discussion: "The container is made from the bundle's config.json and its processes restored from --image-path. See Docs/CHECKPOINT.md.")
    static let verbName = "restore"
    @OptionGroup var globals: GlobalOptions
    @OptionGroup var common: CriuCommonFlags
    @Option(name: [.customShort("b"), .long], help: "Path to the bundle (default: current directory).")
    var bundle: String = "."
    @Flag(name: [.customShort("d"), .long], help: "Detach from the container's process.") var detach = false
    @Option(name: .customLong("pid-file"), help: "File to write the restored init's pid to.") var pidFile: String?
    @Option(name: .customLong("console-socket"), help: "Unix socket that receives the restored pty master.")
    var consoleSocket: String?
    @Flag(name: .customLong("no-subreaper"), help: "Do not make the runtime a child subreaper (foreground).")
    var noSubreaper = false
    @Flag(name: .customLong("no-pivot"), help: "Accepted for runc compatibility (CRIU restores the mount namespace).")
    var noPivot = false
    @Option(name: .customLong("lsm-profile"), help: "LSM profile for the restored processes (TYPE:NAME).")
    var lsmProfile: String?
    @Option(name: .customLong("lsm-mount-context"), help: "SELinux mount context for the restored mounts.")
    var lsmMountContext: String?
    @Argument(help: "Container ID.") var id: String

    func execute(_ cx: Invocation) throws {
        var o = RestoreOptions()
        o.common = common.flags(criu: globals.criu)
        o.bundle = bundle
        o.detach = detach
        o.pidFile = pidFile
        o.consoleSocket = consoleSocket
        o.noSubreaper = noSubreaper
        o.noPivot = noPivot
        o.lsmProfile = lsmProfile
        o.lsmMountContext = lsmMountContext
        o.systemdCgroup = globals.systemdCgroup
        let code = try Restore.run(store: cx.store, id: id, options: o)
        if code != 0 { throw ExitCode(code) }
    }
}
