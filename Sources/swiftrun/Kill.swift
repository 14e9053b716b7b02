import Runtime

enum KillCommand {
    static let spec = VerbSpec(
        name: "kill", abstract: "Send a signal (default SIGTERM) to a container.", flags: [RuncFlags.all],
        positionals: [.id, Positional(name: "signal", help: "Signal name (TERM, SIGTERM) or number.", optional: true,
                                      defaultValue: "SIGTERM")]
    ) { p, cx in
        let signal = p.positional.count > 1 ? p.positional[1] : "SIGTERM"
        try Kill.run(store: cx.store, id: p.positional[0], signal: try Kill.parseSignal(signal), all: p.flag("all"))
        return 0
    }
}
