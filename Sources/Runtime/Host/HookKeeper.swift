#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// The process between the runtime and a hook it runs itself (prestart, createRuntime,
/// poststart, poststop): a fork of the runtime (no exec) that leads a new process group, starts
/// the hook in it, and passes the hook's exit status on as its own. If the runtime dies first
/// (SIGKILL of `create`), the keeper's parent-death signal wakes it and it SIGKILLs the whole
/// group: the hook and whatever it started, unless that left the group (setsid, setpgid).
/// A parent-death signal alone would only reach the hook itself, and nothing would reach its
/// children. The signal is tied to the *thread* that forked; the runtime has one thread, so it
/// means the runtime. Hooks see the keeper as their parent ($PPID).
enum HookKeeper {
    /// The keeper's parent-death signal; any signal other than SIGCHLD ends the group.
    static let parentDied = SIGTERM

    /// Runs in the clone3 child; `runtime` is the parent's pid, `hook` execs the hook.
    static func run(runtime: pid_t, hook exec: () -> Never) -> Never {
        Proc.setProcessGroup(0, 0)
        SignalMask.resetDispositions()
        var all = SignalMask.blockEverything()
        Proc.setParentDeathSignal(parentDied)
        if Proc.parentPid != runtime { endGroup() } // died before the prctl
        let hook = Proc.forkRaw()
        if hook < 0 {
            FileIO.writeMessage(2, "start hook: \(Errno.describe(errno))\n")
            Proc.exitNow(127)
        }
        if hook == 0 { exec() }
        var info = siginfo_t()
        while true {
            let s = SignalMask.waitInfo(&all, &info)
            if s < 0 {
                if errno == EINTR { continue }
                break // cannot wait for signals (seccomp?): plain wait below
            }
            if s != SIGCHLD { endGroup() }
            let w = Proc.waitStatus(hook, options: WNOHANG)
            if w.pid == hook { relay(w.status) }
        }
        while true {
            let w = Proc.waitStatus(hook, options: 0)
            if w.pid >= 0 { relay(w.status) }
            if errno != EINTR { Proc.exitNow(127) }
        }
    }

    static func endGroup() -> Never {
        try? Proc.kill(0, SIGKILL)
        Proc.exitNow(128 + SIGKILL)
    }

    /// Exits as the hook did: same code, or death by the same signal (without a core dump).
    static func relay(_ status: Int32) -> Never {
        switch Proc.decode(status: status) {
        case .exited(let c): Proc.exitNow(c)
        case .signaled(let s):
            Proc.disableCoreDumps()
            SignalMask.unblockAndRaise(s)
            Proc.exitNow(128 + s)
        }
    }

    /// From the runtime: SIGKILL the keeper's group (hook and descendants) after a timeout or
    /// failure. The keeper leads it, so its pid names the group; pass it while the keeper is
    /// alive or unreaped, or the number could name someone else's group.
    /// Whether the exited keeper ended with status 0, leaving it unreaped (waitid WNOWAIT).
    static func succeeded(_ keeper: pid_t) -> Bool { Proc.exitedWithZeroUnreaped(keeper) }

    static func killGroup(_ keeper: pid_t) {
        try? Proc.kill(-keeper, SIGKILL)
    }
}
