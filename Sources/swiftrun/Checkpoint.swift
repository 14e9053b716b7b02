import ArgumentParser
import Runtime

/// The CRIU flags `checkpoint` and `restore` share (runc's names and meanings).
struct CriuCommonFlags: ParsableArguments {
    @Option(name: .customLong("image-path"), help: "Path for the CRIU image files (default: ./checkpoint).")
    var imagePath: String = ""
    @Option(name: .customLong("work-path"), help: "Path for CRIU's work files and logs (default: the image path).")
    var workPath: String = ""
    @Flag(name: .customLong("tcp-established"), help: "Allow open TCP connections.") var tcpEstablished = false
    @Flag(name: .customLong("ext-unix-sk"), help: "Allow external unix sockets.") var extUnixSk = false
    @Flag(name: .customLong("shell-job"), help: "Allow shell jobs (a session or terminal from outside the container).")
    var shellJob = false
    @Flag(name: .customLong("file-locks"), help: "Handle file locks.") var fileLocks = false
    @Flag(name: .customLong("lazy-pages"), help: "Use userfaultfd to restore memory pages lazily.") var lazyPages = false
    @Option(name: .customLong("manage-cgroups-mode"), help: "cgroups mode: soft|full|strict|ignore (default: soft).")
    var manageCgroupsMode: String = ""
    @Option(name: .customLong("empty-ns"), help: "Create a namespace, but don't restore its properties (network).")
    var emptyNs: [String] = []
    @Flag(name: .customLong("auto-dedup"), help: "Enable auto deduplication of memory images.") var autoDedup = false

    func flags(criu: String?) -> CriuFlags {
        var f = CriuFlags()
        f.imagePath = imagePath
        f.workPath = workPath
        f.tcpEstablished = tcpEstablished
        f.extUnixSk = extUnixSk
        f.shellJob = shellJob
        f.fileLocks = fileLocks
        f.lazyPages = lazyPages
        f.manageCgroupsMode = manageCgroupsMode
        f.emptyNs = emptyNs
        f.autoDedup = autoDedup
        f.criu = criu
        return f
    }
}

struct CheckpointCommand: Verb {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint", abstract: "Checkpoint a running container with CRIU.",
        discussion: "CRIU dumps the container's processes into --image-path; without --leave-running or --pre-dump they are then stopped. See Docs/CHECKPOINT.md.")
    static let verbName = "checkpoint"
    @OptionGroup var globals: GlobalOptions
    @OptionGroup var common: CriuCommonFlags
    @Option(name: .customLong("parent-path"), help: "Path of the previous images (pre-dump), relative to --image-path.")
    var parentPath: String = ""
    @Flag(name: .customLong("leave-running"), help: "Leave the processes running after checkpointing.")
    var leaveRunning = false
    @Option(name: .customLong("status-fd"), help: "CRIU writes \\0 to this fd once lazy pages are ready.")
    var statusFd: Int32 = -1
    @Option(name: .customLong("page-server"), help: "ADDRESS:PORT of the page server.") var pageServer: String = ""
    @Flag(name: .customLong("pre-dump"), help: "Dump the memory only, leaving the container running.")
    var preDump = false
    @Argument(help: "Container ID.") var id: String

    func execute(_ cx: Invocation) throws {
        var o = CheckpointOptions()
        o.common = common.flags(criu: globals.criu)
        o.parentPath = parentPath
        o.leaveRunning = leaveRunning
        o.statusFD = statusFd
        o.pageServer = pageServer
        o.preDump = preDump
        try Checkpoint.run(store: cx.store, id: id, options: o)
    }
}
