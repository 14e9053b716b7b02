#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// Finds process.args[0] the way Go's exec.LookPath does (runc's wording is kept, since engines
/// match it): through the container's PATH when the name has no slash.
enum PathLookup {
    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    static func find(_ name: String, env: [String]) throws -> String {
        if name.contains("/") {
            try check(name, quoted: name)
            return name
        }
        // Without PATH in the config, search the usual directories (runc finds `sh` then too).
        let path = env.last { $0.hasBytePrefix("PATH=") }.map { String($0.dropFirst(5)) } ?? defaultPath
        for dir in path.split(separator: ":", omittingEmptySubsequences: false) {
            let cand = (dir.isEmpty ? "." : String(dir)) + "/" + name
            if (try? check(cand, quoted: name)) != nil { return cand }
        }
        throw RuntimeError("exec: \"\(name)\": executable file not found in $PATH", errno: ENOENT)
    }

    static func check(_ path: String, quoted: String) throws {
        guard let st = FileIO.status(path) else {
            let e = errno
            throw RuntimeError("exec: \"\(quoted)\": stat \(path): \(Errno.describe(e))", errno: e)
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw RuntimeError("exec: \"\(quoted)\": is a directory", errno: EISDIR)
        }
        // With the effective ids and capabilities, as execve checks (access(2) uses the real uid
        // and, for a non-root one, no capabilities: CAP_DAC_OVERRIDE would be ignored).
        if !FileIO.isExecutable(path) || st.st_mode & 0o111 == 0 {
            throw RuntimeError("exec: \"\(quoted)\": permission denied", errno: EACCES)
        }
    }
}
