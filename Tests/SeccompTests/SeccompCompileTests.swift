#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import OCISpec
import XCTest
@testable import Seccomp

func decodeSeccomp(_ json: String) throws -> LinuxSeccomp {
    try JSONDecoder().decode(LinuxSeccomp.self, from: Data(json.utf8))
}

// OCISpec's types only have Decodable initialisers; build from minimal JSON, then assign (which
// also allows values the decoder would reject, to exercise compile's own checks).
func rule(_ names: [String], _ action: String, errnoRet: UInt32? = nil, args: [LinuxSeccompArg]? = nil) -> LinuxSyscall {
    var r = try! JSONDecoder().decode(LinuxSyscall.self, from: Data(#"{"names":["x"],"action":"SCMP_ACT_ALLOW"}"#.utf8))
    r.names = names; r.action = action; r.errnoRet = errnoRet; r.args = args
    return r
}

func arg(_ index: UInt, _ value: UInt64, _ op: String, _ valueTwo: UInt64? = nil) -> LinuxSeccompArg {
    var a = try! JSONDecoder().decode(LinuxSeccompArg.self, from: Data(#"{"index":0,"value":0,"op":"SCMP_CMP_EQ"}"#.utf8))
    a.index = index; a.value = value; a.valueTwo = valueTwo; a.op = op
    return a
}

func profile(_ syscalls: [LinuxSyscall]) -> LinuxSeccomp { profile("SCMP_ACT_ALLOW", syscalls) }

func profile(_ def: String = "SCMP_ACT_ALLOW", defaultErrnoRet: UInt32? = nil, archs: [String]? = nil,
             flags: [String]? = nil, listener: String? = nil, metadata: String? = nil,
             _ syscalls: [LinuxSyscall]) -> LinuxSeccomp {
    var s = try! decodeSeccomp(#"{"defaultAction":"SCMP_ACT_ALLOW"}"#)
    s.defaultAction = def; s.defaultErrnoRet = defaultErrnoRet; s.architectures = archs; s.flags = flags
    s.listenerPath = listener; s.listenerMetadata = metadata; s.syscalls = syscalls
    return s
}

final class SeccompCompileTests: XCTestCase {
    func compileError(_ s: LinuxSeccomp, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try Seccomp.compile(s) { _ in }
            XCTFail("compiled", file: file, line: line)
            return ""
        } catch let e as SeccompError {
            return e.description
        } catch {
            XCTFail("\(error)", file: file, line: line)
            return ""
        }
    }

    func testErrorsNameTheJSONPath() {
        let ok = rule(["getpid"], "SCMP_ACT_ERRNO")
        XCTAssertEqual(compileError(profile([ok, ok, rule(["mkdir"], "X")])),
                       #"linux.seccomp.syscalls[2].action: unknown action "X""#)
        XCTAssertEqual(compileError(profile("SCMP_ACT_NOPE", [])),
                       #"linux.seccomp.defaultAction: unknown action "SCMP_ACT_NOPE""#)
        XCTAssertEqual(compileError(profile([ok, rule(["mkdir"], "SCMP_ACT_ERRNO", args: [arg(0, 1, "SCMP_CMP_EQ"), arg(1, 1, "SCMP_CMP_FOO")])])),
                       #"linux.seccomp.syscalls[1].args[1].op: unknown operator "SCMP_CMP_FOO""#)
        XCTAssertEqual(compileError(profile([rule(["mkdir"], "SCMP_ACT_ERRNO", args: [arg(6, 1, "SCMP_CMP_EQ")])])),
                       "linux.seccomp.syscalls[0].args[0].index: 6 is out of range (0-5)")
        XCTAssertEqual(compileError(profile(archs: ["SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"], [])),
                       #"linux.seccomp.architectures[1]: unknown architecture "SCMP_ARCH_VAX""#)
        XCTAssertTrue(compileError(profile(archs: ["SCMP_ARCH_LOONGARCH64"], []))
            .hasPrefix(#"linux.seccomp.architectures[0]: architecture "SCMP_ARCH_LOONGARCH64" is not supported by libseccomp"#))
        XCTAssertEqual(compileError(profile(flags: ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_BOGUS"], [])),
                       #"linux.seccomp.flags[1]: unknown flag "SECCOMP_FILTER_FLAG_BOGUS""#)
        XCTAssertTrue(compileError(profile([rule(["mkdir"], "SCMP_ACT_ALLOW", errnoRet: 5)]))
            .hasPrefix("linux.seccomp.syscalls[0].errnoRet: errno return code 5 is not supported by SCMP_ACT_ALLOW"))
        XCTAssertTrue(compileError(profile("SCMP_ACT_KILL", defaultErrnoRet: 5, []))
            .hasPrefix("linux.seccomp.defaultErrnoRet: errno return code 5 is not supported by SCMP_ACT_KILL"))
        XCTAssertEqual(compileError(profile([rule(["mkdir"], "SCMP_ACT_ERRNO", errnoRet: 70000)])),
                       "linux.seccomp.syscalls[0].errnoRet: 70000 is out of range (0-65535)")
        XCTAssertEqual(compileError(profile("SCMP_ACT_NOTIFY", listener: "/x", [])),
                       "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action")
        XCTAssertTrue(compileError(profile(listener: "/x", [rule(["read", "write"], "SCMP_ACT_NOTIFY")]))
            .hasPrefix("linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY cannot be used for the write syscall"))
        XCTAssertEqual(compileError(profile([rule(["mkdir"], "SCMP_ACT_NOTIFY")])),
                       "linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used")
        XCTAssertEqual(compileError(profile(metadata: "m", [])),
                       "linux.seccomp.listenerMetadata: must not be set without listenerPath")
        XCTAssertEqual(compileError(profile([rule([], "SCMP_ACT_ERRNO")])),
                       "linux.seccomp.syscalls[0].names: must contain at least one name")
    }

    func testUnknownSyscallNamesAreSkippedWithAWarning() throws {
        var warnings: [String] = []
        let p = try Seccomp.compile(profile([rule(["mkdir", "no_such_syscall_xyz"], "SCMP_ACT_ERRNO")])) { warnings.append($0) }
        XCTAssertEqual(warnings, [#"linux.seccomp.syscalls[0].names[1]: unknown syscall "no_such_syscall_xyz" ignored"#])
        let only = try Seccomp.compile(profile([rule(["mkdir"], "SCMP_ACT_ERRNO")])) { _ in }
        XCTAssertEqual(p.bpf, only.bpf)
        XCTAssertFalse(p.usesNotify)
        XCTAssertEqual(p.flags, 0)
        XCTAssertEqual(p.bpf.count % 8, 0)
        XCTAssertGreaterThan(p.instructionCount, 3)
    }

    func testRulesWithTheDefaultActionAreSkipped() throws {
        let empty = try Seccomp.compile(profile("SCMP_ACT_ERRNO", [])) { _ in }
        let redundant = try Seccomp.compile(profile("SCMP_ACT_ERRNO", [rule(["getpid"], "SCMP_ACT_ERRNO", errnoRet: 1)])) { _ in }
        // The same program, behind the ENOSYS stub for syscalls above getpid (the only one named).
        XCTAssertEqual(Array(redundant.bpf.dropFirst(EnosysStubShape.bytes)), empty.bpf)
        // A different errno is a different action: not skipped.
        let other = try Seccomp.compile(profile("SCMP_ACT_ERRNO", [rule(["getpid"], "SCMP_ACT_ERRNO", errnoRet: 2)])) { _ in }
        XCTAssertNotEqual(empty.bpf, other.bpf)
        // SCMP_ACT_KILL is SCMP_ACT_KILL_THREAD.
        let kill = try Seccomp.compile(profile("SCMP_ACT_KILL", [rule(["getpid"], "SCMP_ACT_KILL_THREAD")])) { _ in }
        let killEmpty = try Seccomp.compile(profile("SCMP_ACT_KILL_THREAD", [])) { _ in }
        XCTAssertEqual(Array(kill.bpf.dropFirst(EnosysStubShape.bytes)), killEmpty.bpf)
    }

    /// runc's ENOSYS stub: syscalls above every one the profile names get ENOSYS (native x86_64),
    /// only when the default action denies.
    func testEnosysStubForSyscallsNewerThanTheProfile() throws {
        #if arch(x86_64)
        let deny = try Seccomp.compile(profile("SCMP_ACT_ERRNO", [rule(["getpid", "read"], "SCMP_ACT_ALLOW")])) { _ in }
        let stub = Array(deny.bpf.prefix(EnosysStubShape.bytes))
        func k(_ i: Int) -> UInt32 { stub[i * 8 + 4 ..< i * 8 + 8].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
        XCTAssertEqual(k(1), 0xC000_003E)        // x86_64 only
        XCTAssertEqual(k(3), 0x4000_0000)        // not x32
        XCTAssertEqual(k(4), 39)                 // getpid, the highest named
        XCTAssertEqual(k(5), 0x0005_0000 | 38)   // SCMP_ACT_ERRNO(ENOSYS)
        let allow = try Seccomp.compile(profile("SCMP_ACT_ALLOW", [rule(["getpid"], "SCMP_ACT_ERRNO")])) { _ in }
        XCTAssertNotEqual(Array(allow.bpf.prefix(16)), Array(stub.prefix(16)))
        let enosys = try Seccomp.compile(profile("SCMP_ACT_ERRNO", defaultErrnoRet: 38, [rule(["getpid"], "SCMP_ACT_ALLOW")])) { _ in }
        XCTAssertNotEqual(Array(enosys.bpf.prefix(16)), Array(stub.prefix(16)))
        #endif
    }

    func testFlags() throws {
        let f = Seccomp.features()
        XCTAssertEqual(f.knownFlags, ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                                      "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"])
        // Kernel 6.x supports all four.
        XCTAssertEqual(f.supportedFlags, f.knownFlags)
        let p = try Seccomp.compile(profile(flags: ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC"], [])) { _ in }
        XCTAssertEqual(p.flags, Seccomp.FLAG_LOG | Seccomp.FLAG_SPEC_ALLOW | Seccomp.FLAG_TSYNC)
        var warnings: [String] = []
        let w = try Seccomp.compile(profile(flags: ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"], [])) { warnings.append($0) }
        XCTAssertEqual(w.flags, 0)
        XCTAssertEqual(warnings.count, 1)
        let n = try Seccomp.compile(profile(flags: ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", "SECCOMP_FILTER_FLAG_TSYNC"],
                                            listener: "/x", [rule(["mkdir"], "SCMP_ACT_NOTIFY")])) { _ in }
        XCTAssertTrue(n.usesNotify)
        XCTAssertEqual(n.flags, Seccomp.FLAG_NEW_LISTENER | Seccomp.FLAG_WAIT_KILLABLE_RECV | Seccomp.FLAG_TSYNC | Seccomp.FLAG_TSYNC_ESRCH)
    }

    func testFeatures() {
        let f = Seccomp.features()
        XCTAssertEqual(f.actions.count, 9)
        XCTAssertTrue(f.actions.contains("SCMP_ACT_NOTIFY"))
        XCTAssertEqual(f.operators, ["SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT",
                                     "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"])
        XCTAssertTrue(f.archs.contains("SCMP_ARCH_X86_64"))
        XCTAssertTrue(f.archs.contains("SCMP_ARCH_AARCH64"))
        XCTAssertTrue(Seccomp.enabled)
        XCTAssertEqual(Seccomp.featuresObject().enabled, true)
    }

    func testCacheKeyAndRebuild() throws {
        let a = profile("SCMP_ACT_ERRNO", [rule(["mkdir"], "SCMP_ACT_ALLOW")])
        var b = a
        b.syscalls![0].names = ["rmdir"]
        XCTAssertEqual(Seccomp.cacheKey(a, source: nil), Seccomp.cacheKey(a, source: nil))
        XCTAssertEqual(Seccomp.cacheKey(a, source: nil).count, 16)
        XCTAssertNotEqual(Seccomp.cacheKey(a, source: nil), Seccomp.cacheKey(b, source: nil))
        // Without the text, the same profile decoded from differently ordered JSON: same key.
        let t1 = #"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ALLOW"}]}"#
        let t2 = #"{"syscalls":[{"action":"SCMP_ACT_ALLOW","names":["mkdir"]}],"defaultAction":"SCMP_ACT_ERRNO"}"#
        let j1 = try decodeSeccomp(t1), j2 = try decodeSeccomp(t2)
        XCTAssertEqual(Seccomp.cacheKey(j1, source: nil), Seccomp.cacheKey(j2, source: nil))
        XCTAssertEqual(Seccomp.cacheKey(j1, source: nil), Seccomp.cacheKey(a, source: nil))
        // With it (what create passes), the key is the text's: the same text, the same key; other
        // text, another key (at worst one more cache entry for the same filter).
        XCTAssertEqual(Seccomp.cacheKey(j1, source: Array(t1.utf8)), Seccomp.cacheKey(j1, source: Array(t1.utf8)))
        XCTAssertEqual(Seccomp.cacheKey(j1, source: Array(t1.utf8)).count, 16)
        XCTAssertNotEqual(Seccomp.cacheKey(j1, source: Array(t1.utf8)), Seccomp.cacheKey(j2, source: Array(t2.utf8)))
        XCTAssertNotEqual(Seccomp.cacheKey(j1, source: Array(t1.utf8)), Seccomp.cacheKey(j1, source: nil))
        let p = try Seccomp.compile(a) { _ in }
        XCTAssertEqual(SeccompProgram(bpf: p.bpf, flags: p.flags, usesNotify: p.usesNotify), p)
    }

    func testDockerLikeDefaultProfileCompiles() throws {
        // Performance is make bench's business (bench/bench.py); this only checks that the profile
        // the benchmark uses compiles, and prints what it is made of.
        let here = String(#filePath)
        let dir = here[..<here.lastIndex(of: "/")!]
        let bytes = try readAll("\(dir)/Fixtures/docker-like-default.json")
        let s = try JSONDecoder().decode(LinuxSeccomp.self, from: Data(bytes))
        let names = (s.syscalls ?? []).reduce(0) { $0 + $1.names.count }
        XCTAssertGreaterThan(names, 300)
        var warnings: [String] = []
        let program = try Seccomp.compile(s) { warnings.append($0) }
        XCTAssertGreaterThan(program.instructionCount, 0)
        print("docker-like profile: \(names) names, \(warnings.count) unknown on this arch \(warnings), \(program.instructionCount) BPF instructions")
    }
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func ms(_ s: Double) -> String {
    let v = (s * 1e5).rounded() / 100
    return "\(v)"
}

func readAll(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw SeccompError("open \(path)", errno: errno) }
    defer { close(fd) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = read(fd, &buf, buf.count)
        if n <= 0 { break }
        out += buf[0..<n]
    }
    return out
}

/// The ENOSYS stub in front of a denying profile's program: 6 instructions.
enum EnosysStubShape {
    #if arch(x86_64)
    static let bytes = 6 * 8
    #else
    static let bytes = 0
    #endif
}

/// The listener's payload is written by JSONWriter; it must read as JSONEncoder wrote it.
final class ListenerPayloadTests: XCTestCase {
    func testPayloadMatchesJSONEncoder() throws {
        let states = [State(ociVersion: "1.3.0", id: "c", status: "created", pid: 9, bundle: "/b", annotations: nil),
                      State(ociVersion: "1.3.0", id: "c", status: "stopped", pid: nil, bundle: "/b/ü",
                            annotations: ["z": "1", "a": "\u{7f}\u{2028}\"\n"])]
        for s in states {
            for metadata in [nil, "m/x"] {
                let cps = ContainerProcessState(ociVersion: "1.3.0", fds: ["ignored"], pid: 12, metadata: metadata, state: s)
                var expected = cps
                expected.fds = ["seccompFd"]
                // JSONEncoder's member order was its dictionary's (it varied from run to run); the
                // payload is the same document, in declaration order.
                let payload = try Seccomp.listenerPayload(cps)
                XCTAssertEqual(try JSONDecoder().decode(ContainerProcessState.self, from: Data(payload)), expected)
                let text = String(decoding: payload, as: UTF8.self)
                XCTAssertTrue(text.hasPrefix(#"{"ociVersion":"1.3.0","fds":["seccompFd"],"pid":12,"#), text)
                XCTAssertFalse(text.contains(#"\/"#), text)
            }
        }
    }
}
