import LinuxSys
import OCISpec

/// cgroup v2 rdma controller: one rdma.max line per device.
enum V2RDMA {
    static func line(_ device: String, _ r: LinuxRdma) throws -> String {
        guard !device.isEmpty, !device.contains(" "), !device.contains("\n") else {
            throw CgroupError("invalid rdma device name \"\(device)\"")
        }
        var parts = [device]
        if let h = r.hcaHandles { parts.append("hca_handle=\(h)") }
        if let o = r.hcaObjects { parts.append("hca_object=\(o)") }
        guard parts.count > 1 else { throw CgroupError("rdma \(device): at least one of hcaHandles or hcaObjects is required") }
        return parts.inlineJoined(separator: " ")
    }

    static func apply(_ rdma: [String: LinuxRdma], _ ctx: inout ApplyContext) throws {
        try ctx.require("rdma", for: "linux.resources.rdma")
        for dev in rdma.keys.sorted() { try ctx.write("rdma.max", try line(dev, rdma[dev]!)) }
    }
}
