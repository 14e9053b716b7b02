import Runtime

enum StartCommand {
    static let spec = VerbSpec(name: "start", abstract: "Run the user program of a created container.") { p, cx in
        try Start.run(store: cx.store, id: p.positional[0], notifySocket: callerNotifySocket())
        return 0
    }
}
