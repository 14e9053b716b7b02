import LinuxSys
import OCISpec

/// The NOTIFY_SOCKET relay, as runc's: when the runtime is started with NOTIFY_SOCKET (a systemd
/// `Type=notify` unit running a container, podman `--sdnotify=container`), `create` makes
/// `<state dir>/notify/`, bind-mounts it read-only at /run/notify in the container and sets the
/// container's NOTIFY_SOCKET=/run/notify/notify.sock; `start` (and `run`) binds the datagram
/// socket there before the program starts, waits for a `READY=` message (or the init's exit), and
/// sends the caller's socket that line, `MAINPID=<pid>` and a `BARRIER=1`. Other messages are
/// dropped, as by runc.
enum NotifySocket {
    static let inContainer = "/run/notify/notify.sock"

    static func dir(_ store: StateStore, _ id: String) -> String { store.dir(id) + "/notify" }

    /// create: the directory, the mount and the variable. `host` is the caller's NOTIFY_SOCKET.
    static func prepare(spec: inout Spec, process: inout OCISpec.Process, store: StateStore, id: String) throws {
        let d = dir(store, id)
        do { try FileIO.mkdirAll(d, mode: 0o755) } catch { throw RuntimeError("NOTIFY_SOCKET: make \(d)", cause: error) }
        var mounts = spec.mounts ?? []
        mounts.append(Mount(destination: "/run/notify", type: "bind", source: d,
                            options: ["bind", "nosuid", "noexec", "nodev", "ro"]))
        spec.mounts = mounts
        var env = (process.env ?? []).filter { !$0.hasBytePrefix("NOTIFY_SOCKET=") }
        env.append("NOTIFY_SOCKET=" + inContainer)
        process.env = env
        spec.process = process
    }

    /// start: the socket the container sends to, bound before its program runs; nil when the
    /// container was created without the relay.
    static func listen(store: StateStore, id: String) throws -> Int32? {
        let d = dir(store, id)
        guard FileIO.isDirectory(d) else { return nil }
        do { return try UnixDatagram.bind(d + "/notify.sock") } catch {
            throw RuntimeError("NOTIFY_SOCKET: bind \(d)/notify.sock", cause: error)
        }
    }

    /// Waits for READY= from the container (while `initPid` lives) and relays it to `host`.
    static func relay(_ fd: Int32, host: String, initPid: Int32, mainPid: Int32) throws {
        while UnixDatagram.processExists(initPid) {
            guard let msg = try UnixDatagram.receive(fd, timeoutMs: 100) else { continue }
            for line in msg.split(separator: UInt8(ascii: "\n")) where line.starts(with: Array("READY=".utf8)) {
                let out: FileDescriptor
                do { out = FileDescriptor(adopting: try UnixDatagram.connect(host)) } catch {
                    throw RuntimeError("NOTIFY_SOCKET: connect to \(host)", cause: error)
                }
                do {
                    try UnixDatagram.send(out.rawValue, Array(line) + [10], what: host)
                    try UnixDatagram.send(out.rawValue, Array("MAINPID=\(mainPid)\n".utf8), what: host)
                    _ = try UnixDatagram.barrier(out.rawValue, timeoutMs: 5000, what: host)
                } catch { throw RuntimeError("NOTIFY_SOCKET: notify \(host)", cause: error) }
                return
            }
        }
    }
}
