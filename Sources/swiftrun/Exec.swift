import OCISpec
import LinuxSys
import Runtime
#if canImport(Glibc)
import Glibc
#endif

/// exec's flags and arguments, from the verb table (ExecCommand.spec) or the fast path (FastPath.swift).
struct ExecFlags {
    var consoleSocket: String?
    var pidfdSocket: String?
    var cwd: String?
    var env: [String] = []
    var tty = false
    var user: String?
    var additionalGids: [UInt32] = []
    var process: String?
    var detach = false
    var pidFile: String?
    var processLabel: String?
    var apparmor: String?
    var noNewPrivs = false
    var cap: [String] = []
    var preserveFds: Int32 = 0
    var ignorePaused = false
    var cgroup: [String] = []
    var id: String
    var command: [String] = []

    init(id: String) { self.id = id }
}

enum ExecCommand {
    /// As runc: a failure of exec itself (not the program's exit status) exits 255.
    static let failureExitCode: Int32 = 255

    static let spec = VerbSpec(
        name: "exec", abstract: "Run a new process inside a container.",
        usage: "[options] <container-id> <command> [args...]", flags: RuncFlags.exec,
        positionals: [.id, Positional(name: "command", help: "Command and its arguments.", passthrough: true)],
        failureExitCode: failureExitCode
    ) { p, cx in
        let f = try ExecFlags(p, id: p.positional[0], command: p.rest)
        return try exec(store: cx.store, f, callerFDs: cx.callerFDs)
    }

    /// Also the fast path's `exec`: the process's exit status (or 0 with --detach).
    static func exec(store: StateStore, _ f: ExecFlags, callerFDs: [Int32]?) throws -> Int32 {
        try ProtectedExe.ensure(log: store.log)
        var o = ExecOptions(process: try buildProcess(store: store, f))
        o.consoleSocket = f.consoleSocket
        o.pidFile = f.pidFile
        o.detach = f.detach
        o.preserveFDs = f.preserveFds
        o.callerFDs = callerFDs
        o.ignorePaused = f.ignorePaused
        o.cgroup = try ExecCgroup.parse(f.cgroup)
        o.pidfdSocket = f.pidfdSocket
        return try Exec.run(store: store, id: f.id, options: o)
    }

    /// runc's rules: a --process file as given, else the container's own process with the
    /// command line and flags applied on top.
    static func buildProcess(store: StateStore, _ f: ExecFlags) throws -> OCISpec.Process {
        if let path = f.process {
            let bytes: [UInt8]
            do { bytes = try FileIO.read(path) } catch { throw RuntimeError("--process", cause: error) }
            let p = try SpecLoader.decode(OCISpec.Process.self, bytes, file: path)
            try LandlockValidator.validate(p, path: "", file: path)
            return p
        }
        guard !f.command.isEmpty else { throw RuntimeError("exec: a command is required (or --process FILE)") }
        var p = try store.config(of: store.load(f.id)).process ?? OCISpec.Process()
        p.args = f.command
        p.terminal = f.tty
        p.consoleSize = nil
        p.env = (p.env ?? []) + f.env
        if let cwd = f.cwd { p.cwd = cwd }
        if let user = f.user {
            let parts = user.split(separator: ":", maxSplits: 1)
            guard let uid = UInt32(parts[0]), parts.count == 1 || UInt32(parts[1]) != nil else {
                throw RuntimeError("--user: expected UID[:GID], got \"\(user)\"")
            }
            p.user.uid = uid
            p.user.gid = parts.count == 2 ? UInt32(parts[1])! : p.user.gid
        }
        if !f.additionalGids.isEmpty { p.user.additionalGids = f.additionalGids }
        if f.noNewPrivs { p.noNewPrivileges = true }
        if let apparmor = f.apparmor { p.apparmorProfile = apparmor }
        if let processLabel = f.processLabel { p.selinuxLabel = processLabel }
        if !f.cap.isEmpty {
            var c = p.capabilities ?? LinuxCapabilities()
            c.bounding = (c.bounding ?? []) + f.cap
            c.effective = (c.effective ?? []) + f.cap
            c.permitted = (c.permitted ?? []) + f.cap
            // Never inheritable or ambient: those survive the program's own execve of a file
            // without file capabilities (CVE-2022-29162).
            p.capabilities = c
        }
        return p
    }
}
