import Runtime

enum CreateCommand {
    static let spec = VerbSpec(name: "create", abstract: "Create a container.", flags: RuncFlags.create) { p, cx in
        try ProtectedExe.ensure(log: cx.log)
        _ = try Create.run(store: cx.store, id: p.positional[0], options: try options(p, cx))
        return 0
    }

    /// The options `create` and `run` share, from their flags and the global ones.
    static func options(_ p: Parsed, _ cx: Invocation) throws -> CreateOptions {
        try CreateOptions(p, rootless: p.value("rootless"), systemdCgroup: cx.systemdCgroup, callerFDs: cx.callerFDs)
    }
}
