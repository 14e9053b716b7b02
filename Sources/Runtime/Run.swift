#if canImport(Glibc)
import Glibc
#endif
import CShim
import LinuxSys
import OCISpec

/// `run`: create + start, then (in the foreground) forward signals to the container and return
/// its exit code (128+N when killed by signal N), deleting it afterwards unless `keep`.
public enum Run {
    public static func run(store: StateStore, id: String, options: CreateOptions, detach: Bool, keep: Bool) throws -> Int32 {
        // Block signals before the clone so none is lost; the init unblocks its own.
        var oldMask = [UInt8](repeating: 0, count: 128)
        if !detach { _ = sr_block_all_signals(&oldMask) }
        defer { if !detach { _ = sr_restore_signals(&oldMask) } }
        let c = try Create.run(store: store, id: id, options: options)
        do { try Start.run(store: store, id: id) } catch {
            try? Delete.run(store: store, id: id, force: true)
            _ = try? Proc.wait(c.pid, noHang: true)
            throw error
        }
        if detach { return 0 }
        let status = forwardSignalsUntilExit(pid: c.pid, pidfd: c.pidfd)
        if !keep { try Delete.run(store: store, id: id, force: true) }
        return status.code
    }

    static func forwardSignalsUntilExit(pid: pid_t, pidfd: Int32) -> Proc.ExitStatus {
        while true {
            if let st = try? Proc.wait(pid, noHang: true) { return st }
            var sender: Int32 = 0
            let sig = sr_sigwait_all(-1, &sender)
            if sig <= 0 || sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH { continue }
            _ = sr_pidfd_send_signal(pidfd, sig, 0)
        }
    }
}
