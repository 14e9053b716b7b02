import Runtime

enum PauseCommand {
    static let pause = VerbSpec(name: "pause", abstract: "Freeze every process of a container.") { p, cx in
        try Pause.pause(store: cx.store, id: p.positional[0])
        return 0
    }
    static let resume = VerbSpec(name: "resume", abstract: "Thaw a paused container.") { p, cx in
        try Pause.resume(store: cx.store, id: p.positional[0])
        return 0
    }
}
