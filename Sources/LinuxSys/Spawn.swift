#if canImport(Glibc)
import Glibc
#endif
import CShim

/// Starting a helper program (CRIU) with a chosen fd table: `fds[i]` becomes its fd `i`, every
/// other fd is closed, signals are reset and unblocked. Returns its pid and a pidfd.
public enum Spawn {
    public static func run(path: String, args: [String], env: [String], fds: [Int32]) throws -> (pid: pid_t, pidfd: Int32) {
        // Everything the child needs is built before the fork: after it, only syscalls.
        var cargs = args.map { strdup($0) } + [nil]
        var cenv = env.map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) }; cenv.forEach { free($0) } }
        guard let cpath = strdup(path) else { throw SysError("strdup", path, errno: ENOMEM) }
        defer { free(cpath) }
        let n = Int32(fds.count)
        let child = try Proc.clone3(flags: 0)
        if child.pid == 0 {
            // Move the sources out of the way first, so that dup2 into 0..n-1 never clobbers one.
            var high = [Int32](repeating: -1, count: fds.count)
            for (i, f) in fds.enumerated() {
                high[i] = sr_fcntl_int(f, F_DUPFD, 1000 + n)
                if high[i] < 0 { _exit(126) }
            }
            for i in 0..<fds.count where dup2(high[i], Int32(i)) < 0 { _exit(126) }
            _ = sr_close_range(UInt32(n), UInt32.max, 0)
            sr_reset_signal_dispositions()
            var empty = [UInt8](repeating: 0, count: 128)
            _ = sr_restore_signals(&empty)
            execve(cpath, &cargs, &cenv)
            let msg = "exec \(path): \(Errno.describe(errno))\n"
            _ = msg.withCString { Glibc.write(2, $0, strlen($0)) }
            _exit(127)
        }
        return child
    }

    /// `name` looked up in `$PATH` (then /usr/sbin and /sbin, where Debian installs CRIU), as
    /// exec.LookPath: a name with a slash is taken as it is. nil when there is no executable.
    public static func lookPath(_ name: String) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        let path = getenv("PATH").map { String(cString: $0) } ?? ""
        for dir in path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"] {
            let p = (dir.isEmpty ? "." : dir) + "/" + name
            var st = stat()
            if stat(p, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, access(p, X_OK) == 0 { return p }
        }
        return nil
    }

    /// The process environment as KEY=VALUE strings.
    public static func environment() -> [String] {
        var out: [String] = []
        var p = environ
        while let e = p.pointee {
            out.append(String(cString: e))
            p += 1
        }
        return out
    }
}
