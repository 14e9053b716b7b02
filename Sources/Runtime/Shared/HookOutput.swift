#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// A hook's stdout and stderr, captured through two pipes as runc does: shown in the error when
/// the hook fails (so engines, which show the runtime's error, show what the hook said, also with
/// a terminal, where the runtime's stdio is the container's pty), dropped when it succeeds.
/// At most `limit` bytes of each are kept.
final class HookOutput {
    static let limit = 64 * 1024

    /// One captured stream: the pipe's ends (nil once closed) and what was read.
    struct Stream: ~Copyable {
        var read: FileDescriptor?
        var write: FileDescriptor?
        var kept: [UInt8] = []

        init(_ name: String) throws {
            let p = try OwnedPipe(name)
            FileIO.setStatusFlags(p.read.rawValue, O_NONBLOCK)
            read = consume p.read
            write = consume p.write
        }
    }

    private var out: Stream
    private var err: Stream

    init() throws {
        out = try Stream("hook output")
        err = try Stream("hook output")
    }

    /// In the hook's child, before execve: the write ends become fds 1 and 2. The pipes' own fds
    /// are handed over, not closed: they are close-on-exec, and a hook's keeper, which never
    /// execs, keeps them as it keeps the copies at 1 and 2.
    func attachInChild() {
        FileIO.duplicate(out.write.raw(), onto: 1)
        FileIO.duplicate(err.write.raw(), onto: 2)
        _ = out.read.release(); _ = out.write.release()
        _ = err.read.release(); _ = err.write.release()
    }

    /// In the runtime, after the fork: only the child holds the write ends.
    func parentAfterFork() {
        out.write = nil
        err.write = nil
    }

    /// Polls `pidfd` and the pipes until the hook exits (true) or `timeoutMs` passes (false;
    /// -1 waits for ever), reading what it writes meanwhile so it never blocks on a full pipe.
    func wait(pidfd: Int32, timeoutMs: Int32) -> Bool {
        let deadline = timeoutMs < 0 ? nil : Self.nowMs() + Int64(timeoutMs)
        while true {
            var fds = [pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)]
            for fd in [out.read.raw(), err.read.raw()] where fd >= 0 {
                fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0))
            }
            let left = deadline.map { Int32(clamping: max(0, $0 - Self.nowMs())) } ?? -1
            let r = Proc.poll(&fds, timeoutMS: left)
            if r < 0 && errno == EINTR { continue }
            drain()
            if fds[0].revents != 0 { return true }
            if r == 0 { return false }
        }
    }

    /// Reads what is there now from both pipes; a pipe at EOF is closed.
    func drain() {
        var buf = [UInt8](repeating: 0, count: 4096)
        Self.drain(&out, &buf)
        Self.drain(&err, &buf)
    }

    private static func drain(_ s: inout Stream, _ buf: inout [UInt8]) {
        while s.read != nil {
            let n = FileIO.readSome(s.read.raw(), into: &buf)
            if n > 0 {
                let room = limit - s.kept.count
                if room > 0 { s.kept.append(contentsOf: buf[0..<min(n, room)]) }
                continue
            }
            if n == 0 { s.read = nil }
            break
        }
    }

    /// ", stdout: ..., stderr: ..." (runc's wording), or "" when the hook said nothing.
    var describe: String {
        let o = String(decoding: out.kept, as: UTF8.self), e = String(decoding: err.kept, as: UTF8.self)
        if o.isEmpty && e.isEmpty { return "" }
        return ", stdout: \(o), stderr: \(e)"
    }

    static func nowMs() -> Int64 { Clock.monotonicMS() }
}
