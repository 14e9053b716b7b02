#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// `run`: create + start, then (in the foreground) forward signals to the container and return
/// its exit code (128+N when killed by signal N), deleting it afterwards unless `keep`.
public enum Run {
    public static func run(store: StateStore, id: String, options: CreateOptions, detach: Bool, keep: Bool) throws -> Int32 {
        // Block signals before the clone so none is lost; the init unblocks its own.
        let oldMask = detach ? nil : SignalMask.blockAll()
        defer { if let oldMask { SignalMask.restore(oldMask) } }
        var options = options
        options.foregroundTerminal = !detach
        // As runc: the foreground `run` is the subreaper of what the container orphans (processes
        // of a container without a pid namespace that outlive their parent), and reaps them.
        let subreaper = !detach && !options.noSubreaper
        if subreaper {
            do { try Proc.becomeSubreaper() } catch { throw RuntimeError("run: become the child subreaper", cause: error) }
        }
        let c = try Create.run(store: store, id: id, options: options)
        // The init sent the pty master during create: take it (and clear ONLCR) before the
        // program can write anything.
        var pty: FileDescriptor? = nil
        if let r = c.ptyReceiver {
            let receiver = FileDescriptor(adopting: r)
            if let m = Console.receiveMaster(receiver.rawValue) { pty = FileDescriptor(adopting: m) }
        }
        let master: Int32? = pty.raw() >= 0 ? pty.raw() : nil
        // The window size too, before the program can ask for it (`stty size` would read 0x0).
        if let m = master { Foreground.clearONLCR(m); Foreground.copyWindowSize(to: m) }
        // runc: the foreground runtime is the unit's main process, a detached container's init is.
        do {
            try Start.run(store: store, id: id, known: c.record, notifySocket: options.notifySocket,
                          mainPid: detach ? c.pid : Proc.currentPID, relayFailureIsWarning: true)
        } catch {
            pty = nil
            try? Delete.run(store: store, id: id, force: true)
            _ = try? Proc.wait(c.pid, noHang: true)
            throw error
        }
        if detach { return 0 }
        let status = Foreground.wait(pid: c.pid, pidfd: c.pidfd, ptyMaster: master, reapOthers: subreaper)
        pty = nil
        if !keep { try Delete.run(store: store, id: id, force: true, known: c.record) }
        return status.code
    }
}
