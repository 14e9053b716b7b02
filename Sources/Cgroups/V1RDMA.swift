import OCISpec

/// cgroup v1 rdma: rdma.max lines, same format as v2.
enum V1RDMA {
    static func apply(_ rdma: [String: LinuxRdma], _ ctx: inout ApplyContext) throws {
        for dev in rdma.keys.sorted() { try ctx.write("rdma.max", try V2RDMA.line(dev, rdma[dev]!)) }
    }
}
