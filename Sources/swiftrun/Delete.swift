import Runtime

enum DeleteCommand {
    static let spec = VerbSpec(name: "delete", abstract: "Delete a stopped container (or any, with --force).",
                               flags: [RuncFlags.force]) { p, cx in
        try Delete.run(store: cx.store, id: p.positional[0], force: p.flag("force"))
        return 0
    }
}
