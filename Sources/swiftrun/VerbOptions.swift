import Runtime

/// What both parsers hand the verbs: option values by long name (CLI.parse's `Parsed`,
/// FastPath's `Args`), so that the flags of create, run and exec become Runtime's types in one
/// place whichever parser read them.
protocol OptionValues {
    func value(_ long: String) -> String?
    func allValues(_ long: String) -> [String]
    func flag(_ long: String) -> Bool
}

extension OptionValues {
    /// A number option; nil when absent, a usage error when it is not a T.
    func number<T: FixedWidthInteger>(_ long: String, _ type: T.Type = T.self) throws -> T? {
        guard let s = value(long) else { return nil }
        guard let n = T(s) else { throw UsageError("The value '\(s)' is invalid for '--\(long) <\(long)>'") }
        return n
    }

    /// --preserve-fds: a count, never negative (runc reads it as an unsigned number).
    func preservedFDs() throws -> Int32 {
        guard let n = try number("preserve-fds", Int32.self) else { return 0 }
        guard n >= 0 else { throw UsageError("The value '\(n)' is invalid for '--preserve-fds <preserve-fds>'") }
        return n
    }
}

extension ExecFlags {
    /// exec's own flags, with its container ID and command line.
    init(_ o: some OptionValues, id: String, command: [String]) throws {
        self.init(id: id)
        consoleSocket = o.value("console-socket")
        pidfdSocket = o.value("pidfd-socket")
        cwd = o.value("cwd")
        env = o.allValues("env")
        tty = o.flag("tty")
        user = o.value("user")
        for g in o.allValues("additional-gids") {
            guard let gid = UInt32(g) else {
                throw UsageError("The value '\(g)' is invalid for '--additional-gids <additional-gids>'", verb: "exec")
            }
            additionalGids.append(gid)
        }
        process = o.value("process")
        detach = o.flag("detach")
        pidFile = o.value("pid-file")
        processLabel = o.value("process-label")
        apparmor = o.value("apparmor")
        noNewPrivs = o.flag("no-new-privs")
        cap = o.allValues("cap")
        preserveFds = try o.preservedFDs()
        ignorePaused = o.flag("ignore-paused")
        cgroup = o.allValues("cgroup")
        self.command = command
    }
}

extension CreateOptions {
    /// The options `create` and `run` share, from their flags and the global ones (`run`'s own,
    /// --detach, --keep and --no-subreaper, are read by its callers).
    init(_ o: some OptionValues, rootless: String?, systemdCgroup: Bool, callerFDs: [Int32]?) throws {
        self.init(bundle: o.value("bundle") ?? ".")
        pidFile = o.value("pid-file")
        consoleSocket = o.value("console-socket")
        pidfdSocket = o.value("pidfd-socket")
        noPivot = o.flag("no-pivot")
        noNewKeyring = o.flag("no-new-keyring")
        preserveFDs = try o.preservedFDs()
        self.callerFDs = callerFDs
        notifySocket = callerNotifySocket()
        rootlessCgroups = try Rootless.cgroups(flag: rootless, systemdCgroup: systemdCgroup)
        self.systemdCgroup = systemdCgroup
    }
}
