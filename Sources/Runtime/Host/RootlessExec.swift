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
    static func pipe() throws -> OwnedPipe { try OwnedPipe("pipe") }

    /// In the runtime's child: returns only in the grandchild; the child itself exits.
    static func joinAndFork(initPidfd: borrowing ChildFD, flags: UInt64, pipe: consuming ChildPipe, sync: borrowing ChildSync) {
        pipe.read.close()
        do {
            try Namespaces.join(pidfd: initPidfd.rawValue, flags: flags, what: "namespaces of the container (through its user namespace)")
            Credentials.becomeRoot()
            let g = try Proc.clone3(flags: Proc.cloneParent)
            if g.pid == 0 {
                pipe.write.close()
                return
            }
            var pid = g.pid
            let out = pipe.write.rawValue
            try withUnsafeBytes(of: &pid) { try FileIO.writeAll(fd: out, Array($0), name: "exec pid pipe") }
            _exit(0)
        } catch {
            try? sync.send(.error("exec: \(error)"))
            _exit(1)
        }
    }

    /// In the runtime: the grandchild's pid (from the pipe) and a pidfd of it, once the child is reaped.
    static func grandchild(of child: consuming ChildProcess, pipe: consuming OwnedPipe,
                           sync: borrowing HostSync) throws -> ChildProcess {
        pipe.write.close()
        let bytes = (try? FileIO.readAll(fd: pipe.read.rawValue, name: "exec pid pipe", limit: 4)) ?? []
        pipe.read.close()
        _ = try? Proc.wait(child.pid)
        child.pidfd.close()
        guard bytes.count == 4 else {
            // The child failed before forking and said why on the sync socket.
            if let e = (try? sync.receive())??.runtimeError { throw e }
            throw RuntimeError("exec: the process joining the container's namespaces exited")
        }
        let pid = bytes.withUnsafeBytes { $0.load(as: Int32.self) }
        return ChildProcess(pid: pid, pidfd: FileDescriptor(adopting: try Proc.pidfdOpen(pid)))
    }
}
