#if canImport(Glibc)
import Glibc
#endif
import CShim
import LinuxSys

/// How a forked test child ended.
struct ChildResult: Equatable, CustomStringConvertible {
    var exitCode: Int32?
    var signal: Int32?
    var description: String {
        if let c = exitCode { return "exit \(c)" }
        if let s = signal { return "signal \(s)" }
        return "timed out"
    }
}

/// Forks; the child runs `body` (which must only call async-signal-safe C functions: no
/// allocation, no Swift runtime work) and `_exit`s with its result. `parent` runs in the parent
/// with the child's pid before it is reaped. The child is killed after `timeout` seconds.
func runChild(timeout: Double = 10, _ body: () -> Int32, parent: (pid_t) -> Void = { _ in }) -> ChildResult {
    let pid = sr_clone3(0, nil, -1)
    if pid == 0 {
        _exit(body())
    }
    precondition(pid > 0, "clone3 failed: \(errno)")
    parent(pid)
    var status: Int32 = 0
    var waited = 0.0
    while true {
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid { break }
        if r < 0 && errno != EINTR { return ChildResult() }
        if waited >= timeout {
            kill(pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
            return ChildResult()
        }
        usleep(5_000)
        waited += 0.005
    }
    switch Proc.decode(status: status) {
    case .exited(let code): return ChildResult(exitCode: code)
    case .signaled(let sig): return ChildResult(signal: sig)
    }
}

/// In a forked child: set no_new_privs and load `program` (pre-pinned bytes). Returns the
/// listener fd, 0 without one, or -1 - errno... as a negative value on failure.
@inline(__always)
func childInstall(_ bpf: UnsafeRawBufferPointer, flags: UInt32) -> Int32 {
    if sr_prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 { return -1000 - errno }
    let r = sr_seccomp_install(flags, bpf.baseAddress!, bpf.count)
    return r < 0 ? -1000 - errno : r
}
