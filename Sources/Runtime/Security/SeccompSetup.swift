#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec
import Seccomp

/// linux.seccomp in the lifecycle: compiled once by the runtime (cached by content under
/// `<root>/@cache/seccomp/`, since libseccomp takes milliseconds for a Docker-sized profile),
/// installed by the container process as late as possible, and the notify fd sent to
/// listenerPath over a socket the runtime connected beforehand.
struct SeccompPlan {
    let program: SeccompProgram
    /// Install before dropping privileges: without no_new_privs, seccomp(2) needs CAP_SYS_ADMIN,
    /// which the final capability set may not have.
    let installEarly: Bool
    /// Connected to linux.seccomp.listenerPath when the filter has notify rules. A number, not
    /// an owned fd: the plan is a value the clone3 child gets a copy of. The runtime's copy is
    /// owned by `runtimeCopy` in create and exec, the child's by a `ChildFD` (the init's
    /// `seccompListener`, exec's child's), closed after an early `install` or by execve.
    let listener: Int32?
    let listenerPath: String
    let metadata: String?

    /// `source`: the profile's text in config.json (LoadedConfig.seccompSource), for the cache key.
    static func make(_ s: LinuxSeccomp?, source: [UInt8]?, process: OCISpec.Process, cacheRoot: String,
                     log: Logger) throws -> SeccompPlan? {
        guard let s else { return nil }
        let program = try compile(s, source: source, cacheRoot: cacheRoot, log: log)
        let finalCaps = process.capabilities.map { Set(($0.effective ?? []).map { $0.uppercased() }) }
        let keepsSysAdmin = finalCaps.map { $0.contains("CAP_SYS_ADMIN") || $0.contains("SYS_ADMIN") } ?? true
        var listener: Int32? = nil
        if program.usesNotify, let path = s.listenerPath {
            do { listener = try UnixAddress.connect(path, type: Int32(SOCK_STREAM.rawValue)) } catch {
                throw RuntimeError("linux.seccomp.listenerPath: connect to \(path)", cause: error)
            }
        }
        return SeccompPlan(program: program, installEarly: process.noNewPrivileges != true && !keepsSysAdmin,
                           listener: listener, listenerPath: s.listenerPath ?? "", metadata: s.listenerMetadata)
    }

    static func compile(_ s: LinuxSeccomp, source: [UInt8]?, cacheRoot: String, log: Logger) throws -> SeccompProgram {
        let dir = cacheRoot + "/@cache/seccomp"
        let file = dir + "/" + Seccomp.cacheKey(s, source: source)
        if let bytes = try? FileIO.read(file), bytes.count > 5, (bytes.count - 5) % 8 == 0 {
            let flags = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
            return SeccompProgram(bpf: Array(bytes[5...]), flags: flags, usesNotify: bytes[4] == 1)
        }
        let p: SeccompProgram
        do { p = try Seccomp.compile(s, warn: log.warn) } catch { throw RuntimeError("config.json: \(error)") }
        let f = p.flags
        let header: [UInt8] = [UInt8(f & 0xff), UInt8(f >> 8 & 0xff), UInt8(f >> 16 & 0xff), UInt8(f >> 24), p.usesNotify ? 1 : 0]
        // A cache that cannot be written only costs time.
        if (try? FileIO.mkdirAll(dir, mode: 0o700)) != nil {
            try? FileIO.writeAtomically(file, header + p.bpf, mode: 0o600)
        }
        return p
    }

    /// Installs the filter; with notify rules, hands the listener fd to listenerPath (the
    /// listener is the caller's to close: one message is all it carries).
    /// `state` is the container state to report (pid as the runtime sees it).
    func install(state: State, hostPid: Int32) throws {
        // Encode before installing, so that afterwards only seccomp(2) and sendmsg(2) run.
        let payload = listener != nil
            ? try Seccomp.listenerPayload(ContainerProcessState(ociVersion: ociVersion, pid: hostPid, metadata: metadata, state: state))
            : []
        let notifyFD: FileDescriptor?
        do { notifyFD = try program.install().map(FileDescriptor.init(adopting:)) } catch {
            throw RuntimeError("linux.seccomp: install the filter", cause: error)
        }
        if let fd = notifyFD, let listener {
            do { try Seccomp.send(socket: listener, payload: payload, notifyFD: fd.rawValue, name: listenerPath) } catch {
                throw RuntimeError("linux.seccomp.listenerPath", cause: error)
            }
        }
    }
}
