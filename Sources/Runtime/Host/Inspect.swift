#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// What `state` and `list --format json` print, field for field as runc does.
public struct ContainerState: Codable, Sendable {
    public var ociVersion: String
    public var id: String
    public var pid: Int32
    public var status: String
    public var bundle: String
    public var rootfs: String
    public var created: String
    public var annotations: [String: String]?
    public var owner: String
}

public enum Inspect {
    public static func state(store: StateStore, id: String) throws -> ContainerState {
        let r: ContainerRecord
        do { r = try store.load(id) } catch let e as RuntimeError where e.code == .notFound {
            guard let intent = try? store.loadIntent(id) else { throw e }
            return halfMade(store: store, id: id, intent: intent)
        }
        let st = store.status(of: r)
        let a = r.annotations
        return ContainerState(ociVersion: ociVersion, id: r.id, pid: st == .stopped ? 0 : r.pid, status: st.rawValue,
                              bundle: r.bundle, rootfs: r.rootfs, created: r.created,
                              annotations: (a?.isEmpty ?? true) ? nil : a, owner: r.owner)
    }

    /// A container without state.json yet: "creating" while its create holds the lock, "stopped"
    /// once that create died (delete removes it).
    static func halfMade(store: StateStore, id: String, intent: CreateIntent) -> ContainerState {
        let st: ContainerStatus = store.isLocked(id) ? .creating : .stopped
        return ContainerState(ociVersion: ociVersion, id: id, pid: 0, status: st.rawValue, bundle: intent.bundle,
                              rootfs: intent.rootfs, created: intent.created, annotations: nil, owner: "")
    }

    public static func all(store: StateStore) -> [ContainerState] {
        store.ids().compactMap { try? state(store: store, id: $0) }
    }

    /// runc's `list` table (Go tabwriter: min width 12, padding 3).
    public static func table(_ states: [ContainerState]) -> String {
        var rows = [["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]]
        for s in states { rows.append([s.id, String(s.pid), s.status, s.bundle, s.created, s.owner]) }
        var widths = [Int](repeating: 0, count: 5)
        for r in rows { for i in 0..<5 { widths[i] = max(widths[i], max(12, r[i].count + 3)) } }
        return rows.map { r in
            (0..<5).map { r[$0] + String(repeating: " ", count: widths[$0] - r[$0].count) }.inlineJoined() + r[5]
        }.inlineJoined(separator: "\n") + "\n"
    }
}
