#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// CVE-2019-5736 class. Until it execs the user program, every process the runtime puts into a
/// container (the init, an exec child) is a copy of this binary, and the container controls what
/// those processes exec: an entrypoint `#!/proc/self/exe` re-executes the binary inside the
/// container, with the image's own ELF interpreter, and any code there can keep an fd of
/// /proc/self/exe and write through it once the runtime has exited; a CAP_SYS_PTRACE process can
/// open /proc/<pid>/exe of the runtime's children even while they are non-dumpable.
///
/// So the verbs that make container processes (create, run, exec) first re-execute the runtime
/// from a detached read-only bind mount of its own binary (SelfExe.readOnlyClone; no copy, one
/// mount). Every path to the binary a container process can ever get is then on a mount that is
/// read-only and no longer attached anywhere, so it cannot be made writable. Where that mount
/// cannot be made (old kernel, no CAP_SYS_ADMIN) the fallback is a sealed memfd copy. Nothing is
/// done when this process could not write its binary anyway (an unprivileged caller, a read-only
/// /usr): then no container process can either.
///
/// The re-exec itself ("stage 1") happens first thing in main (`reexecEarly`, before arguments are
/// parsed, tables built or a logger made: it is paid on every create, run and exec), with the
/// process's own argv and environ; `ensure`, where the verb starts its work, is what decides: it
/// checks, in the re-executed process, that the binary really is protected, and it re-executes
/// (reporting any failure) when the early step did not.
public enum ProtectedExe {
    static let marker: StaticString = "_SWIFTRUN_PROTECTED_EXE"

    /// Stage 1 of create, run and exec, first thing in main: re-executes this command from a
    /// protected binary when `ensure` would, without doing anything else first. Returns when there
    /// is nothing to do (an unprivileged caller, a read-only binary, already re-executed) and when
    /// anything fails: `ensure` then tries again and reports the error properly.
    public static func reexecEarly() {
        guard getenv(marker.cString) == nil, SelfExe.isWritable() else { return }
        let exe: FileDescriptor
        if let clone = try? SelfExe.readOnlyClone() {
            exe = FileDescriptor(adopting: clone)
        } else if let copy = try? SelfExe.sealedCopy() {
            exe = FileDescriptor(adopting: copy)
        } else { return }
        _ = SelfExe.reexec(from: exe.rawValue, marker: marker)
    }

    /// Returns when running from a protected binary; otherwise re-executes this command from one.
    public static func ensure(log: Logger) throws {
        if getenv(marker.cString) != nil {
            unsetenv(marker.cString) // hooks and containers must not inherit it
            guard SelfExe.isProtected() else {
                throw RuntimeError("\(marker) is set but the runtime binary is writable; refusing to run containers from it")
            }
            return
        }
        guard SelfExe.isWritable() else { return }
        let exe: FileDescriptor
        do { exe = FileDescriptor(adopting: try SelfExe.readOnlyClone()) } catch {
            log.debug("read-only clone of the runtime binary: \(error); using a sealed copy")
            do { exe = FileDescriptor(adopting: try SelfExe.sealedCopy()) } catch {
                throw RuntimeError("protect the runtime binary from the container (CVE-2019-5736)", cause: error)
            }
        }
        let err = SelfExe.reexec(from: exe.rawValue, marker: marker)
        throw RuntimeError("re-execute the runtime from its protected copy", cause: err)
    }
}
