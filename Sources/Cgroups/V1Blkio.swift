import OCISpec

/// cgroup v1 blkio: blkio.weight (or blkio.bfq.weight), blkio.leaf_weight, blkio.weight_device,
/// blkio.leaf_weight_device, blkio.throttle.{read,write}_{bps,iops}_device; stats from the
/// *_recursive files.
enum V1Blkio {
    static func wanted(_ b: LinuxBlockIO) -> Bool {
        (b.weight ?? 0) != 0 || (b.leafWeight ?? 0) != 0 || !(b.weightDevice ?? []).isEmpty ||
            !(b.throttleReadBpsDevice ?? []).isEmpty || !(b.throttleWriteBpsDevice ?? []).isEmpty ||
            !(b.throttleReadIOPSDevice ?? []).isEmpty || !(b.throttleWriteIOPSDevice ?? []).isEmpty
    }

    static func apply(_ b: LinuxBlockIO, _ ctx: inout ApplyContext) throws {
        let bfqOnly = !ctx.exists("blkio.weight") && ctx.exists("blkio.bfq.weight")
        let weightFile = bfqOnly ? "blkio.bfq.weight" : "blkio.weight"
        if let w = b.weight, w != 0 { try ctx.write(weightFile, String(w)) }
        if let lw = b.leafWeight, lw != 0 {
            if ctx.exists("blkio.leaf_weight") { try ctx.write("blkio.leaf_weight", String(lw)) }
            else { ctx.warn("blockIO.leafWeight ignored: blkio.leaf_weight does not exist") }
        }
        for d in b.weightDevice ?? [] {
            if let w = d.weight { try ctx.write(weightFile + "_device", "\(d.major):\(d.minor) \(w)") }
            if let lw = d.leafWeight {
                if ctx.exists("blkio.leaf_weight_device") { try ctx.write("blkio.leaf_weight_device", "\(d.major):\(d.minor) \(lw)") }
                else { ctx.warn("blockIO.weightDevice leafWeight ignored: blkio.leaf_weight_device does not exist") }
            }
        }
        let throttles: [(String, [LinuxThrottleDevice]?)] = [
            ("blkio.throttle.read_bps_device", b.throttleReadBpsDevice),
            ("blkio.throttle.write_bps_device", b.throttleWriteBpsDevice),
            ("blkio.throttle.read_iops_device", b.throttleReadIOPSDevice),
            ("blkio.throttle.write_iops_device", b.throttleWriteIOPSDevice),
        ]
        for (file, list) in throttles {
            for t in list ?? [] { try ctx.write(file, "\(t.major):\(t.minor) \(t.rate)") }
        }
    }

    /// "MAJ:MIN Op value" lines ("Total value" lines are skipped).
    static func entries(_ text: String) -> [BlkioEntry] {
        var out: [BlkioEntry] = []
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count == 3 else { continue }
            let mm = f[0].split(separator: ":")
            guard mm.count == 2, let ma = UInt64(mm[0]), let mi = UInt64(mm[1]), let v = UInt64(f[2]) else { continue }
            out.append(BlkioEntry(major: ma, minor: mi, op: String(f[1]), value: v))
        }
        return out
    }

    static func stats(_ fs: CgroupFS, _ dir: String, _ s: inout CgroupStats) {
        func first(_ names: [String]) -> [BlkioEntry] {
            for n in names { if let t = fs.readOptional(dir, n) { let e = entries(t); if !e.isEmpty { return e } } }
            return []
        }
        s.blkio.ioServiceBytesRecursive = first(["blkio.io_service_bytes_recursive", "blkio.bfq.io_service_bytes_recursive",
                                                  "blkio.throttle.io_service_bytes_recursive"])
        s.blkio.ioServicedRecursive = first(["blkio.io_serviced_recursive", "blkio.bfq.io_serviced_recursive",
                                              "blkio.throttle.io_serviced_recursive"])
        s.blkio.ioQueuedRecursive = first(["blkio.io_queued_recursive"])
        s.blkio.ioServiceTimeRecursive = first(["blkio.io_service_time_recursive"])
        s.blkio.ioWaitTimeRecursive = first(["blkio.io_wait_time_recursive"])
        s.blkio.ioMergedRecursive = first(["blkio.io_merged_recursive"])
        s.blkio.ioTimeRecursive = first(["blkio.time_recursive"])
        s.blkio.sectorsRecursive = first(["blkio.sectors_recursive"])
    }
}
