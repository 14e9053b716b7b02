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
        rows.reserveCapacity(states.count + 1)
        for s in states { rows.append([s.id, String(s.pid), s.status, s.bundle, s.created, s.owner]) }
        let cellWidths = rows.map { $0.map(displayWidth) }
        var widths = [Int](repeating: 12, count: 5)
        for cw in cellWidths { for i in 0..<5 { widths[i] = max(widths[i], cw[i] + 3) } }
        // One byte buffer, one String at the end (`list` with 1,000 containers is 6,000 cells).
        var out: [UInt8] = []
        out.reserveCapacity(rows.count * (widths.reduce(0, +) + 16))
        for (r, cw) in zip(rows, cellWidths) {
            for i in 0..<5 {
                out.append(contentsOf: r[i].utf8)
                out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: widths[i] - cw[i]))
            }
            out.append(contentsOf: r[5].utf8)
            out.append(UInt8(ascii: "\n"))
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Characters, as tabwriter counts them (its runes; the same for the ASCII cells every runtime
    /// writes), without walking grapheme clusters when the cell is ASCII.
    static func displayWidth(_ s: String) -> Int {
        s.utf8.allSatisfy({ $0 < 0x80 }) ? s.utf8.count : s.count
    }
}
