#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// process.apparmorProfile, process.selinuxLabel and linux.mountLabel.
///
/// `apply` runs right before execve and writes the calling thread's attr/exec through a
/// verified procfs (`ProcFS`): the one the caller passes (exec: the host's, opened before
/// joining the container), else the /proc it sees now (the init: the container's, after
/// pivot_root, so the config needs a proc mount at /proc, as every real config has). A mount
/// over the attr file, or anything but a procfs at /proc, fails the write instead of sending the
/// label elsewhere and leaving the process unconfined. The labels take effect at execve.
enum LSM {
    static var appArmorEnabled: Bool {
        guard let s = try? FileIO.readRegularString("/sys/module/apparmor/parameters/enabled", limit: 64) else { return false }
        return s.hasBytePrefix("Y")
    }

    static var seLinuxEnabled: Bool {
        FileIO.isReachable("/sys/fs/selinux/enforce")
    }

    static func apply(process: OCISpec.Process, linux: Linux?, proc given: ProcFS? = nil) throws {
        try refuseUnavailable(process)
        let profile = process.apparmorProfile ?? "", label = process.selinuxLabel ?? ""
        if profile.isEmpty && label.isEmpty { return }
        if let given { return try write(profile: profile, label: label, through: given) }
        // (`write` wraps its own errors: a bare ProcFSError is the open's.)
        do { try ProcFS.with { try write(profile: profile, label: label, through: $0) } } catch let e as ProcFSError {
            throw RuntimeError(profile.isEmpty ? "process.selinuxLabel: set \"\(label)\"" :
                               "process.apparmorProfile: set \"\(profile)\"", cause: e)
        }
    }

    static func write(profile: String, label: String, through proc: ProcFS) throws {
        if !profile.isEmpty {
            // The LSM-specific file first (kernel 5.8+ with stacking), then the legacy one.
            var lastError: Error? = nil
            for name in ["thread-self/attr/apparmor/exec", "thread-self/attr/exec"] {
                do { try proc.write(name, "exec \(profile)"); lastError = nil; break } catch let e as SysError where e.errno == ENOENT {
                    lastError = e
                } catch { lastError = error; break }
            }
            if let e = lastError { throw RuntimeError("process.apparmorProfile: set \"\(profile)\"", cause: e) }
        }
        if !label.isEmpty {
            do { try proc.write("thread-self/attr/exec", label) } catch {
                throw RuntimeError("process.selinuxLabel: set \"\(label)\"", cause: error)
            }
        }
    }

    /// The errors `apply` gives for a host without the LSM, without touching anything; also
    /// usable by `create` in the parent to fail early. linux.mountLabel without SELinux only
    /// warns: the rootfs stage ignores it then (as runc does).
    static func check(process: OCISpec.Process?, linux: Linux?, log: Logger) throws {
        if let p = process { try refuseUnavailable(p) }
        if let m = linux?.mountLabel, !m.isEmpty, !seLinuxEnabled {
            log.debug("linux.mountLabel \"\(m)\" ignored: SELinux is not enabled on this host")
        }
    }

    /// A profile or label for an LSM this host does not have.
    static func refuseUnavailable(_ process: OCISpec.Process) throws {
        if let p = process.apparmorProfile, !p.isEmpty, !appArmorEnabled {
            throw RuntimeError("process.apparmorProfile: AppArmor is not enabled on this host (profile \"\(p)\")",
                               errno: EINVAL)
        }
        if let l = process.selinuxLabel, !l.isEmpty, !seLinuxEnabled {
            throw RuntimeError("process.selinuxLabel: SELinux is not enabled on this host (label \"\(l)\")",
                               errno: EINVAL)
        }
    }
}
