import LinuxSys

/// cgroup v1 cpuacct (statistics only): cpuacct.usage, cpuacct.usage_percpu(_sys/_user), cpuacct.stat.
enum V1CPUAcct {
    static func list(_ fs: CgroupFS, _ dir: String, _ file: String) -> [UInt64] {
        (fs.readOptional(dir, file) ?? "").split(separator: " ").compactMap { UInt64($0) }
    }

    static func stats(_ fs: CgroupFS, _ dir: String, _ s: inout CgroupStats) {
        s.cpu.usage.total = fs.readUInt(dir, "cpuacct.usage") ?? 0
        s.cpu.usage.percpu = list(fs, dir, "cpuacct.usage_percpu")
        s.cpu.usage.percpuKernel = list(fs, dir, "cpuacct.usage_percpu_sys")
        s.cpu.usage.percpuUser = list(fs, dir, "cpuacct.usage_percpu_user")
        // cpuacct.stat counts USER_HZ ticks.
        let hz = Proc.clockTicksPerSecond
        let st = fs.readKeyedMap(dir, "cpuacct.stat")
        s.cpu.usage.user = (st["user"] ?? 0) &* (1_000_000_000 / hz)
        s.cpu.usage.kernel = (st["system"] ?? 0) &* (1_000_000_000 / hz)
    }
}
