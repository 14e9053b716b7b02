import XCTest

/// Issue 8: `LinuxSys` is the only door to the kernel. No Swift file outside `Sources/LinuxSys`
/// (and the C in `Sources/CShim`) imports `CShim`, calls an `sr_*` shim, or calls a libc function
/// that is a system call. The files not converted yet are listed in `notConvertedYet`; the list
/// only shrinks (a listed file that has become clean fails the test, so it is taken off).
final class KernelBoundaryTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Files (relative to the repository) that still reach the kernel on their own, by the module
    /// that will convert them. The goal is an empty list.
    static let notConvertedYet: Set<String> = [
    ]

    /// libc functions that are system calls (or thin wrappers of one), as Glibc exports them.
    static let syscalls: Set<String> = [
        "open", "openat", "creat", "read", "write", "pread", "pwrite", "readv", "writev", "close",
        "lseek", "stat", "fstat", "lstat", "fstatat", "statfs", "fstatfs", "statx", "mkdir", "mkdirat",
        "rmdir", "unlink", "unlinkat", "rename", "renameat", "renameat2", "link", "linkat", "symlink",
        "symlinkat", "readlink", "readlinkat", "chmod", "fchmod", "fchmodat", "chown", "fchown",
        "lchown", "fchownat", "truncate", "ftruncate", "fsync", "fdatasync", "access", "faccessat",
        "chdir", "fchdir", "chroot", "getcwd", "mknod", "mknodat", "umask", "dup", "dup2", "dup3",
        "fcntl", "ioctl", "pipe", "pipe2", "socket", "socketpair", "bind", "connect", "listen",
        "accept", "accept4", "send", "sendto", "sendmsg", "recv", "recvfrom", "recvmsg", "shutdown",
        "setsockopt", "getsockopt", "poll", "ppoll", "select", "pselect", "epoll_create1", "epoll_ctl",
        "epoll_wait", "mount", "umount", "umount2", "unshare", "setns", "clone", "fork", "vfork",
        "execve", "execv", "execvp", "execvpe", "fexecve", "posix_spawn", "posix_spawnp", "wait",
        "waitpid", "wait4", "waitid", "kill", "killpg", "tgkill", "getpid", "getppid", "gettid",
        "getuid", "geteuid", "getgid", "getegid", "getgroups", "setuid", "setgid", "setreuid",
        "setregid", "setresuid", "setresgid", "setgroups", "setsid", "setpgid", "sethostname",
        "setdomainname", "prctl", "syscall", "getrlimit", "setrlimit", "prlimit", "sched_yield",
        "sched_setaffinity", "sched_getaffinity", "nanosleep", "usleep", "sleep", "clock_gettime",
        "clock_nanosleep", "gettimeofday", "uname", "flock", "memfd_create", "sendfile", "mmap",
        "munmap", "mprotect", "sigaction", "sigprocmask", "pthread_sigmask", "signal", "sigsuspend",
        "opendir", "fdopendir", "readdir", "closedir", "isatty", "tcgetattr", "tcsetattr", "ttyname",
        "ttyname_r", "realpath", "inotify_init1", "inotify_add_watch", "eventfd", "signalfd",
        "timerfd_create", "sysconf", "getrandom", "sync", "syncfs", "mkfifo", "mkfifoat", "utimensat",
        "futimens", "getxattr", "setxattr", "lgetxattr", "lsetxattr", "fgetxattr", "fsetxattr",
    ]

    /// Why a file reaches the kernel itself, or nil when it does not.
    static func violations(in source: String) -> [String] {
        let code = stripCommentsAndStrings(source)
        var found: [String] = []
        for module in ["CShim", "CDBus"] where code.range(
            of: #"(?m)^\s*(@\w+\s+)*import\s+(struct\s+|func\s+|enum\s+)?"# + module + #"\b"#, options: .regularExpression) != nil {
            found.append("import " + module)
        }
        let ns = code as NSString
        let whole = NSRange(location: 0, length: ns.length)
        let shim = try! NSRegularExpression(pattern: #"(?<![\w.])sr_\w+"#)
        for m in shim.matches(in: code, range: whole) { found.append(ns.substring(with: m.range)) }
        // Functions the file declares itself (methods named like a syscall) are its own.
        let declared = Set(try! NSRegularExpression(pattern: #"\bfunc\s+(\w+)"#)
            .matches(in: code, range: whole).map { ns.substring(with: $0.range(at: 1)) })
        let call = try! NSRegularExpression(pattern: #"(?<![\w.])(Glibc\.)?(\w+)\s*\("#)
        for m in call.matches(in: code, range: whole) {
            let name = ns.substring(with: m.range(at: 2))
            guard syscalls.contains(name) else { continue }
            let qualified = m.range(at: 1).location != NSNotFound
            let before = ns.substring(to: m.range.location)
            if !qualified && (declared.contains(name) || before.hasSuffix("func ") || before.hasSuffix("case ")) {
                continue
            }
            found.append(qualified ? "Glibc.\(name)" : name)
        }
        return found
    }

    /// The code with comments and string literal contents removed (a string may mention `open(`).
    static func stripCommentsAndStrings(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        let c = Array(s.unicodeScalars)
        var i = 0
        var blockDepth = 0
        while i < c.count {
            let ch = c[i]
            let next: Unicode.Scalar? = i + 1 < c.count ? c[i + 1] : nil
            if blockDepth > 0 {
                if ch == "*" && next == "/" { blockDepth -= 1; i += 2; continue }
                if ch == "/" && next == "*" { blockDepth += 1; i += 2; continue }
                if ch == "\n" { out.unicodeScalars.append("\n") }
                i += 1
                continue
            }
            if ch == "/" && next == "/" {
                while i < c.count && c[i] != "\n" { i += 1 }
                continue
            }
            if ch == "/" && next == "*" { blockDepth = 1; i += 2; continue }
            if ch == "\"" {
                // Skip a string literal ("..." or """..."""), keeping interpolations' code out too:
                // a shim called inside \( ) is rare enough to not matter for this check.
                let triple = i + 2 < c.count && c[i + 1] == "\"" && c[i + 2] == "\""
                i += triple ? 3 : 1
                while i < c.count {
                    if c[i] == "\\" { i += 2; continue }
                    if triple {
                        if c[i] == "\"" && i + 2 < c.count && c[i + 1] == "\"" && c[i + 2] == "\"" { i += 3; break }
                    } else if c[i] == "\"" || c[i] == "\n" { i += 1; break }
                    if c[i] == "\n" { out.unicodeScalars.append("\n") }
                    i += 1
                }
                out.unicodeScalars.append("\"")
                out.unicodeScalars.append("\"")
                continue
            }
            out.unicodeScalars.append(ch)
            i += 1
        }
        return out
    }

    static func swiftSources() -> [String] {
        let sources = repo.appendingPathComponent("Sources")
        let all = FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String } ?? []
        return all.filter { $0.hasSuffix(".swift") && !$0.hasPrefix("LinuxSys/") && !$0.hasPrefix("CShim/") }
            .map { "Sources/" + $0 }.sorted()
    }

    func testOnlyLinuxSysReachesTheKernel() throws {
        let files = Self.swiftSources()
        XCTAssertGreaterThan(files.count, 50, "found too few sources under \(Self.repo.path)/Sources")
        for file in files {
            let text = try String(contentsOf: Self.repo.appendingPathComponent(file), encoding: .utf8)
            let found = Self.violations(in: text)
            if Self.notConvertedYet.contains(file) {
                XCTAssertFalse(found.isEmpty, "\(file) no longer calls the kernel itself: take it off KernelBoundaryTests.notConvertedYet")
            } else {
                XCTAssertTrue(found.isEmpty, "\(file) reaches the kernel without LinuxSys: \(Set(found).sorted().joined(separator: ", "))")
            }
        }
        for file in Self.notConvertedYet where !files.contains(file) {
            XCTFail("\(file) is listed in KernelBoundaryTests.notConvertedYet but does not exist")
        }
    }

    func testTheCheckSeesWhatItShould() {
        XCTAssertEqual(Self.violations(in: "import CShim\n"), ["import CShim"])
        XCTAssertEqual(Self.violations(in: "import CDBus\n"), ["import CDBus"])
        XCTAssertEqual(Self.violations(in: "let fd = open(p, O_RDONLY)"), ["open"])
        XCTAssertEqual(Self.violations(in: "_ = Glibc.write(1, p, n)"), ["Glibc.write"])
        XCTAssertEqual(Self.violations(in: "let r = sr_clone3(0, &p, -1)"), ["sr_clone3"])
        XCTAssertEqual(Self.violations(in: "try FileIO.write(path, s)\n// close(fd)\nlet s = \"kill(1)\""), [])
        XCTAssertEqual(Self.violations(in: "func write(_ s: String) {}\nwrite(\"x\")"), [])
        XCTAssertEqual(Self.violations(in: "/* open( /* nested */ read( */ let x = 1"), [])
    }
}
