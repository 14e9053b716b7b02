import OCISpec

/// cgroup v2 device control: the eBPF filter of DeviceFilter, attached to the leaf.
enum V2Devices {
    static func apply(_ rules: [LinuxDeviceCgroup], _ ctx: inout ApplyContext) throws {
        try DeviceFilter.install(rules: rules, dir: ctx.dir)
    }
}
