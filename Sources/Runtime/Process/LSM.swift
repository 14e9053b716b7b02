#if canImport(Glibc)
import Glibc
#endif
import CShim
import LinuxSys
import OCISpec

/// process.apparmorProfile, process.selinuxLabel and linux.mountLabel.
///
/// `apply` runs in the init right before execve (after pivot_root: it writes the container's
/// /proc/thread-self/attr/..., so the config needs a proc mount at /proc, as every real config
/// has). The labels take effect at execve.
enum LSM {
    static var appArmorEnabled: Bool {
        guard let s = try? FileIO.readRegularString("/sys/module/apparmor/parameters/enabled", limit: 64) else { return false }
        return s.hasPrefix("Y")
    }

    static var seLinuxEnabled: Bool {
        access("/sys/fs/selinux/enforce", F_OK) == 0
    }

    static func apply(process: OCISpec.Process, linux: Linux?) throws {
        try check(process: process, linux: linux)
        if let p = process.apparmorProfile, !p.isEmpty {
            // The LSM-specific file first (kernel 5.8+ with stacking), then the legacy one.
            var lastError: Error? = nil
            for path in ["/proc/thread-self/attr/apparmor/exec", "/proc/thread-self/attr/exec"] {
                do { try FileIO.write(path, "exec \(p)"); lastError = nil; break } catch let e as SysError where e.errno == ENOENT {
                    lastError = e
                } catch { lastError = error; break }
            }
            if let e = lastError { throw RuntimeError("process.apparmorProfile: set \"\(p)\"", cause: e) }
        }
        if let l = process.selinuxLabel, !l.isEmpty {
            do { try FileIO.write("/proc/thread-self/attr/exec", l) } catch {
                throw RuntimeError("process.selinuxLabel: set \"\(l)\"", cause: error)
            }
        }
    }

    /// The errors `apply` gives for a host without the LSM, without touching anything; also
    /// usable by `create` in the parent to fail early. linux.mountLabel without SELinux only
    /// warns: the rootfs stage ignores it then (as runc does).
    static func check(process: OCISpec.Process?, linux: Linux?) throws {
        if let p = process?.apparmorProfile, !p.isEmpty, !appArmorEnabled {
            throw RuntimeError("process.apparmorProfile: AppArmor is not enabled on this host (profile \"\(p)\")",
                               errno: EINVAL)
        }
        if let l = process?.selinuxLabel, !l.isEmpty, !seLinuxEnabled {
            throw RuntimeError("process.selinuxLabel: SELinux is not enabled on this host (label \"\(l)\")",
                               errno: EINVAL)
        }
        if let m = linux?.mountLabel, !m.isEmpty, !seLinuxEnabled {
            Log.debug("linux.mountLabel \"\(m)\" ignored: SELinux is not enabled on this host")
        }
    }
}
