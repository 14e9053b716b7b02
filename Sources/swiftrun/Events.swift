import OCISpec
import Runtime

enum EventsCommand {
    static let spec = VerbSpec(
        name: "events", abstract: "Print container events (stats, OOM) as JSON lines.",
        flags: [
            RuncFlag("stats", "Print the stats once and exit."),
            RuncFlag("interval", value: true, default: "5s", "Interval between stats, e.g. 5s, 500ms, 1m."),
        ]
    ) { p, cx in
        let id = p.positional[0]
        if p.flag("stats") {
            writeStdout(String(decoding: SpecLoader.encodeOrdered(try CgroupInfo.stats(store: cx.store, id: id)), as: UTF8.self) + "\n")
            return 0
        }
        let seconds = try duration(p.value("interval") ?? "5s")
        try CgroupInfo.stream(store: cx.store, id: id, interval: seconds) { ev in
            writeStdout(String(decoding: SpecLoader.encodeOrdered(ev), as: UTF8.self) + "\n")
        }
        return 0
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
