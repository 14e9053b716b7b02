import ArgumentParser
import OCISpec
import Runtime

struct EventsCommand: Verb {
    static let configuration = CommandConfiguration(commandName: "events", abstract: "Print container events (stats, OOM) as JSON lines.")
    static let verbName = "events"
    @OptionGroup var globals: GlobalOptions
    @Flag(help: "Print the stats once and exit.") var stats = false
    @Option(help: "Interval between stats, e.g. 5s, 500ms, 1m.") var interval: String = "5s"
    @Argument(help: "Container ID.") var id: String

    func execute(_ cx: Invocation) throws {
        if stats {
            writeStdout(String(decoding: SpecLoader.encodeOrdered(try CgroupInfo.stats(store: cx.store, id: id)), as: UTF8.self) + "\n")
            return
        }
        let seconds = try Self.duration(interval)
        try CgroupInfo.stream(store: cx.store, id: id, interval: seconds) { ev in
            writeStdout(String(decoding: SpecLoader.encodeOrdered(ev), as: UTF8.self) + "\n")
        }
    }

    /// Go duration subset: "5s", "250ms", "1m", "1h", "1.5s".
    static func duration(_ s: String) throws -> Double {
        let units: [(String, Double)] = [("ms", 0.001), ("us", 0.000001), ("s", 1), ("m", 60), ("h", 3600)]
        for (u, mult) in units where s.hasSuffix(u) {
            if let v = Double(s.dropLast(u.count)), v > 0 { return v * mult }
        }
        throw RuntimeError("--interval: invalid duration \"\(s)\"")
    }
}
