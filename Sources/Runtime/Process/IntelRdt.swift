#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// linux.intelRdt (config-linux.md "IntelRdt"), from the runtime (parent) once the init exists:
/// CLOS group under /sys/fs/resctrl, schemata, the init's pid in `tasks`, optional MON group.
enum IntelRdt {
    static let root = "/sys/fs/resctrl"
    static let resctrlMagic: UInt64 = 0x7655_821

    static var mounted: Bool {
        FileIO.filesystemMagic(root) == resctrlMagic
    }

    /// The CLOS directory for a config ("/" is the default group, the resctrl root).
    static func closDir(_ rdt: LinuxIntelRdt, id: String) -> String {
        guard let c = rdt.closID, !c.isEmpty else { return root + "/" + id }
        return c == "/" ? root : root + "/" + c
    }

    /// Lines for the schemata file, in the order the spec requires.
    static func schemataLines(_ rdt: LinuxIntelRdt) -> [String] {
        var lines: [String] = []
        if let l3 = rdt.l3CacheSchema, !l3.isEmpty { lines.append(l3) }
        if let mb = rdt.memBwSchema, !mb.isEmpty { lines.append(mb) }
        lines += rdt.schemata ?? []
        return lines
    }

    static func apply(_ rdt: LinuxIntelRdt?, id: String, pid: Int32) throws {
        guard let rdt else { return }
        let f = "linux.intelRdt"
        guard mounted else { throw RuntimeError("\(f): resctrl is not mounted on this host", errno: ENOENT) }
        if let c = rdt.closID, c != "/", c.contains("/") || c == "." || c == ".." {
            throw RuntimeError("\(f).closID: invalid name \"\(c)\"", errno: EINVAL)
        }
        let dir = closDir(rdt, id: id)
        let lines = schemataLines(rdt)
        let exists = FileIO.isDirectory(dir)
        if !exists {
            if rdt.closID != nil && lines.isEmpty {
                throw RuntimeError("\(f).closID: pre-configured CLOS \"\(rdt.closID!)\" does not exist in \(root)",
                                   errno: ENOENT)
            }
            do {
                if try !FileSystem.mkdir(dir, mode: 0o755) { throw SysError("mkdir", dir, errno: EEXIST) }
            } catch { throw RuntimeError(f, cause: error) }
        }
        if !lines.isEmpty {
            do {
                for l in lines { try FileIO.write(dir + "/schemata", l + "\n") }
            } catch {
                throw RuntimeError("\(f): write schemata of \(dir)", cause: error)
            }
        }
        do { try FileIO.write(dir + "/tasks", "\(pid)") } catch {
            throw RuntimeError("\(f): add pid \(pid) to \(dir)/tasks", cause: error)
        }
        if rdt.enableMonitoring == true {
            let mon = dir + "/mon_groups/" + id
            do { try FileSystem.mkdir(mon, mode: 0o755) } catch {
                throw RuntimeError("\(f).enableMonitoring", cause: error)
            }
            do { try FileIO.write(mon + "/tasks", "\(pid)") } catch {
                throw RuntimeError("\(f).enableMonitoring: add pid \(pid) to \(mon)/tasks", cause: error)
            }
        }
    }

    /// What delete removes, deepest first (recorded in the create intent before `apply` runs):
    /// the MON group, and the CLOS group when it is the container's own (no closID; a named CLOS
    /// is shared and stays). nil without linux.intelRdt.
    static func dirsToRemove(_ rdt: LinuxIntelRdt?, id: String) -> [String]? {
        guard let rdt else { return nil }
        let dir = closDir(rdt, id: id)
        var dirs: [String] = []
        if rdt.enableMonitoring == true { dirs.append(dir + "/mon_groups/" + id) }
        if rdt.closID == nil || rdt.closID == "" { dirs.append(dir) }
        return dirs.isEmpty ? nil : dirs
    }
}
