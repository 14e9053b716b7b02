import ArgumentParser
import OCISpec
import LinuxSys
import Runtime
#if canImport(Glibc)
import Glibc
#endif

struct ExecCommand: Verb {
    static let configuration = CommandConfiguration(
        commandName: "exec", abstract: "Run a new process inside a container.",
        usage: "swiftrun exec [options] <container-id> <command> [args...]")
    static let verbName = "exec"
    /// As runc: a failure of exec itself (not the program's exit status) exits 255.
    static let failureExitCode: Int32 = 255
    @OptionGroup var globals: GlobalOptions
    @Option(name: .customLong("console-socket"), help: "Unix socket that receives the pty master.") var consoleSocket: String?
    @Option(name: .customLong("pidfd-socket"), help: "Unix socket that receives a pidfd of the process.") var pidfdSocket: String?
    @Option(help: "Working directory in the container.") var cwd: String?
    @Option(name: [.customShort("e"), .long], help: "Set an environment variable (KEY=VALUE).") var env: [String] = []
    @Flag(name: [.customShort("t"), .long], help: "Allocate a pseudo-TTY.") var tty = false
    @Option(name: [.customShort("u"), .long], help: "UID[:GID].") var user: String?
    @Option(name: [.customShort("g"), .customLong("additional-gids")], help: "Additional group id.") var additionalGids: [UInt32] = []
    @Option(name: [.customShort("p"), .long], help: "A process.json to run.") var process: String?
    @Flag(name: [.customShort("d"), .long], help: "Return after the process started.") var detach = false
    @Option(name: .customLong("pid-file"), help: "File to write the process's pid to.") var pidFile: String?
    @Option(name: .customLong("process-label"), help: "SELinux label for the process.") var processLabel: String?
    @Option(help: "AppArmor profile for the process.") var apparmor: String?
    @Flag(name: .customLong("no-new-privs"), help: "Set no_new_privs for the process.") var noNewPrivs = false
    @Option(name: [.customShort("c"), .long], help: "Add a capability to the process.") var cap: [String] = []
    @Option(name: .customLong("preserve-fds"), help: "Pass N extra fds (3..3+N-1).") var preserveFds: Int32 = 0
    @Flag(name: .customLong("ignore-paused"), help: "Allow exec in a paused container.") var ignorePaused = false
    @Option(help: "Run the process in a sub-cgroup of the container's: PATH, or CTRL[,CTRL]:PATH (cgroup v1), repeatable.")
    var cgroup: [String] = []
    @Argument(help: "Container ID.") var id: String
    @Argument(parsing: .captureForPassthrough, help: "Command and its arguments.") var command: [String] = []

    func execute() throws {
        try ProtectedExe.ensure()
        var o = ExecOptions(process: try buildProcess())
        o.consoleSocket = consoleSocket
        o.pidFile = pidFile
        o.detach = detach
        o.preserveFDs = preserveFds
        o.callerFDs = callerFDs
        o.ignorePaused = ignorePaused
        o.cgroup = try ExecCgroup.parse(cgroup)
        o.pidfdSocket = pidfdSocket
        let code = try Exec.run(store: globals.store, id: id, options: o)
        if code != 0 { throw ExitCode(code) }
    }

    /// runc's rules: a --process file as given, else the container's own process with the
    /// command line and flags applied on top.
    func buildProcess() throws -> OCISpec.Process {
        if let path = process {
            let bytes: [UInt8]
            do { bytes = try FileIO.read(path) } catch { throw RuntimeError("--process", cause: error) }
            let p = try SpecLoader.decode(OCISpec.Process.self, bytes, file: path)
            try LandlockValidator.validate(p, path: "", file: path)
            return p
        }
        guard !command.isEmpty else { throw RuntimeError("exec: a command is required (or --process FILE)") }
        let store = try globals.store
        var p = try store.config(of: store.load(id)).process ?? OCISpec.Process()
        p.args = command
        p.terminal = tty
        p.consoleSize = nil
        p.env = (p.env ?? []) + env
        if let cwd { p.cwd = cwd }
        if let user {
            let parts = user.split(separator: ":", maxSplits: 1)
            guard let uid = UInt32(parts[0]), parts.count == 1 || UInt32(parts[1]) != nil else {
                throw RuntimeError("--user: expected UID[:GID], got \"\(user)\"")
            }
            p.user.uid = uid
            p.user.gid = parts.count == 2 ? UInt32(parts[1])! : p.user.gid
        }
        if !additionalGids.isEmpty { p.user.additionalGids = additionalGids }
        if noNewPrivs { p.noNewPrivileges = true }
        if let apparmor { p.apparmorProfile = apparmor }
        if let processLabel { p.selinuxLabel = processLabel }
        if !cap.isEmpty {
            var c = p.capabilities ?? LinuxCapabilities()
            c.bounding = (c.bounding ?? []) + cap
            c.effective = (c.effective ?? []) + cap
            c.permitted = (c.permitted ?? []) + cap
            // Never inheritable or ambient: those survive the program's own execve of a file
            // without file capabilities (CVE-2022-29162).
            p.capabilities = c
        }
        return p
    }
}
