import Runtime

enum CreateCommand {
    static let spec = VerbSpec(name: "create", abstract: "Create a container.", flags: RuncFlags.create) { p, cx in
        try ProtectedExe.ensure(log: cx.log)
        _ = try Create.run(store: cx.store, id: p.positional[0], options: try options(p, cx))
        return 0
    }

    /// The options `create` and `run` share, from their flags and the global ones.
    static func options(_ p: Parsed, _ cx: Invocation) throws -> CreateOptions {
        var o = CreateOptions(bundle: p.value("bundle") ?? ".")
        o.pidFile = p.value("pid-file")
        o.consoleSocket = p.value("console-socket")
        o.noPivot = p.flag("no-pivot")
        o.noNewKeyring = p.flag("no-new-keyring")
        o.preserveFDs = try p.number("preserve-fds", Int32.self) ?? 0
        o.callerFDs = cx.callerFDs
        o.pidfdSocket = p.value("pidfd-socket")
        o.notifySocket = callerNotifySocket()
        o.rootlessCgroups = try cx.rootlessCgroups()
        o.systemdCgroup = cx.systemdCgroup
        return o
    }
}
