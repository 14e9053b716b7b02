import LinuxSys
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
        let perDevice = bfq && bfqDeviceWeights(ctx)
        if let w = b.weight, w != 0 {
            if bfq { try ctx.write("io.bfq.weight", String(w)) }
            else { try ctx.write("io.weight", "default \(ioWeight(w))") }
        }
        // Per-device weights exist only in BFQ (io.bfq.weight, kernel ≥ 5.4; io.weight's per-device
        // lines belong to blk-iocost, which is off unless configured). As runc: without BFQ they are
        // not applied (runc silently; we warn); with it, a device BFQ refuses fails naming the entry.
        let withWeight = weightDevices.enumerated().filter { $0.element.weight != nil }
        if !withWeight.isEmpty && !perDevice {
            ctx.warn("linux.resources.blockIO.weightDevice ignored: "
                     + (bfq ? "this kernel's BFQ has no per-device weights" : "the BFQ I/O scheduler is not loaded (no io.bfq.weight in \(ctx.dir))"))
        } else {
            for (i, d) in withWeight {
                do { try ctx.write("io.bfq.weight", "\(d.major):\(d.minor) \(d.weight!)") } catch {
                    throw CgroupError("linux.resources.blockIO.weightDevice[\(i)] (\(d.major):\(d.minor) weight \(d.weight!)): \(error)")
                }
            }
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
        for dev in order { try ctx.write("io.max", dev + " " + lines[dev]!.inlineJoined(separator: " ")) }
    }

    /// io.bfq.weight takes "MAJ:MIN weight" lines (runc's test: it reads back more than a bare
    /// number, e.g. "default 100").
    static func bfqDeviceWeights(_ ctx: ApplyContext) -> Bool {
        guard let text = ctx.read("io.bfq.weight") else { return false }
        return UInt64(trimmed(text)) == nil
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
