#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// The container process's working directory.
enum WorkingDirectory {
    /// runc creates a missing process.cwd (0755). Done in the rootfs before it is switched to and
    /// made read-only (root.readonly), each component resolved inside it (a symlink in the image
    /// cannot point the mkdir outside). Whatever is at the path already is left to chdir to judge.
    static func create(_ cwd: String, inRootfs rootfs: String) throws {
        do {
            let root = FileDescriptor(adopting: try FileIO.open(rootfs, SafePath.O_PATH | O_DIRECTORY))
            try SafePath.ensure(root: root.rawValue, cwd, kind: .directory)
        } catch {
            throw RuntimeError("process.cwd: create \"\(cwd)\"", cause: error)
        }
    }

    /// After chdir(process.cwd): the cwd must be reachable from the container's root. A cwd
    /// reached through an fd of a host directory (`/proc/self/fd/N`, CVE-2024-21626) is not, and
    /// getcwd then fails (ENOENT) or returns a path that does not start with "/". runc's wording.
    static func verifyInsideRoot(kernel k: any Kernel) throws {
        guard let cwd = k.getcwd(), cwd.hasBytePrefix("/") else {
            throw RuntimeError("process.cwd: current working directory is outside of container mount namespace root -- possible container breakout detected")
        }
    }
}
