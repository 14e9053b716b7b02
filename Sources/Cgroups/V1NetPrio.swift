import OCISpec

/// cgroup v1 net_prio: one net_prio.ifpriomap line ("<interface> <priority>") per interface.
enum V1NetPrio {
    static func apply(_ priorities: [LinuxInterfacePriority], _ ctx: inout ApplyContext) throws {
        for p in priorities {
            guard !p.name.isEmpty, !p.name.contains(" "), !p.name.contains("\n") else {
                throw CgroupError("invalid network interface name \"\(p.name)\"")
            }
            try ctx.write("net_prio.ifpriomap", "\(p.name) \(p.priority)")
        }
    }
}
