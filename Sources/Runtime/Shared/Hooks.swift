#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// Runs OCI hooks: path with args and env, the state JSON on stdin, a timeout in seconds.
/// A hook's stdout/stderr are captured and shown when it fails (HookOutput). `env`: the
/// environment of a hook without one; `cwd`: its working directory (nil: the runtime's).
enum HookRunner {
    /// Hooks run inside the container by its init; the others run by the runtime on the host.
    static let inContainer: Set<String> = ["createContainer", "startContainer"]

    static func run(_ hooks: [Hook]?, kind: String, state: State, env: [String] = [], cwd: String? = nil) throws {
        guard let hooks, !hooks.isEmpty else { return }
        let input = state.hookInput
        for (i, h) in hooks.enumerated() {
            do { try runOne(h, input: input, env: env, cwd: cwd, kept: !inContainer.contains(kind)) } catch {
                throw RuntimeError("\(kind) hook #\(i) (\(h.path))", cause: error)
            }
        }
    }

    /// `kept`: through a HookKeeper, so that the hook and its children die with the runtime and
    /// are killed as a group on timeout or failure. Otherwise (hooks the container's init runs)
    /// the hook gets a parent-death SIGKILL: it dies with the init (in a pid namespace, so do its
    /// children).
    static func runOne(_ h: Hook, input: [UInt8], env defaultEnv: [String] = [], cwd: String? = nil,
                       kept: Bool) throws {
        if let t = h.timeout, t <= 0 { throw RuntimeError("timeout must be positive, got \(t)") }
        let output = try HookOutput()
        let stdin = try OwnedPipe("hook stdin")
        let args = (h.args?.isEmpty == false) ? h.args! : [h.path]
        let env = h.env ?? defaultEnv
        let cdir = cwd.flatMap { strdup($0) }
        defer { if let cdir { free(cdir) } }
        // Build C strings before forking so the child only calls async-signal-safe functions.
        var cargs = args.map { strdup($0) } + [nil]
        var cenv = env.map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) }; cenv.forEach { free($0) } }
        let me = Proc.currentPID
        let child: (pid: pid_t, pidfd: Int32)
        child = try Proc.clone3(flags: 0)
        if child.pid == 0 {
            // Nothing owned may close on its own from here: this path ends in execve or _exit, and
            // the compiler may end an owned value's life at its last use. So each end is dealt
            // with here: the read end's fd is handed over after the dup2 (close-on-exec), the
            // write end is closed (or a hook reading stdin never sees EOF while the keeper lives).
            FileIO.duplicate(stdin.read.rawValue, onto: 0)
            _ = stdin.read.release()
            stdin.write.close()
            output.attachInChild()
            if let cdir, FileIO.changeDirectory(cdir) != 0 {
                FileIO.writeMessage(2, "hook \(h.path): chdir: \(Errno.describe(errno))\n")
                Proc.exitNow(127)
            }
            func exec(parent: pid_t?) -> Never {
                SignalMask.resetDispositions()
                if let parent {
                    Proc.setParentDeathSignal(SIGKILL)
                    if Proc.parentPid != parent { Proc.exitNow(128 + SIGKILL) }
                }
                SignalMask.restore([UInt8](repeating: 0, count: 128)) // unblock everything
                _ = Proc.execPrepared(h.path, &cargs, &cenv)
                FileIO.writeMessage(2, "exec hook \(h.path): \(Errno.describe(errno))\n")
                Proc.exitNow(127)
            }
            if kept { HookKeeper.run(runtime: me, hook: { exec(parent: nil) }) }
            exec(parent: me)
        }
        // Also here: whichever of us runs first, the group exists before we may have to kill it.
        if kept { Proc.setProcessGroup(child.pid, child.pid) }
        let pidfd = FileDescriptor(adopting: child.pidfd)
        stdin.read.close()
        output.parentAfterFork()
        // A hook that does not read stdin must not make us fail (EPIPE is fine). The write end
        // is consumed after the write, so it cannot go at its last borrow, before it.
        _ = FileIO.writeSome(stdin.write.rawValue, input, from: 0, to: input.count)
        stdin.write.close()
        let timeoutMs: Int32 = h.timeout.map { Int32(clamping: $0 * 1000) } ?? -1
        if !output.wait(pidfd: pidfd.rawValue, timeoutMs: timeoutMs) {
            if kept { HookKeeper.killGroup(child.pid) }
            try? Proc.signal(pidfd: pidfd.rawValue, SIGKILL)
            _ = try? Proc.wait(child.pid)
            output.drain()
            throw RuntimeError("timed out after \(h.timeout ?? 0)s\(output.describe)")
        }
        // What a failed hook left goes too; the keeper is unreaped, so its pid still names its group.
        if kept && !HookKeeper.succeeded(child.pid) { HookKeeper.killGroup(child.pid) }
        guard let st = try Proc.wait(child.pid) else { return }
        output.drain()
        switch st {
        case .exited(0): return
        case .exited(let c): throw RuntimeError("exit status \(c)\(output.describe)")
        case .signaled(let s): throw RuntimeError("signal: \(s)\(output.describe)")
        }
    }
}
