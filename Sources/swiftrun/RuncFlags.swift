/// One of runc's command-line flags: its long name, its short alias, whether it takes a value,
/// and its help. `RuncFlags` lists the global ones and those of the lifecycle verbs, the other
/// verbs' files their own; both `FastPath` and the table-driven parser (CLI.swift) take their
/// names from here, so the two parsers cannot drift apart.
struct RuncFlag: Sendable {
    let long: String
    let short: Character?
    let takesValue: Bool
    let help: String
    /// Whether `FastPath` parses it (otherwise an argument list holding it goes to CLI.parse).
    let fastPath: Bool
    /// May be given more than once (every value is kept; for the others the last one wins).
    let repeatable: Bool
    /// Accepted, but left out of the help (documented in its man page source).
    let hidden: Bool
    /// Other long names for the same flag ("cpu-shares" for "cpu-share").
    let aliases: [String]
    /// The default shown in the help and the dump, when there is one worth showing.
    let defaultValue: String?

    init(_ long: String, short: Character? = nil, value: Bool = false, fastPath: Bool = true,
         repeatable: Bool = false, hidden: Bool = false, aliases: [String] = [], default defaultValue: String? = nil,
         _ help: String) {
        self.long = long
        self.short = short
        self.takesValue = value
        self.fastPath = fastPath
        self.repeatable = repeatable
        self.hidden = hidden
        self.aliases = aliases
        self.defaultValue = defaultValue
        self.help = help
    }

    /// The spellings on the command line, the long one first: "--bundle", "-b".
    var spellings: [String] { ["--" + long] + (short.map { ["-" + String($0)] } ?? []) }

    /// Whether `name` (without dashes; a single letter for the short one) names this flag.
    func named(_ name: Substring, short isShort: Bool) -> Bool {
        if isShort, let short { return name.count == 1 && name.first == short }
        return name == long || aliases.contains { name == $0 }
    }
}

enum RuncFlags {
    // Global: before or after the verb.
    static let root = RuncFlag("root", value: true, "Root directory for container state (default: $XDG_RUNTIME_DIR/swiftrun for a non-root user, else /run/swiftrun).")
    /// runc's `--rootless VALUE` (after the verb `spec`, `--rootless` is spec's own flag).
    static let rootless = RuncFlag("rootless", value: true,
                                   "Ignore cgroup permission errors: true, false or auto (default: auto, rootless for a non-root user).")
    static let log = RuncFlag("log", value: true, "Log file (default: stderr).")
    static let logFormat = RuncFlag("log-format", value: true, default: "text", "Log format: text or json.")
    static let debug = RuncFlag("debug", "Enable debug logging.")
    static let systemdCgroup = RuncFlag(
        "systemd-cgroup",
        "Use the systemd cgroup driver: the container's cgroup is a transient systemd scope (create/run; later verbs read it from the state).")
    /// runc's path to the criu binary; accepted and ignored by everything but the CRIU verbs.
    static let criu = RuncFlag("criu", value: true, fastPath: false,
                               "CRIU binary for checkpoint and restore (default: criu in $PATH).")
    /// runc's `--version, -v`: answered before a verb by the fast path, after one by CLI.parse.
    static let version = RuncFlag("version", short: "v", fastPath: false, "Print the version.")

    // create and run.
    static let bundle = RuncFlag("bundle", short: "b", value: true, "Path to the bundle (default: current directory).")
    static let pidFile = RuncFlag("pid-file", value: true, "File to write the container init's pid to.")
    static let consoleSocket = RuncFlag("console-socket", value: true, "Unix socket that receives the pty master.")
    static let noPivot = RuncFlag("no-pivot", "Do not use pivot_root (move-mount and chroot instead).")
    static let noNewKeyring = RuncFlag("no-new-keyring", "Do not create a new session keyring.")
    static let preserveFds = RuncFlag("preserve-fds", value: true, "Pass N extra fds (3..3+N-1) to the container.")
    static let pidfdSocket = RuncFlag("pidfd-socket", value: true, "Unix socket that receives a pidfd of the container's init.")
    // run only.
    static let detach = RuncFlag("detach", short: "d", "Return after start, leaving the container running.")
    static let keep = RuncFlag("keep", "Do not delete the container after it exits.")
    static let noSubreaper = RuncFlag("no-subreaper", "Do not become the subreaper of the container's orphaned processes.")
    // kill and delete.
    static let all = RuncFlag("all", short: "a", "Signal every process of the container.")
    static let force = RuncFlag("force", short: "f", "Kill the container first if it is running.")
    // list.
    static let format = RuncFlag("format", short: "f", value: true, default: "table", "table or json.")
    static let quiet = RuncFlag("quiet", short: "q", "Print only the IDs.")

    // exec (its --console-socket, --pidfd-socket, --pid-file and --preserve-fds are about the
    // new process, not the container's init).
    static let execConsoleSocket = RuncFlag("console-socket", value: true, "Unix socket that receives the pty master.")
    static let execPidfdSocket = RuncFlag("pidfd-socket", value: true, "Unix socket that receives a pidfd of the process.")
    static let cwd = RuncFlag("cwd", value: true, "Working directory in the container.")
    static let env = RuncFlag("env", short: "e", value: true, repeatable: true, "Set an environment variable (KEY=VALUE).")
    static let tty = RuncFlag("tty", short: "t", "Allocate a pseudo-TTY.")
    static let user = RuncFlag("user", short: "u", value: true, "UID[:GID].")
    static let additionalGids = RuncFlag("additional-gids", short: "g", value: true, repeatable: true, "Additional group id.")
    static let process = RuncFlag("process", short: "p", value: true, "A process.json to run.")
    static let execDetach = RuncFlag("detach", short: "d", "Return after the process started.")
    static let execPidFile = RuncFlag("pid-file", value: true, "File to write the process's pid to.")
    static let processLabel = RuncFlag("process-label", value: true, "SELinux label for the process.")
    static let apparmor = RuncFlag("apparmor", value: true, "AppArmor profile for the process.")
    static let noNewPrivs = RuncFlag("no-new-privs", "Set no_new_privs for the process.")
    static let cap = RuncFlag("cap", short: "c", value: true, repeatable: true, "Add a capability to the process.")
    static let execPreserveFds = RuncFlag("preserve-fds", value: true, "Pass N extra fds (3..3+N-1).")
    static let ignorePaused = RuncFlag("ignore-paused", "Allow exec in a paused container.")
    static let cgroup = RuncFlag(
        "cgroup", value: true, repeatable: true,
        "Run the process in a sub-cgroup of the container's: PATH, or CTRL[,CTRL]:PATH (cgroup v1), repeatable.")

    static let global = [root, rootless, log, logFormat, debug, systemdCgroup, criu, version]
    static let create = [bundle, pidFile, consoleSocket, noPivot, noNewKeyring, preserveFds, pidfdSocket]
    static let run = create + [detach, keep, noSubreaper]
    static let exec = [execConsoleSocket, execPidfdSocket, cwd, env, tty, user, additionalGids, process, execDetach,
                       execPidFile, processLabel, apparmor, noNewPrivs, cap, execPreserveFds, ignorePaused, cgroup]

    /// The flags of each verb the fast path handles. A list, not a Dictionary: the first
    /// String-keyed Dictionary or Set a process makes costs the Swift runtime a scan of every
    /// protocol conformance in the binary (String: Hashable), more than the rest of `state`.
    static let verbs: [(verb: String, flags: [RuncFlag])] = [
        ("create", create), ("run", run), ("start", []), ("state", []), ("kill", [all]),
        ("delete", [force]), ("list", [format, quiet]), ("exec", exec),
    ]

    static func flags(of verb: String) -> [RuncFlag]? { verbs.first { $0.verb == verb }?.flags }
}
