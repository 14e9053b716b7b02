#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// `exec` by an ordinary user into a container with a user namespace. The kernel lets it join
/// the container's pid namespace only with CAP_SYS_ADMIN there, i.e. from inside the container's
/// user namespace, which the runtime could never leave. So the runtime's child joins every
/// namespace of the init at once (user first), becomes root there, and forks the exec'd process
/// with CLONE_PARENT: a child of the runtime, in the container's pid namespace. It sends that
/// process's pid over a pipe and exits; the runtime reaps it and goes on with the grandchild
/// (cgroup, sync, wait), exactly as with a direct child.
enum RootlessExec {
    static func pipe() throws -> (read: Int32, write: Int32) { try Proc.pipe() }

    /// In the runtime's child: returns only in the grandchild; the child itself exits.
    static func joinAndFork(initPidfd: Int32, flags: UInt64, pipe: (read: Int32, write: Int32), sync: SyncChannel) {
        FileIO.close(pipe.read)
        do {
            try Namespaces.join(pidfd: initPidfd, flags: flags, what: "namespaces of the container (through its user namespace)")
            Credentials.becomeRoot()
            let g = try Proc.clone3(flags: Proc.cloneParent)
            if g.pid == 0 {
                FileIO.close(pipe.write)
                return
            }
            var pid = g.pid
            try withUnsafeBytes(of: &pid) { try FileIO.writeAll(fd: pipe.write, Array($0), name: "exec pid pipe") }
            _exit(0)
        } catch {
            try? sync.send(.error("exec: \(error)"))
            _exit(1)
        }
    }

    /// In the runtime: the grandchild's pid (from the pipe) and a pidfd of it, once the child is reaped.
    static func grandchild(of child: (pid: pid_t, pidfd: Int32), pipe: (read: Int32, write: Int32),
                           sync: SyncChannel) throws -> (pid: pid_t, pidfd: Int32) {
        FileIO.close(pipe.write)
        defer { FileIO.close(pipe.read) }
        let bytes = (try? FileIO.readAll(fd: pipe.read, name: "exec pid pipe", limit: 4)) ?? []
        _ = try? Proc.wait(child.pid)
        guard bytes.count == 4 else {
            // The child failed before forking and said why on the sync socket.
            if let e = (try? sync.receive())??.runtimeError { throw e }
            throw RuntimeError("exec: the process joining the container's namespaces exited")
        }
        let pid = bytes.withUnsafeBytes { $0.load(as: Int32.self) }
        return (pid, try Proc.pidfdOpen(pid))
    }
}
