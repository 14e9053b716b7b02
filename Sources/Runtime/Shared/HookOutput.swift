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
    private var pipes: [[Int32]] = [[-1, -1], [-1, -1]]
    private var kept: [[UInt8]] = [[], []]

    init() throws {
        for i in 0..<2 {
            do { let (r, w) = try FileIO.pipe("hook output"); pipes[i] = [r, w] } catch { closeAll(); throw error }
            FileIO.setStatusFlags(pipes[i][0], O_NONBLOCK)
        }
    }

    deinit { closeAll() }

    private func closeAll() {
        for i in 0..<2 { for j in 0..<2 where pipes[i][j] >= 0 { FileIO.close(pipes[i][j]); pipes[i][j] = -1 } }
    }

    /// In the hook's child, before execve: the write ends become fds 1 and 2.
    func attachInChild() {
        FileIO.duplicate(pipes[0][1], onto: 1)
        FileIO.duplicate(pipes[1][1], onto: 2)
    }

    /// In the runtime, after the fork: only the child holds the write ends.
    func parentAfterFork() {
        for i in 0..<2 { FileIO.close(pipes[i][1]); pipes[i][1] = -1 }
    }

    /// Polls `pidfd` and the pipes until the hook exits (true) or `timeoutMs` passes (false;
    /// -1 waits for ever), reading what it writes meanwhile so it never blocks on a full pipe.
    func wait(pidfd: Int32, timeoutMs: Int32) -> Bool {
        let deadline = timeoutMs < 0 ? nil : Self.nowMs() + Int64(timeoutMs)
        while true {
            var fds = [pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)]
            for i in 0..<2 where pipes[i][0] >= 0 { fds.append(pollfd(fd: pipes[i][0], events: Int16(POLLIN), revents: 0)) }
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
        for i in 0..<2 where pipes[i][0] >= 0 {
            while true {
                let n = FileIO.readSome(pipes[i][0], into: &buf)
                if n > 0 {
                    let room = Self.limit - kept[i].count
                    if room > 0 { kept[i].append(contentsOf: buf[0..<min(n, room)]) }
                    continue
                }
                if n == 0 { FileIO.close(pipes[i][0]); pipes[i][0] = -1 }
                break
            }
        }
    }

    /// ", stdout: ..., stderr: ..." (runc's wording), or "" when the hook said nothing.
    var describe: String {
        let out = String(decoding: kept[0], as: UTF8.self), err = String(decoding: kept[1], as: UTF8.self)
        if out.isEmpty && err.isEmpty { return "" }
        return ", stdout: \(out), stderr: \(err)"
    }

    static func nowMs() -> Int64 { Clock.monotonicMS() }
}
