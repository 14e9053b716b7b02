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
