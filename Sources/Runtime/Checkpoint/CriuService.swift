#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// A notification CRIU sends during a dump or restore (`notify_scripts`): the script name, a pid
/// for some, and for "orphan-pts-master" the new pty master as an fd.
struct CriuNotification {
    let script: String
    let pid: Int32
    let fd: Int32?
}

/// CRIU driven over its RPC, as runc does: `criu swrk 3` with one end of a SOCK_SEQPACKET pair as
/// its fd 3, one criu_req, then notifications (answered with notify_success) until the response
/// of the request's type. A failure carries CRIU's own error lines from its log file.
struct CriuService {
    /// The criu binary: `--criu` (a name looked up in $PATH, or a path), default "criu".
    let binary: String

    init(name: String?) throws {
        let n = name ?? "criu"
        guard let p = Spawn.lookPath(n) else {
            throw RuntimeError("CRIU is not installed: exec: \"\(n)\": executable file not found in $PATH (install criu, or pass --criu PATH)",
                               errno: ENOENT)
        }
        binary = p
    }

    /// Where CRIU writes its log (`log_file` relative to the work dir, else the image dir).
    struct LogFile {
        let path: String
        /// False when the caller removes the log's directory after a failure (then the message
        /// quotes the log without pointing at it).
        var kept = true
    }

    /// Runs one request. `stdio` becomes CRIU's fds 0-2 (restored processes inherit them through
    /// inherit_fd), `extra` its fds 4, 5, … . `prepare` runs once CRIU exists and before the
    /// request is sent (restore moves CRIU into the container's cgroup there).
    func call(_ request: CriuRequest, stdio: [Int32], extra: [Int32] = [], log: LogFile? = nil,
              prepare: (pid_t, inout CriuRequest) throws -> Void = { _, _ in },
              notify: (CriuNotification) throws -> Void = { _ in }) throws -> CriuResponse {
        var req = request
        let pair = try SeqPacket.pair("criu swrk socket")
        let socket = FileDescriptor(adopting: pair.0)
        let client = socket.rawValue
        var server: FileDescriptor? = FileDescriptor(adopting: pair.1)
        let child: (pid: pid_t, pidfd: Int32)
        do {
            child = try Spawn.run(path: binary, args: [binary, "swrk", "3"], env: Spawn.environment(),
                                  fds: stdio + [server.raw()] + extra)
        } catch {
            throw RuntimeError("start \(binary) swrk", cause: error)
        }
        server = nil // so that a dying CRIU is EOF here, never a hang
        let pidfd = FileDescriptor(adopting: child.pidfd)
        var reaped = false
        defer {
            if !reaped {
                SeqPacket.shutdownWrite(client)
                _ = try? Proc.wait(child.pid)
            }
        }
        let kind = request.type
        // CRIU's error lines from its log; its cr_errmsg (the first of them) when there is no log.
        func failure(_ what: String, errmsg: String? = nil) -> RuntimeError {
            var msg = "criu failed: \(what)"
            if let log, let quoted = CriuLog.errors(at: log.path) {
                msg += ": \(quoted)" + (log.kept ? " (see \(log.path))" : "")
            } else if let m = errmsg?.split(separator: "\n").inlineJoined(separator: " | "), !m.isEmpty {
                msg += ": \(m)"
            }
            return RuntimeError(msg)
        }
        do { try prepare(child.pid, &req) } catch {
            _ = try? Proc.signal(pidfd: pidfd.rawValue, SIGKILL)
            throw error
        }
        try SeqPacket.send(client, req.encoded(), what: "criu swrk socket")
        var final: CriuResponse
        while true {
            let got: (data: [UInt8], fd: Int32?)?
            do { got = try SeqPacket.receive(client, what: "criu swrk socket") } catch {
                throw failure("type \(kind): \(error)")
            }
            guard let (data, fd) = got else {
                SeqPacket.shutdownWrite(client)
                let st = try? Proc.wait(child.pid)
                reaped = true
                throw failure("type \(kind): unexpected EOF (criu \(describe(st)))")
            }
            // An fd CRIU sent along (a notify's, e.g. the restored pty master) is ours to close.
            let received = fd.map { FileDescriptor(adopting: $0) }
            let resp: CriuResponse
            do { resp = try CriuResponse.decode(data[...]) } catch {
                throw failure("type \(kind): unreadable response: \(error)")
            }
            if !resp.success {
                var what = "type \(resp.requestType.map { "\($0)" } ?? "\(resp.type)")"
                if let e = resp.crErrno, e != 0 { what += " errno \(e) (\(Errno.describe(e)))" }
                throw failure(what, errmsg: resp.crErrmsg)
            }
            if resp.requestType == .notify {
                let n = CriuNotification(script: resp.notifyScript ?? "", pid: resp.notifyPid ?? 0, fd: fd)
                try notify(n)
                try SeqPacket.send(client, CriuRequest(type: .notify, notifySuccess: true).encoded(),
                                   what: "criu swrk socket")
                continue
            }
            _ = consume received
            guard resp.requestType == kind || (kind == .featureCheck && resp.requestType == .featureCheck) else {
                throw failure("unexpected response type \(resp.type) to \(kind)")
            }
            final = resp
            break
        }
        SeqPacket.shutdownWrite(client)
        let st = try Proc.wait(child.pid)
        reaped = true
        // CRIU answers a pre-dump and then waits for more requests: closing the socket ends it,
        // whatever its exit status says (as runc).
        if kind != .preDump, kind != .version, kind != .featureCheck, let st, st != .exited(0) {
            throw failure("type \(kind): criu \(describe(st))")
        }
        return final
    }

    func describe(_ st: Proc.ExitStatus?) -> String {
        switch st {
        case .exited(let c)?: return "exit status \(c)"
        case .signaled(let n)?: return "killed by signal \(n)"
        case nil: return "unknown status"
        }
    }

    /// CRIU's version through the VERSION request (CRIU 3.0 and later answer it).
    func version() throws -> CriuResponse.Version {
        let null = FileDescriptor(adopting: try FileIO.open("/dev/null", O_RDWR))
        let r = try call(CriuRequest(type: .version), stdio: [null.rawValue, null.rawValue, 2])
        guard let v = r.version else { throw RuntimeError("criu: no version in the answer to VERSION") }
        return v
    }

    /// FEATURE_CHECK: the features of `wanted` that this CRIU and kernel lack.
    func missingFeatures(_ wanted: CriuFeatures) throws -> [String] {
        let null = FileDescriptor(adopting: try FileIO.open("/dev/null", O_RDWR))
        let r = try call(CriuRequest(type: .featureCheck, features: wanted), stdio: [null.rawValue, null.rawValue, 2])
        var missing: [String] = []
        if wanted.memTrack == true && r.features?.memTrack != true { missing.append("MemTrack") }
        if wanted.lazyPages == true && r.features?.lazyPages != true { missing.append("LazyPages") }
        return missing
    }
}

/// CRIU's log: the lines a failure is explained by.
enum CriuLog {
    /// The lines containing "Error" (CRIU's error level prefix), and the line before each for
    /// context, joined with " | "; nil when the log is missing or has none.
    static func errors(at path: String, max: Int = 12) -> String? {
        guard let text = try? FileIO.readRegularString(path, limit: 8 << 20) else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        var picked: [Substring] = []
        for l in lines where l.contains("Error") {
            picked.append(l.drop(while: { $0 == " " }))
            if picked.count >= max { break }
        }
        return picked.isEmpty ? nil : picked.inlineJoined(separator: " | ")
    }
}
