#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// open(path, O_RDONLY) without allocating (usable in a forked child).
func sr_test_open(_ path: StaticString) -> Int32 {
    path.withUTF8Buffer { b in
        b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { open($0, O_RDONLY | O_CLOEXEC) }
    }
}

/// A forked child that blocks until `go()` (so the parent can move it into a cgroup first), then runs
/// `body` (async-signal-safe code only) and exits with its result.
struct TestChild {
    let pid: Int32
    let goFD: Int32

    static func spawn(_ body: () -> Int32) throws -> TestChild {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw SysError("pipe") }
        let (pid, pidfd) = try Proc.clone3(flags: 0)
        if pid == 0 {
            close(fds[1])
            var b: UInt8 = 0
            _ = read(fds[0], &b, 1)
            _exit(body())
        }
        close(pidfd)
        close(fds[0])
        return TestChild(pid: pid, goFD: fds[1])
    }

    func go() {
        var b: UInt8 = 1
        _ = write(goFD, &b, 1)
        close(goFD)
    }

    func wait() -> Proc.ExitStatus? { try? Proc.wait(pid) }
}
