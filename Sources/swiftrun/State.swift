import OCISpec
import Runtime

enum StateCommand {
    static let spec = VerbSpec(name: "state", abstract: "Print a container's state as JSON.") { p, cx in
        let s = try Inspect.state(store: cx.store, id: p.positional[0])
        writeStdout(String(decoding: ContainerState.json([s], array: false, indent: "  "), as: UTF8.self) + "\n")
        return 0
    }
}
