#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// `exec --cgroup`: run the process in an existing sub-cgroup of the container's cgroup(s), with
/// runc's argument forms: `PATH` (every hierarchy; the only form on cgroup v2) or
/// `CTRL[,CTRL...]:PATH` (cgroup v1: those controllers' hierarchies; the others keep the
/// container's own cgroup), repeated for several controllers.
public struct ExecCgroup: Equatable, Sendable {
    /// Controller -> path below the container's cgroup; "" stands for every hierarchy.
    public private(set) var subPaths: [String: String] = [:]

    public init() {}

    /// runc's getSubCgroupPaths rules and messages.
    public static func parse(_ args: [String]) throws -> ExecCgroup {
        var out = ExecCgroup()
        for arg in args {
            let parts = arg.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            if parts.count > 2 { throw RuntimeError("invalid --cgroup argument: \(arg)") }
            if parts.count == 1 {
                guard args.count == 1 else {
                    throw RuntimeError("invalid --cgroup argument: \(arg) (missing <controller>: prefix)")
                }
                out.subPaths[""] = arg
                continue
            }
            for ctrl in parts[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
                if ctrl.isEmpty { throw RuntimeError("invalid --cgroup argument: \(arg) (empty <controller> prefix)") }
                if out.subPaths[ctrl] != nil {
                    throw RuntimeError("invalid --cgroup argument(s): controller \(ctrl) specified multiple times")
                }
                out.subPaths[ctrl] = parts[1]
            }
        }
        return out
    }

    public var isEmpty: Bool { subPaths.isEmpty }

    /// The container's cgroup directories (`paths`: controller -> directory, as CgroupManager.paths;
    /// v2 and the hybrid leaf under "" / "unified") each with the sub-path the process joins there.
    /// A controller named that the container has no hierarchy for is an error.
    func targets(paths: [String: String]) throws -> [(dir: String, sub: String)] {
        for ctrl in subPaths.keys where !ctrl.isEmpty && paths[ctrl] == nil {
            throw RuntimeError("--cgroup: the container has no cgroup for controller \(ctrl)")
        }
        var byDir: [String: String] = [:]
        for (ctrl, dir) in paths {
            let sub = subPaths[ctrl] ?? subPaths[""] ?? ""
            if let have = byDir[dir], !have.isEmpty, have != sub {
                throw RuntimeError("--cgroup: controllers sharing the hierarchy \(dir) are given different paths")
            }
            if byDir[dir] == nil || !sub.isEmpty { byDir[dir] = sub }
        }
        return byDir.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Moves `pid` into the sub-cgroups (it must exist: runc does not create it). Each sub-path is
    /// resolved below the container's cgroup directory with openat2 (RESOLVE_IN_ROOT), so neither
    /// `..` nor an absolute path leaves it.
    func addProcess(_ pid: pid_t, paths: [String: String]) throws {
        for (dir, sub) in try targets(paths: paths) {
            let root = FileDescriptor(adopting: try FileIO.open(dir, SafePath.O_PATH | O_DIRECTORY | O_CLOEXEC))
            let name = sub.isEmpty ? "cgroup.procs" : sub + "/cgroup.procs"
            let fd: FileDescriptor
            do { fd = FileDescriptor(adopting: try SafePath.open(root: root.rawValue, name, flags: O_WRONLY)) } catch {
                throw RuntimeError("error adding pid \(pid) to cgroups: \(dir)/\(name)", cause: error)
            }
            do { try FileIO.writeAll(fd: fd.rawValue, Array("\(pid)".utf8), name: dir + "/" + name) } catch {
                throw RuntimeError("error adding pid \(pid) to cgroups: \(dir)/\(name)", cause: error)
            }
        }
    }
}
