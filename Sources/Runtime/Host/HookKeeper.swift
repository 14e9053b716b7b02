#if canImport(Glibc)
import Glibc
#endif
import CShim
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
        _ = setpgid(0, 0)
        sr_reset_signal_dispositions()
        var all = sigset_t()
        sigfillset(&all)
        sigprocmask(SIG_BLOCK, &all, nil)
        _ = sr_prctl(PR_SET_PDEATHSIG, UInt(parentDied), 0, 0, 0)
        if getppid() != runtime { endGroup() } // died before the prctl
        let hook = sr_clone3(0, nil, -1)
        if hook < 0 {
            let msg = "start hook: \(Errno.describe(errno))\n"
            _ = msg.withCString { Glibc.write(2, $0, strlen($0)) }
            _exit(127)
        }
        if hook == 0 { exec() }
        var info = siginfo_t()
        while true {
            let s = sigwaitinfo(&all, &info)
            if s < 0 {
                if errno == EINTR { continue }
                break // cannot wait for signals (seccomp?): plain wait below
            }
            if s != SIGCHLD { endGroup() }
            var st: Int32 = 0
            if waitpid(hook, &st, WNOHANG) == hook { relay(st) }
        }
        var st: Int32 = 0
        while waitpid(hook, &st, 0) < 0 {
            if errno != EINTR { _exit(127) }
        }
        relay(st)
    }

    static func endGroup() -> Never {
        _ = kill(0, SIGKILL)
        _exit(128 + SIGKILL)
    }

    /// Exits as the hook did: same code, or death by the same signal (without a core dump).
    static func relay(_ status: Int32) -> Never {
        switch Proc.decode(status: status) {
        case .exited(let c): _exit(c)
        case .signaled(let s):
            _ = sr_prlimit(0, 4 /* RLIMIT_CORE */, 0, 0)
            var one = sigset_t()
            sigemptyset(&one)
            sigaddset(&one, s)
            sigprocmask(SIG_UNBLOCK, &one, nil)
            _ = raise(s)
            _exit(128 + s)
        }
    }

    /// From the runtime: SIGKILL the keeper's group (hook and descendants) after a timeout or
    /// failure. The keeper leads it, so its pid names the group; pass it while the keeper is
    /// alive or unreaped, or the number could name someone else's group.
    /// Whether the exited keeper ended with status 0, leaving it unreaped (waitid WNOWAIT).
    static func succeeded(_ keeper: pid_t) -> Bool {
        var info = siginfo_t()
        while waitid(P_PID, id_t(keeper), &info, WEXITED | WNOWAIT) != 0 {
            if errno != EINTR { return false }
        }
        return info.si_code == Int32(CLD_EXITED) && info._sifields._sigchld.si_status == 0
    }

    static func killGroup(_ keeper: pid_t) {
        _ = kill(-keeper, SIGKILL)
    }
}
