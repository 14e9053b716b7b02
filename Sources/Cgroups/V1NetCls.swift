/// cgroup v1 net_cls: net_cls.classid.
enum V1NetCls {
    static func apply(_ classID: UInt32, _ ctx: inout ApplyContext) throws {
        try ctx.write("net_cls.classid", String(classID))
    }
}
