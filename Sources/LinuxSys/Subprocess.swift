#if canImport(Glibc)
import Glibc
#endif
import CShim

/// A helper program run from the host runtime (not from the container init) to its end.
public enum Subprocess {
    /// posix_spawnp of `argv[0]`, looked up in PATH, with the runtime's environment, stdin and
    /// stderr; returns what it wrote to stdout once it has exited. Throws a SysError for the pipe
    /// ("pipe") or the spawn ("posix_spawnp", errno = its result).
    public static func output(_ argv: [String]) throws -> [UInt8] {
        var fds: [Int32] = [-1, -1]
        try sys("pipe") { sr_pipe2(&fds, O_CLOEXEC) }
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        posix_spawn_file_actions_adddup2(&fa, fds[1], 1)
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, argv[0], &fa, nil, &cargs, environ)
        close(fds[1])
        guard rc == 0 else {
            close(fds[0])
            throw SysError("posix_spawnp", argv[0], errno: rc)
        }
        let out = (try? FileIO.readAll(fd: fds[0], name: argv[0])) ?? []
        close(fds[0])
        _ = try? Proc.wait(pid)
        return out
    }
}
