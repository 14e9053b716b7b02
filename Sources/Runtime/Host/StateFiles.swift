import Cgroups
import OCISpec

// state.json and intent.json, written and read by hand (JSONWriter, JSONFields) on every lifecycle
// verb. The Codable conformances stay the reference: a file these readers do not take exactly
// (an older or hand-edited one) is decoded by SpecDecoder, which also words every error.
// Keys are written in sorted order, as the JSONEncoder `.sortedKeys` encoding that wrote these
// files before, so old and new files look alike. StateFilesTests compares both ways.

/// What state.json and intent.json both say: where the container is, and what create made on
/// the host that delete must remove. Written and read in one place, so that the two files cannot
/// drift apart (the hand-written record once dropped systemdUnit).
struct HostFootprint {
    var bundle: String
    var rootfs: String
    var created: String
    var cgroupMode: CgroupMode?
    var cgroupPaths: [String: String]?
    var resctrlDirs: [String]?
    var hostRootfsBelowMountID: Int?
    var systemdUnit: String?

    var members: [JSONMember] {
        [("bundle", { $0.member($1, bundle) }), ("cgroupMode", { $0.member($1, cgroupMode?.rawValue) }),
         ("cgroupPaths", { $0.member($1, cgroupPaths) }), ("created", { $0.member($1, created) }),
         ("hostRootfsBelowMountID", { $0.member($1, hostRootfsBelowMountID) }),
         ("resctrlDirs", { $0.member($1, resctrlDirs) }), ("rootfs", { $0.member($1, rootfs) }),
         ("systemdUnit", { $0.member($1, systemdUnit) })]
    }

    static func read(_ f: JSONFields) throws -> HostFootprint {
        HostFootprint(bundle: try f.requiredString("bundle"), rootfs: try f.requiredString("rootfs"),
                      created: try f.requiredString("created"), cgroupMode: try readCgroupMode(f),
                      cgroupPaths: try f.stringMap("cgroupPaths"), resctrlDirs: try f.strings("resctrlDirs"),
                      hostRootfsBelowMountID: try f.int("hostRootfsBelowMountID"), systemdUnit: try f.string("systemdUnit"))
    }
}

/// One member of a state file: its key, and how to write it under that key (nothing when nil).
typealias JSONMember = (key: String, write: (inout JSONWriter, String) -> Void)

/// An object of `members` in sorted key order, as the JSONEncoder `.sortedKeys` encoding wrote.
func sortedObject(_ members: [JSONMember]) -> [UInt8] {
    var w = JSONWriter()
    w.beginObject()
    for m in members.sorted(by: { $0.key < $1.key }) { m.write(&w, m.key) }
    w.endObject()
    return w.bytes
}

extension ContainerRecord {
    var footprint: HostFootprint {
        HostFootprint(bundle: bundle, rootfs: rootfs, created: created, cgroupMode: cgroupMode, cgroupPaths: cgroupPaths,
                      resctrlDirs: resctrlDirs, hostRootfsBelowMountID: hostRootfsBelowMountID, systemdUnit: systemdUnit)
    }

    func json() -> [UInt8] {
        sortedObject(footprint.members + [
            ("annotations", { $0.member($1, annotations) }), ("hasProcess", { $0.member($1, hasProcess) }),
            ("hooks", { $0.member($1, hooks) }), ("id", { $0.member($1, id) }),
            ("initialized", { $0.member($1, initialized) }), ("ownPidNamespace", { $0.member($1, ownPidNamespace) }),
            ("owner", { $0.member($1, owner) }), ("pid", { $0.member($1, pid) }),
            ("pidStartTime", { $0.member($1, pidStartTime) }),
        ])
    }

    static func read(_ f: JSONFields) -> ContainerRecord? {
        do {
            let h = try HostFootprint.read(f)
            return ContainerRecord(
                id: try f.requiredString("id"), pid: try f.requiredI32("pid"), pidStartTime: try f.requiredU64("pidStartTime"),
                bundle: h.bundle, rootfs: h.rootfs, created: h.created, owner: try f.requiredString("owner"),
                initialized: try f.requiredBool("initialized"), ownPidNamespace: try f.requiredBool("ownPidNamespace"),
                annotations: try f.stringMap("annotations"), hooks: try f.hooks("hooks"),
                hasProcess: try f.requiredBool("hasProcess"), cgroupMode: h.cgroupMode, cgroupPaths: h.cgroupPaths,
                systemdUnit: h.systemdUnit, resctrlDirs: h.resctrlDirs, hostRootfsBelowMountID: h.hostRootfsBelowMountID)
        } catch {
            return nil
        }
    }
}

extension CreateIntent {
    var footprint: HostFootprint {
        HostFootprint(bundle: bundle, rootfs: rootfs, created: created, cgroupMode: cgroupMode, cgroupPaths: cgroupPaths,
                      resctrlDirs: resctrlDirs, hostRootfsBelowMountID: hostRootfsBelowMountID, systemdUnit: systemdUnit)
    }

    func json() -> [UInt8] { sortedObject(footprint.members) }

    static func read(_ f: JSONFields) -> CreateIntent? {
        guard let h = try? HostFootprint.read(f) else { return nil }
        var intent = CreateIntent(bundle: h.bundle, rootfs: h.rootfs, created: h.created, cgroupMode: h.cgroupMode,
                                  cgroupPaths: h.cgroupPaths, resctrlDirs: h.resctrlDirs,
                                  hostRootfsBelowMountID: h.hostRootfsBelowMountID)
        intent.systemdUnit = h.systemdUnit
        return intent
    }
}

/// A cgroupMode the enum does not know is left to the Codable path (which names it).
private struct UnknownMode: Error {}

private func readCgroupMode(_ f: JSONFields) throws -> CgroupMode? {
    guard let s = try f.string("cgroupMode") else { return nil }
    guard let m = CgroupMode(rawValue: s) else { throw UnknownMode() }
    return m
}

extension State {
    /// Hook stdin: the state with sorted keys, as before.
    var hookInput: [UInt8] {
        var w = JSONWriter()
        w.state(self, sorted: true)
        return w.bytes
    }
}

extension ContainerState {
    /// What `state` prints (indented by `indent`) and `list --format json` prints (compact), in
    /// runc's field order.
    public static func json(_ states: [ContainerState], array: Bool, indent: String? = nil) -> [UInt8] {
        var w = JSONWriter()
        if array { w.beginArray() }
        for s in states {
            w.beginObject()
            w.member("ociVersion", s.ociVersion)
            w.member("id", s.id)
            w.member("pid", s.pid)
            w.member("status", s.status)
            w.member("bundle", s.bundle)
            w.member("rootfs", s.rootfs)
            w.member("created", s.created)
            w.member("annotations", s.annotations)
            w.member("owner", s.owner)
            w.endObject()
        }
        if array { w.endArray() }
        guard let indent else { return w.bytes }
        return SpecLoader.indent(w.bytes, by: indent)
    }
}
