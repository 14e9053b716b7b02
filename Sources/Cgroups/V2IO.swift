import OCISpec

/// cgroup v2 io controller: io.weight / io.bfq.weight, io.max; stats from io.stat.
enum V2IO {
    /// blkio weight [10, 1000] → io.weight [1, 10000] (runc's linear conversion); 0 stays 0.
    static func ioWeight(_ w: UInt16) -> UInt64 {
        if w == 0 { return 0 }
        if w <= 10 { return 1 }
        return 1 + (UInt64(w) - 10) * 9999 / 990
    }

    static func apply(_ b: LinuxBlockIO, _ ctx: inout ApplyContext) throws {
        let weightDevices = b.weightDevice ?? []
        let throttles: [(String, [LinuxThrottleDevice])] = [
            ("rbps", b.throttleReadBpsDevice ?? []), ("wbps", b.throttleWriteBpsDevice ?? []),
            ("riops", b.throttleReadIOPSDevice ?? []), ("wiops", b.throttleWriteIOPSDevice ?? []),
        ]
        if b.leafWeight != nil || weightDevices.contains(where: { $0.leafWeight != nil }) {
            ctx.warn("blockIO leafWeight has no cgroup v2 equivalent; ignored")
        }
        let anyThrottle = throttles.contains { !$0.1.isEmpty }
        guard (b.weight ?? 0) != 0 || weightDevices.contains(where: { $0.weight != nil }) || anyThrottle else { return }
        try ctx.require("io", for: "linux.resources.blockIO")

        let bfq = ctx.exists("io.bfq.weight")
        if let w = b.weight, w != 0 {
            if bfq { try ctx.write("io.bfq.weight", String(w)) }
            else { try ctx.write("io.weight", "default \(ioWeight(w))") }
        }
        for d in weightDevices {
            guard let w = d.weight else { continue }
            if bfq { try ctx.write("io.bfq.weight", "\(d.major):\(d.minor) \(w)") }
            else { try ctx.write("io.weight", "\(d.major):\(d.minor) \(ioWeight(w))") }
        }
        // One io.max line per device with every limit given for it; rate 0 removes a limit (as on v1).
        var order: [String] = []
        var lines: [String: [String]] = [:]
        for (key, list) in throttles {
            for t in list {
                let dev = "\(t.major):\(t.minor)"
                if lines[dev] == nil { order.append(dev); lines[dev] = [] }
                lines[dev]!.append("\(key)=\(t.rate == 0 ? "max" : String(t.rate))")
            }
        }
        for dev in order { try ctx.write("io.max", dev + " " + lines[dev]!.joined(separator: " ")) }
    }

    static func stats(_ fs: CgroupFS, _ dir: String, _ s: inout CgroupStats) {
        guard let text = fs.readOptional(dir, "io.stat") else { return }
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard let dev = f.first else { continue }
            let mm = dev.split(separator: ":")
            guard mm.count == 2, let major = UInt64(mm[0]), let minor = UInt64(mm[1]) else { continue }
            for kv in f.dropFirst() {
                let p = kv.split(separator: "=")
                guard p.count == 2, let v = UInt64(p[1]) else { continue }
                let e: (String) -> BlkioEntry = { BlkioEntry(major: major, minor: minor, op: $0, value: v) }
                switch p[0] {
                case "rbytes": s.blkio.ioServiceBytesRecursive.append(e("Read"))
                case "wbytes": s.blkio.ioServiceBytesRecursive.append(e("Write"))
                case "dbytes": s.blkio.ioServiceBytesRecursive.append(e("Discard"))
                case "rios": s.blkio.ioServicedRecursive.append(e("Read"))
                case "wios": s.blkio.ioServicedRecursive.append(e("Write"))
                case "dios": s.blkio.ioServicedRecursive.append(e("Discard"))
                default: break
                }
            }
        }
    }
}
