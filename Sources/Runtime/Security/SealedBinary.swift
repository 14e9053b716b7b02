#if canImport(Glibc)
import Glibc
#endif
import CShim
import LinuxSys
import OCISpec

/// CVE-2019-5736 class, the privileged case. Until it execs the user program a container process is
/// a copy of the swiftrun binary. Such processes are non-dumpable, which keeps other container
/// processes from opening their /proc/<pid>/exe, unless those hold CAP_SYS_PTRACE over the host's
/// user namespace: a container granted CAP_SYS_PTRACE without a user namespace. For those (only),
/// the runtime first re-executes itself from a sealed memfd copy, so that /proc/<pid>/exe of the
/// container's processes is that copy, which cannot be written, and never the host's binary.
enum SealedBinary {
    static let marker = "_SWIFTRUN_SEALED_COPY=1"

    /// True when container processes could reach our exe despite non-dumpable.
    static func needed(process: OCISpec.Process?, namespaces: [LinuxNamespace]?) -> Bool {
        if (namespaces ?? []).contains(where: { $0.type == "user" }) { return false }
        guard let caps = process?.capabilities else { return true } // no capability config: all kept
        let sets = [caps.bounding, caps.effective, caps.permitted, caps.inheritable, caps.ambient]
        return sets.contains { ($0 ?? []).contains { $0.uppercased().hasSuffix("SYS_PTRACE") } }
    }

    /// Re-executes this very command from a sealed copy of the binary, once. Returns only when
    /// already running from the copy.
    static func ensure() throws {
        var i = 0
        while let e = environ[i] {
            if String(cString: e) == marker { return }
            i += 1
        }
        let fd = sr_sealed_self_copy()
        if fd < 0 { throw RuntimeError("copy the runtime binary into a sealed memfd", cause: SysError("memfd", "/proc/self/exe")) }
        var argv = CommandLine.arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = []
        i = 0
        while let e = environ[i] { envp.append(strdup(e)); i += 1 }
        envp += [strdup(marker), nil]
        _ = sr_fexecve(fd, &argv, &envp)
        let err = errno
        close(fd)
        throw RuntimeError("re-execute from a sealed copy of the runtime", cause: SysError("execveat", "memfd", errno: err))
    }
}
