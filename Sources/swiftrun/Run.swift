import Runtime

enum RunCommand {
    static let spec = VerbSpec(name: "run", abstract: "Create and start a container.", flags: RuncFlags.run) { p, cx in
        try ProtectedExe.ensure(log: cx.log)
        var o = try CreateCommand.options(p, cx)
        o.noSubreaper = p.flag("no-subreaper")
        return try Run.run(store: cx.store, id: p.positional[0], options: o, detach: p.flag("detach"), keep: p.flag("keep"))
    }
}
