import Cgroups
import OCISpec

// state.json and intent.json, written and read by hand (JSONWriter, JSONFields) on every lifecycle
// verb. The Codable conformances stay the reference: a file these readers do not take exactly
// (an older or hand-edited one) is decoded by SpecDecoder, which also words every error.
// Keys are written in sorted order, as the JSONEncoder `.sortedKeys` encoding that wrote these
// files before, so old and new files look alike. StateFilesTests compares both ways.

extension ContainerRecord {
    func json() -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.member("annotations", annotations)
        w.member("bundle", bundle)
        w.member("cgroupMode", cgroupMode?.rawValue)
        w.member("cgroupPaths", cgroupPaths)
        w.member("created", created)
        w.member("hasProcess", hasProcess)
        w.member("hooks", hooks)
        w.member("hostRootfsBelowMountID", hostRootfsBelowMountID)
        w.member("id", id)
        w.member("initialized", initialized)
        w.member("ownPidNamespace", ownPidNamespace)
        w.member("owner", owner)
        w.member("pid", pid)
        w.member("pidStartTime", pidStartTime)
        w.member("resctrlDirs", resctrlDirs)
        w.member("rootfs", rootfs)
        w.member("systemdUnit", systemdUnit)
        w.endObject()
        return w.bytes
    }

    static func read(_ f: JSONFields) -> ContainerRecord? {
        do {
            return ContainerRecord(
                id: try f.requiredString("id"), pid: try f.requiredI32("pid"), pidStartTime: try f.requiredU64("pidStartTime"),
                bundle: try f.requiredString("bundle"), rootfs: try f.requiredString("rootfs"),
                created: try f.requiredString("created"), owner: try f.requiredString("owner"),
                initialized: try f.requiredBool("initialized"), ownPidNamespace: try f.requiredBool("ownPidNamespace"),
                annotations: try f.stringMap("annotations"), hooks: try f.hooks("hooks"),
                hasProcess: try f.requiredBool("hasProcess"), cgroupMode: try readCgroupMode(f),
                cgroupPaths: try f.stringMap("cgroupPaths"), systemdUnit: try f.string("systemdUnit"),
                resctrlDirs: try f.strings("resctrlDirs"), hostRootfsBelowMountID: try f.int("hostRootfsBelowMountID"))
        } catch {
            return nil
        }
    }
}

extension CreateIntent {
    func json() -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.member("bundle", bundle)
        w.member("cgroupMode", cgroupMode?.rawValue)
        w.member("cgroupPaths", cgroupPaths)
        w.member("created", created)
        w.member("hostRootfsBelowMountID", hostRootfsBelowMountID)
        w.member("resctrlDirs", resctrlDirs)
        w.member("rootfs", rootfs)
        w.member("systemdUnit", systemdUnit)
        w.endObject()
        return w.bytes
    }

    static func read(_ f: JSONFields) -> CreateIntent? {
        do {
            var intent = CreateIntent(bundle: try f.requiredString("bundle"), rootfs: try f.requiredString("rootfs"),
                                      created: try f.requiredString("created"), cgroupMode: try readCgroupMode(f),
                                      cgroupPaths: try f.stringMap("cgroupPaths"), resctrlDirs: try f.strings("resctrlDirs"),
                                      hostRootfsBelowMountID: try f.int("hostRootfsBelowMountID"))
            intent.systemdUnit = try f.string("systemdUnit")
            return intent
        } catch {
            return nil
        }
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
