import OCISpec

/// cgroup v1 hugetlb: hugetlb.<size>.limit_in_bytes (and .rsvd.limit_in_bytes when present).
enum V1Hugetlb {
    static func apply(_ limits: [LinuxHugepageLimit], _ ctx: inout ApplyContext) throws {
        for l in limits {
            let file = "hugetlb.\(l.pageSize).limit_in_bytes"
            guard ctx.exists(file) else {
                throw CgroupError("cannot set hugepage limit: page size \(l.pageSize) is not supported (\(ctx.dir)/\(file) does not exist)")
            }
            try ctx.write(file, String(l.limit))
            let rsvd = "hugetlb.\(l.pageSize).rsvd.limit_in_bytes"
            if ctx.exists(rsvd) { try ctx.write(rsvd, String(l.limit)) }
        }
    }

    static func stats(_ fs: CgroupFS, _ dir: String, _ s: inout CgroupStats) {
        for size in V2Hugetlb.sizes(dir, suffix: ".usage_in_bytes") {
            var h = HugetlbStats()
            h.usage = fs.readUInt(dir, "hugetlb.\(size).usage_in_bytes") ?? 0
            h.max = fs.readUInt(dir, "hugetlb.\(size).max_usage_in_bytes") ?? 0
            h.failcnt = fs.readUInt(dir, "hugetlb.\(size).failcnt") ?? 0
            s.hugetlb[size] = h
        }
    }
}
