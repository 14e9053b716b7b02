#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// The `start` operation: tell the waiting init to run the user program, then poststart hooks.
public enum Start {
    /// `known`: the record when the caller (run) has it in memory already.
    /// `notifySocket`: the caller's NOTIFY_SOCKET; with a container created with it, READY= is
    /// relayed there (after the lock is released), with MAINPID `mainPid` (default: the init).
    public static func run(store: StateStore, id: String, known: ContainerRecord? = nil,
                           notifySocket: String? = nil, mainPid: Int32? = nil, relayFailureIsWarning: Bool = false) throws {
        let (notifyFD, initPid) = try startLocked(store: store, id: id, known: known,
                                                  notify: !(notifySocket ?? "").isEmpty)
        guard let raw = notifyFD, let host = notifySocket else { return }
        let fd = FileDescriptor(adopting: raw)
        do { try NotifySocket.relay(fd.rawValue, host: host, initPid: initPid, mainPid: mainPid ?? initPid) } catch {
            if !relayFailureIsWarning { throw error }
            store.log.warn("\(error)")
        }
    }

    static func startLocked(store: StateStore, id: String, known: ContainerRecord?, notify: Bool) throws -> (Int32?, Int32) {
        let lock = try store.lock(id)
        defer { lock.release() }
        let r = try known ?? store.load(id)
        switch store.status(of: r) {
        case .created: break
        case .stopped: throw RuntimeError("cannot start a container that has stopped", code: .invalidState)
        case .running, .paused: throw RuntimeError("cannot start an already running container", code: .invalidState)
        case .creating: throw RuntimeError("cannot start a container that is still being created", code: .invalidState)
        }
        guard r.hasProcess else { throw RuntimeError("config.json: process is required to start a container", code: .invalidConfig) }
        // Bound before the program runs, so that no READY= is lost.
        var notifyFD: FileDescriptor? = nil
        if notify, let raw = try NotifySocket.listen(store: store, id: id) { notifyFD = FileDescriptor(adopting: raw) }

        let sock: FileDescriptor
        do {
            sock = FileDescriptor(adopting: try UnixAddress.connect("/proc/self/fd/\(lock.fd)/init.sock", type: Int32(SOCK_SEQPACKET.rawValue)))
        } catch { throw RuntimeError("cannot reach the container's init", cause: error) }
        guard (try? FileIO.writeAll(fd: sock.rawValue, [StartSocket.request], name: "init.sock")) != nil else { throw RuntimeError("start container \(id)", cause: SysError("write", "init.sock")) }
        // The init answers "execing" then closes the socket by exec'ing, or sends an error text.
        let reply: [UInt8]
        do { reply = try FileIO.readAll(fd: sock.rawValue, name: "init.sock", limit: StartSocket.maxReply) } catch {
            FileIO.remove(store.startSocket(id))
            throw RuntimeError("start container \(id): lost the connection to its init", cause: error)
        }
        FileIO.remove(store.startSocket(id))
        switch StartSocket.outcome(of: reply) {
        case .started: break
        case .failed(let msg, let e, let code): throw RuntimeError(msg, errno: e, code: code)
        case .initDied:
            throw RuntimeError("start container \(id): its init (pid \(r.pid)) died before it could exec the program")
        }
        do {
            try HookRunner.run(r.hooks?.poststart, kind: "poststart", state: store.ociState(r, status: .running))
        } catch {
            // runtime.md lifecycle step 9: a failing poststart hook stops the container, which is
            // then destroyed (step 12) and its poststop hooks run (step 13), all under our lock.
            do {
                try Delete.killAndWait(r)
                try Delete.destroy(store: store, id: id, record: r)
            } catch let cleanup {
                store.log.warn("container \(id): destroy after the failed poststart hook: \(cleanup)")
            }
            throw error
        }
        // The relay (the caller) owns the socket from here.
        let fd = notifyFD.release()
        return (fd >= 0 ? fd : nil, r.pid)
    }
}
