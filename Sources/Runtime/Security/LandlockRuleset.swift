#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// A container process's Landlock ruleset, built from a LandlockPlan by that process once its root
/// is the container's (the init after pivot_root, an exec process after setns), so that every
/// `pathBeneath` path is the container's; enforced by Launch as the last step before execve.
/// Owns the ruleset fd: enforcing consumes it, and one never enforced closes it.
struct LandlockRuleset: ~Copyable {
    let fd: FileDescriptor
    let flags: UInt32

    /// Creates the ruleset and adds the rules. Paths are opened O_PATH relative to "/" with
    /// openat2 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS (SafePath): symlinks and ".." resolve inside
    /// the container's root, and /proc magic links (/proc/PID/root, /proc/self/fd/N), which can
    /// lead out of it, are refused. A missing path fails, as the kernel would with no fd to give.
    static func build(_ plan: LandlockPlan) throws -> LandlockRuleset {
        let ruleset: FileDescriptor
        do {
            ruleset = FileDescriptor(adopting: try Landlock.createRuleset(fs: plan.handledFS, net: plan.handledNet,
                                                                         scoped: plan.scoped, abi: plan.abi))
        } catch { throw RuntimeError("process.landlock.ruleset", cause: error) }
        if !plan.pathRules.isEmpty { try addPathRules(plan.pathRules, ruleset: ruleset.rawValue) }
        for rule in plan.portRules {
            for port in rule.ports {
                do { try Landlock.addNetPort(ruleset: ruleset.rawValue, port: port, allowed: rule.allowed) } catch {
                    throw RuntimeError("process.landlock.rules.netPort", cause: error)
                }
            }
        }
        return LandlockRuleset(fd: ruleset, flags: plan.restrictFlags)
    }

    static func addPathRules(_ rules: [LandlockPlan.PathRule], ruleset: Int32) throws {
        let rootFD: FileDescriptor
        do { rootFD = FileDescriptor(adopting: try FileIO.open("/", SafePath.O_PATH | SafePath.O_DIRECTORY)) } catch {
            throw RuntimeError("process.landlock: open the container's root", cause: error)
        }
        let root = rootFD.rawValue
        for rule in rules {
            for (j, path) in rule.paths.enumerated() {
                let at = "\(rule.at).paths[\(j)]"
                let raw = SafePath.openRaw(root: root, path)
                if raw < 0 { throw openError(at: at, path: path, errno: errno) }
                let opened = FileDescriptor(adopting: raw)
                let pfd = opened.rawValue
                if let st = FileIO.status(fd: pfd), (st.st_mode & S_IFMT) != S_IFDIR && rule.allowed & ~Landlock.fileRights != 0 {
                    let extra = Landlock.fsRights.filter { rule.allowed & $0.bit != 0 && Landlock.fileRights & $0.bit == 0 }
                    let fileNames = Landlock.fsRights.filter { Landlock.fileRights & $0.bit != 0 }.map(\.name)
                    throw RuntimeError("\(at): \"\(path)\" is not a directory: a rule on a file may only allow "
                        + "\(fileNames.inlineJoined(separator: ", ")) (this one also allows \(extra.map(\.name).inlineJoined(separator: ", ")))",
                        errno: EINVAL)
                }
                do { try Landlock.addPathBeneath(ruleset: ruleset, parentFD: pfd, allowed: rule.allowed, path: path) } catch {
                    throw RuntimeError(at, cause: error)
                }
            }
        }
    }

    static func openError(at: String, path: String, errno e: Int32) -> RuntimeError {
        switch e {
        case ENOENT:
            return RuntimeError("\(at): \"\(path)\" does not exist in the container "
                + "(symlinks and \"..\" resolve inside the container's root)", errno: e)
        case ELOOP:
            return RuntimeError("\(at): \"\(path)\" is refused: it goes through a /proc magic link "
                + "(such as /proc/PID/root or /proc/self/fd/N), which can lead out of the container's root, "
                + "or through too many symlinks", errno: e)
        default:
            return RuntimeError(at, cause: SysError("openat2", path, errno: e))
        }
    }

    /// landlock_restrict_self(2); the ruleset fd closes with this value: from here on the
    /// process and its children are confined.
    consuming func enforce() throws {
        do { try Landlock.restrictSelf(ruleset: fd.rawValue, flags: flags) } catch {
            throw RuntimeError("process.landlock: enforce the ruleset", cause: error)
        }
    }
}
