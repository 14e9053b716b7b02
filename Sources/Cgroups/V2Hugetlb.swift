import LinuxSys
import OCISpec

/// cgroup v2 hugetlb controller: hugetlb.<size>.max and hugetlb.<size>.rsvd.max.
enum V2Hugetlb {
    static func apply(_ limits: [LinuxHugepageLimit], _ ctx: inout ApplyContext) throws {
        try ctx.require("hugetlb", for: "linux.resources.hugepageLimits")
        for l in limits {
            let file = "hugetlb.\(l.pageSize).max"
            guard ctx.exists(file) else {
                throw CgroupError("cannot set hugepage limit: page size \(l.pageSize) is not supported (\(ctx.dir)/\(file) does not exist)")
            }
            try ctx.write(file, String(l.limit))
            let rsvd = "hugetlb.\(l.pageSize).rsvd.max"
            if ctx.exists(rsvd) { try ctx.write(rsvd, String(l.limit)) }
        }
    }

    /// Page sizes with a hugetlb.<size>.current file in `dir`.
    static func sizes(_ dir: String, suffix: String) -> [String] {
        FileIO.listDirectory(dir).compactMap { n in
            guard n.hasBytePrefix("hugetlb."), n.hasSuffix(suffix) else { return nil }
            let mid = n.dropFirst("hugetlb.".count).dropLast(suffix.count)
            return mid.contains(".") ? nil : String(mid)
        }
    }

    static func stats(_ fs: CgroupFS, _ dir: String, _ s: inout CgroupStats) {
        for size in sizes(dir, suffix: ".current") {
            var h = HugetlbStats()
            h.usage = fs.readUInt(dir, "hugetlb.\(size).current") ?? 0
            h.failcnt = fs.readKeyedMap(dir, "hugetlb.\(size).events")["max"] ?? 0
            s.hugetlb[size] = h
        }
    }
}
