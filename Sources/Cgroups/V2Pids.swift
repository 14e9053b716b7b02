import OCISpec

/// cgroup v2 pids controller: pids.max ("max" for -1; 0 is a real limit, as config-linux.md says).
enum V2Pids {
    static func apply(_ p: LinuxPids, _ ctx: inout ApplyContext) throws {
        try ctx.require("pids", for: "linux.resources.pids")
        try ctx.write("pids.max", limitString(p.limit))
    }

    static func stats(_ fs: CgroupFS, _ dir: String, _ s: inout CgroupStats) {
        s.pids.current = fs.readUInt(dir, "pids.current") ?? 0
        let l = fs.readUInt(dir, "pids.max") ?? 0
        s.pids.limit = l == UInt64.max ? 0 : l
    }
}
