import LinuxSys
import OCISpec

/// linux.resources as systemd unit properties, converting values as runc's systemd driver does
/// (Docs/CGROUPS.md lists each). Everything is also written to the unit's cgroup files afterwards
/// (V2Manager), so what systemd cannot express still applies; `adjusted` is what those writes
/// use (runc rounds the CPU quota up to what CPUQuotaPerSecUSec can hold).
public enum SystemdProperties {
    static let defaultCPUPeriod: UInt64 = 100_000

    public static func resources(_ r: LinuxResources, version: Int) throws
        -> (properties: [SystemdProperty], adjusted: LinuxResources, warnings: [String]) {
        var p: [SystemdProperty] = []
        var warnings: [String] = []
        var adj = r
        if let d = r.devices, !d.isEmpty { p += try devices(d, warnings: &warnings) }
        if let m = r.memory {
            let limit = m.limit ?? 0, swap = m.swap ?? 0, reservation = m.reservation ?? 0
            if limit != 0 { p.append(.init("MemoryMax", .uint64(limitValue(limit)))) }
            if reservation != 0 { p.append(.init("MemoryLow", .uint64(limitValue(reservation)))) }
            if swap != 0 || limit == -1 {
                let s = try V2Memory.swapOnly(swap: swap, limit: limit)
                if s != 0 { p.append(.init("MemorySwapMax", .uint64(limitValue(s)))) }
            }
        }
        if let c = r.cpu {
            var idleSet = false
            if c.idle == 1 && version >= 252 { p.append(.init("CPUWeight", .uint64(0))); idleSet = true }
            if let s = c.shares, s != 0 {
                if idleSet { warnings.append("unable to apply both cpu.shares and cpu.idle to systemd, ignoring CPUWeight") }
                else { p.append(.init("CPUWeight", .uint64(V2CPU.weight(shares: s)))) }
            }
            var quota = c.quota ?? 0
            p += cpuQuota(&quota, period: c.period ?? 0, version: version)
            if quota != (c.quota ?? 0) { adj.cpu?.quota = quota }
            p += try cpuset(cpus: c.cpus, mems: c.mems, version: version)
        }
        if let pids = r.pids { p.append(.init("TasksMax", .uint64(tasksMax(pids.limit)))) }
        if let b = r.blockIO { p += io(b) }
        if let u = r.unified, !u.isEmpty { p += try unified(u, version: version, warnings: &warnings) }
        return (p, adj, warnings)
    }

    /// -1 (or any negative) is systemd's "infinity".
    static func limitValue(_ v: Int64) -> UInt64 { v < 0 ? UInt64.max : UInt64(v) }

    /// runc: negative → infinity; 0 → 1 (systemd refuses TasksMax=0).
    static func tasksMax(_ limit: Int64) -> UInt64 { limit < 0 ? UInt64.max : limit == 0 ? 1 : UInt64(limit) }

    /// CPUQuotaPeriodUSec (systemd ≥ 242) and CPUQuotaPerSecUSec = quota·10⁶/period rounded up to a
    /// multiple of 10 ms (systemd's granularity); `quota` becomes the value that rounding implies.
    static func cpuQuota(_ quota: inout Int64, period: UInt64, version: Int) -> [SystemdProperty] {
        var p: [SystemdProperty] = []
        if period != 0 && version >= 242 { p.append(.init("CPUQuotaPeriodUSec", .uint64(period))) }
        guard quota != 0 || period != 0 else { return p }
        var perSec = UInt64.max
        if quota > 0 {
            let per = period == 0 ? defaultCPUPeriod : period
            perSec = UInt64(quota) * 1_000_000 / per
            if perSec % 10_000 != 0 {
                perSec = (perSec / 10_000 + 1) * 10_000
                quota = Int64(perSec * per / 1_000_000)
            }
        }
        p.append(.init("CPUQuotaPerSecUSec", .uint64(perSec)))
        return p
    }

    static func cpuset(cpus: String?, mems: String?, version: Int) throws -> [SystemdProperty] {
        guard version >= 244 else { return [] }  // older systemd: the cgroup files only
        var p: [SystemdProperty] = []
        if let c = cpus, !c.isEmpty { p.append(.init("AllowedCPUs", try bitmask(c, field: "cpu.cpus"))) }
        if let m = mems, !m.isEmpty { p.append(.init("AllowedMemoryNodes", try bitmask(m, field: "cpu.mems"))) }
        return p
    }

    /// "0-2,7" → the little-endian bit mask systemd's AllowedCPUs takes (`ay`): [0x87].
    static func bitmask(_ list: String, field: String) throws -> DBusValue {
        var bytes: [UInt8] = []
        func set(_ n: UInt32) {
            let i = Int(n / 8)
            if bytes.count <= i { bytes += [UInt8](repeating: 0, count: i + 1 - bytes.count) }
            bytes[i] |= 1 << (n % 8)
        }
        for part in list.split(separator: ",") {
            let r = trimmed(String(part))
            if r.isEmpty { continue }
            let ends = r.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            guard let lo = UInt32(ends[0]), let hi = ends.count == 2 ? UInt32(ends[1]) : lo, lo <= hi, hi < 1 << 16 else {
                throw CgroupError("\(field)=\"\(list)\": invalid range \"\(r)\"")
            }
            for n in lo...hi { set(n) }
        }
        if bytes.isEmpty { throw CgroupError("\(field)=\"\(list)\": empty value") }
        return .array(element: "y", bytes.map { .byte($0) })
    }

    /// IOWeight / IODeviceWeight (blkio weights converted to io.weight's range, as the files get) and
    /// IO{Read,Write}{Bandwidth,IOPS}Max per device ("/dev/block/MAJ:MIN"; rate 0 → no limit).
    static func io(_ b: LinuxBlockIO) -> [SystemdProperty] {
        var p: [SystemdProperty] = []
        if let w = b.weight, w != 0 { p.append(.init("IOWeight", .uint64(V2IO.ioWeight(w)))) }
        let weights = (b.weightDevice ?? []).compactMap { d in
            d.weight.map { DBusValue.structure([.string("/dev/block/\(d.major):\(d.minor)"), .uint64(V2IO.ioWeight($0))]) }
        }
        if !weights.isEmpty { p.append(.init("IODeviceWeight", .array(element: "(st)", weights))) }
        for (name, list) in [("IOReadBandwidthMax", b.throttleReadBpsDevice), ("IOWriteBandwidthMax", b.throttleWriteBpsDevice),
                             ("IOReadIOPSMax", b.throttleReadIOPSDevice), ("IOWriteIOPSMax", b.throttleWriteIOPSDevice)] {
            guard let list, !list.isEmpty else { continue }
            p.append(.init(name, .array(element: "(st)", list.map {
                .structure([.string("/dev/block/\($0.major):\($0.minor)"), .uint64($0.rate == 0 ? UInt64.max : $0.rate)])
            })))
        }
        return p
    }

    /// DevicePolicy + DeviceAllow from the rule list's v1 semantics (DeviceRuleSet, runc's emulator):
    /// an allow-list becomes DevicePolicy=strict and one DeviceAllow entry per allowed device;
    /// "allow everything" becomes DevicePolicy=auto; a deny-list (allow all but some) cannot be
    /// expressed and becomes strict with no entries, with a warning (runc does the same). The
    /// runtime's own eBPF filter, attached afterwards, enforces the exact rules.
    static func devices(_ rules: [LinuxDeviceCgroup], warnings: inout [String]) throws -> [SystemdProperty] {
        let set = try DeviceRuleSet(rules: rules)
        let empty = SystemdProperty("DeviceAllow", .array(element: "(ss)", []))
        if set.defaultAllow {
            if set.exceptions.isEmpty { return [empty, .init("DevicePolicy", .string("auto"))] }
            warnings.append("systemd doesn't support blacklist device rules -- applying temporary deny-all rule")
            return [empty, .init("DevicePolicy", .string("strict"))]
        }
        var entries: [DBusValue] = []
        for e in set.exceptions {
            var perms = ""
            if e.access & DeviceRuleSet.read != 0 { perms += "r" }
            if e.access & DeviceRuleSet.write != 0 { perms += "w" }
            if e.access & DeviceRuleSet.mknod != 0 { perms += "m" }
            let group = e.key.type == "b" ? "block-" : "char-"
            let path: String
            if e.key.major < 0 {
                if e.key.minor >= 0 {
                    warnings.append("systemd doesn't support '*:n' device rules -- ignoring rule \(e.key.type) *:\(e.key.minor) in DeviceAllow")
                    continue
                }
                path = group + "*"
            } else if e.key.minor < 0 {
                path = group + String(e.key.major)
            } else {
                path = (e.key.type == "b" ? "/dev/block/" : "/dev/char/") + "\(e.key.major):\(e.key.minor)"
            }
            entries.append(.structure([.string(path), .string(perms)]))
        }
        return [empty, .init("DevicePolicy", .string("strict")), .init("DeviceAllow", .array(element: "(ss)", entries))]
    }

    /// linux.resources.unified entries systemd has properties for (runc's list); the rest only go
    /// to the files.
    static func unified(_ u: [String: String], version: Int, warnings: inout [String]) throws -> [SystemdProperty] {
        var p: [SystemdProperty] = []
        let idle = version >= 252 && u["cpu.idle"].map(trimmed) == "1"
        for key in u.keys.sorted() {
            _ = try V2Unified.validate(key: key)
            let v = trimmed(u[key]!)
            func number(_ s: Substring) throws -> UInt64 {
                guard let n = UInt64(s) else { throw CgroupError("unified resource \"\(key)\" value invalid: \"\(v)\"") }
                return n
            }
            switch key {
            case "cpu.idle":
                if idle { p.append(.init("CPUWeight", .uint64(0))) }
            case "cpu.weight":
                if idle { warnings.append("unable to apply both cpu.weight and cpu.idle to systemd, ignoring cpu.weight"); continue }
                p.append(.init("CPUWeight", .uint64(try number(Substring(v)))))
            case "cpu.max":
                let f = v.split(separator: " ", omittingEmptySubsequences: true)
                guard f.count == 1 || f.count == 2 else { throw CgroupError("unified resource \"cpu.max\" value invalid: \"\(v)\"") }
                var quota: Int64 = 0
                if f[0] != "max" {
                    guard let q = Int64(f[0]) else { throw CgroupError("unified resource \"cpu.max\" value invalid: \"\(v)\"") }
                    quota = q
                }
                let period = f.count == 2 ? try number(f[1]) : defaultCPUPeriod
                p += cpuQuota(&quota, period: period, version: version)
            case "cpuset.cpus", "cpuset.mems":
                if version >= 244 {
                    p.append(.init(key == "cpuset.cpus" ? "AllowedCPUs" : "AllowedMemoryNodes", try bitmask(v, field: key)))
                }
            case "memory.high", "memory.low", "memory.min", "memory.max", "memory.swap.max":
                let names = ["memory.high": "MemoryHigh", "memory.low": "MemoryLow", "memory.min": "MemoryMin",
                             "memory.max": "MemoryMax", "memory.swap.max": "MemorySwapMax"]
                p.append(.init(names[key]!, .uint64(v == "max" ? UInt64.max : try number(Substring(v)))))
            case "pids.max":
                let n = v == "max" ? UInt64.max : try number(Substring(v))
                p.append(.init("TasksMax", .uint64(n == 0 ? 1 : n)))
            default:
                break
            }
        }
        return p
    }
}
