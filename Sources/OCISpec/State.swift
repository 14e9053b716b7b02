// runtime.md "State": what `state` prints and what hooks receive on stdin.

public struct State: Codable, Sendable, Equatable {
    public var ociVersion: String
    public var id: String
    public var status: String
    public var pid: Int32?
    public var bundle: String
    public var annotations: [String: String]?

    public init(ociVersion: String, id: String, status: String, pid: Int32?, bundle: String,
                annotations: [String: String]?) {
        self.ociVersion = ociVersion; self.id = id; self.status = status; self.pid = pid
        self.bundle = bundle; self.annotations = annotations
    }
}

extension State {
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        ociVersion = try c.decode(String.self, forKey: .ociVersion)
        id = try c.decode(String.self, forKey: .id)
        status = try c.decode(String.self, forKey: .status)
        pid = try c.decodeRangedIfPresent(Int32.self, .pid, 0...Int32.max)
        bundle = try c.decode(String.self, forKey: .bundle)
        annotations = try c.decodeIfPresent([String: String].self, forKey: .annotations)
    }
}
