import OCISpec

/// cgroup v2 cpuset controller: cpuset.cpus, cpuset.mems.
enum V2CPUSet {
    static func apply(_ c: LinuxCPU, _ ctx: inout ApplyContext) throws {
        let cpus = c.cpus ?? ""
        let mems = c.mems ?? ""
        guard !cpus.isEmpty || !mems.isEmpty else { return }
        try ctx.require("cpuset", for: "linux.resources.cpu.cpus/mems")
        if !cpus.isEmpty { try ctx.write("cpuset.cpus", cpus) }
        if !mems.isEmpty { try ctx.write("cpuset.mems", mems) }
    }

    static func stats(_ fs: CgroupFS, _ dir: String, _ s: inout CgroupStats) {
        if let c = fs.readOptional(dir, "cpuset.cpus.effective") { s.cpuset.cpus = parseList(c) }
        if let m = fs.readOptional(dir, "cpuset.mems.effective") { s.cpuset.mems = parseList(m) }
    }
}
