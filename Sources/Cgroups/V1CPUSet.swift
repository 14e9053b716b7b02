import OCISpec

/// cgroup v1 cpuset: cpuset.cpus, cpuset.mems. A new cpuset cgroup starts with empty cpus/mems and
/// refuses tasks until they are set, so create() copies them from the parent into each level that
/// has them empty.
enum V1CPUSet {
    static func inheritFromParent(_ fs: CgroupFS, _ created: [String]) throws {
        for dir in created {
            guard let slash = dir.lastIndex(of: "/") else { continue }
            let parent = String(dir[..<slash])
            for file in ["cpuset.cpus", "cpuset.mems"] where (fs.readOptional(dir, file) ?? "").isEmpty {
                if let v = fs.readOptional(parent, file), !v.isEmpty { try fs.write(dir, file, v) }
            }
        }
    }

    static func wanted(_ c: LinuxCPU) -> Bool { !(c.cpus ?? "").isEmpty || !(c.mems ?? "").isEmpty }

    static func apply(_ c: LinuxCPU, _ ctx: inout ApplyContext) throws {
        if let cpus = c.cpus, !cpus.isEmpty { try ctx.write("cpuset.cpus", cpus) }
        if let mems = c.mems, !mems.isEmpty { try ctx.write("cpuset.mems", mems) }
    }

    static func stats(_ fs: CgroupFS, _ dir: String, _ s: inout CgroupStats) {
        if let c = fs.readOptional(dir, "cpuset.cpus") { s.cpuset.cpus = parseList(c) }
        if let m = fs.readOptional(dir, "cpuset.mems") { s.cpuset.mems = parseList(m) }
        s.cpuset.cpuExclusive = fs.readUInt(dir, "cpuset.cpu_exclusive") ?? 0
        s.cpuset.memHardwall = fs.readUInt(dir, "cpuset.mem_hardwall") ?? 0
        s.cpuset.memExclusive = fs.readUInt(dir, "cpuset.mem_exclusive") ?? 0
        s.cpuset.memoryMigrate = fs.readUInt(dir, "cpuset.memory_migrate") ?? 0
        s.cpuset.memorySpreadPage = fs.readUInt(dir, "cpuset.memory_spread_page") ?? 0
        s.cpuset.memorySpreadSlab = fs.readUInt(dir, "cpuset.memory_spread_slab") ?? 0
        s.cpuset.memoryPressure = fs.readUInt(dir, "cpuset.memory_pressure") ?? 0
        s.cpuset.schedLoadBalance = fs.readUInt(dir, "cpuset.sched_load_balance") ?? 0
        s.cpuset.schedRelaxDomainLevel = Int64(fs.readOptional(dir, "cpuset.sched_relax_domain_level") ?? "") ?? 0
    }
}
