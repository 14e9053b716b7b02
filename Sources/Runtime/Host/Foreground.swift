#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// The foreground half of `run` and `exec`: forwards signals to the container process, proxies a
/// pty master to our stdin/stdout (raw mode, window size changes forwarded), and returns the
/// process's exit status. One poll loop over a signalfd, stdin and the master: no threads.
/// The caller has blocked every signal (before clone3, so none is lost).
enum Foreground {
    /// `reapOthers`: we are a subreaper; orphans reparented to us are reaped as they exit.
    static func wait(pid: pid_t, pidfd: Int32, ptyMaster: Int32?, reapOthers: Bool = false) -> Proc.ExitStatus {
        let signals = FileDescriptor(adopting: SignalFD.openAll())
        let sfd = signals.rawValue
        var saved = [UInt8](repeating: 0, count: 128)
        let rawStdin = ptyMaster != nil && TTY.isTerminal(0) && TTY.makeRaw(0, saving: &saved)
        defer { if rawStdin { TTY.restore(0, saved) } }
        if let m = ptyMaster { copyWindowSize(to: m) }
        var stdinOpen = ptyMaster != nil
        var buf = [UInt8](repeating: 0, count: 32768)

        while true {
            if let st = try? Proc.wait(pid, noHang: true) {
                if let m = ptyMaster { drain(m, &buf) }
                return st
            }
            if reapOthers {
                while let (p, st) = Proc.reapAny() {
                    if p == pid {
                        if let m = ptyMaster { drain(m, &buf) }
                        return st
                    }
                }
            }
            var fds = [pollfd(fd: sfd, events: Int16(POLLIN), revents: 0)]
            if let m = ptyMaster {
                fds.append(pollfd(fd: m, events: Int16(POLLIN), revents: 0))
                if stdinOpen { fds.append(pollfd(fd: 0, events: Int16(POLLIN), revents: 0)) }
            }
            let r = Proc.poll(&fds, timeoutMS: sfd >= 0 ? -1 : 100)
            if r < 0 && errno != EINTR { continue }
            if fds[0].revents != 0 {
                while true {
                    let sig = SignalFD.next(sfd)
                    if sig <= 0 { break }
                    switch sig {
                    case SIGCHLD, SIGURG: break
                    case SIGWINCH: if let m = ptyMaster { copyWindowSize(to: m) }
                    default: try? Proc.signal(pidfd: pidfd, sig)
                    }
                }
            }
            guard let m = ptyMaster else { continue }
            if fds[1].revents != 0 {
                let n = FileIO.readSome(m, into: &buf)
                if n > 0 { writeAll(1, buf, n) } else if n < 0 && errno != EAGAIN && errno != EINTR {
                    // EIO: every slave fd is closed; the process is exiting.
                    stdinOpen = false
                }
            }
            if fds.count > 2 && fds[2].revents != 0 {
                let n = FileIO.readSome(0, into: &buf)
                if n > 0 { writeAll(m, buf, n) } else { stdinOpen = false }
            }
        }
    }

    /// As runc: the proxied pty does not turn "\n" into "\r\n", so output captured from our stdout
    /// (a pipe, a log) has plain newlines; a terminal on our side is raw and adds none either.
    /// Either end of the pty (the setting is the pair's); before the program starts writing.
    static func clearONLCR(_ pty: Int32) { TTY.clearONLCR(pty) }

    static func copyWindowSize(to master: Int32) {
        if let w = TTY.windowSize(0) { TTY.setWindowSize(master, rows: w.rows, cols: w.cols) }
    }

    static func drain(_ m: Int32, _ buf: inout [UInt8]) {
        FileIO.setStatusFlags(m, FileIO.statusFlags(m) | O_NONBLOCK)
        while true {
            let n = FileIO.readSome(m, into: &buf)
            if n <= 0 { break }
            writeAll(1, buf, n)
        }
    }

    static func writeAll(_ fd: Int32, _ b: [UInt8], _ n: Int) {
        var off = 0
        while off < n {
            let w = FileIO.writeSome(fd, b, from: off, to: n)
            if w <= 0 { if errno == EINTR { continue }; return }
            off += w
        }
    }
}
