#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// config-linux.md "Seccomp": compiles `linux.seccomp` to classic BPF with libseccomp, reports
/// what `features` prints, and talks to the seccomp agent at `listenerPath`.
///
/// Semantics (following runc where the spec is silent):
/// - `SCMP_ACT_KILL` is `SCMP_ACT_KILL_THREAD`.
/// - `SCMP_ACT_ERRNO`/`SCMP_ACT_TRACE` return `errnoRet` (default EPERM; `defaultErrnoRet` only
///   applies to `defaultAction`). `errnoRet`/`defaultErrnoRet` on any other action is an error,
///   as the spec requires. Values above 0xFFFF are errors (the kernel's action data is 16 bits).
/// - Syscall names the native architecture does not know are skipped with a warning.
/// - Native syscalls numbered above every syscall the profile names get ENOSYS when the default
///   action denies (runc's stub; see EnosysStub), so libc falls back to the older call.
/// - A rule whose resolved action (including its errno) equals the default action is skipped.
/// - Each `syscalls[]` entry becomes one rule per name. When two or more `args` of an entry use
///   the same argument index, every comparison becomes its own rule (so they are ORed), because
///   libseccomp cannot AND comparisons on one argument; otherwise all comparisons form one rule
///   (ANDed). This is runc's behaviour.
/// - `SCMP_CMP_MASKED_EQ`: `value` is the mask and `valueTwo` the datum (`(arg & value) == valueTwo`).
/// - `SCMP_ACT_NOTIFY` may not be the default action nor apply to `write` or `sendmsg` (the
///   runtime needs them to hand the listener fd out of the container), and requires `listenerPath`.
public enum Seccomp {
    // MARK: names

    /// Action names in the order `features` lists them.
    public static let actionNames = [
        "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
        "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP",
    ]

    /// Operator names and libseccomp's `enum scmp_compare` values.
    static let operatorValues = Libseccomp.compareOperators

    /// Every architecture name the runtime-spec lists; `archToken` says whether libseccomp knows it.
    public static let specArchitectures = [
        "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
        "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64",
        "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390",
        "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",
        "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
    ]

    /// linux/seccomp.h filter flags.
    public static let FLAG_TSYNC = SeccompSyscall.flagTSync
    public static let FLAG_LOG = SeccompSyscall.flagLog
    public static let FLAG_SPEC_ALLOW = SeccompSyscall.flagSpecAllow
    public static let FLAG_NEW_LISTENER = SeccompSyscall.flagNewListener
    public static let FLAG_TSYNC_ESRCH = SeccompSyscall.flagTSyncESRCH
    public static let FLAG_WAIT_KILLABLE_RECV = SeccompSyscall.flagWaitKillableRecv

    /// The spec's flag names and their bits. WAIT_KILLABLE_RECV is only meaningful (and only
    /// accepted by the kernel) together with NEW_LISTENER.
    static let flagBits: [(name: String, bit: UInt32)] = [
        ("SECCOMP_FILTER_FLAG_TSYNC", FLAG_TSYNC),
        ("SECCOMP_FILTER_FLAG_LOG", FLAG_LOG),
        ("SECCOMP_FILTER_FLAG_SPEC_ALLOW", FLAG_SPEC_ALLOW),
        ("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", FLAG_WAIT_KILLABLE_RECV),
    ]

    /// libseccomp action values (seccomp.h).
    static let ACT_KILL_PROCESS = Libseccomp.actKillProcess
    static let ACT_KILL_THREAD = Libseccomp.actKillThread
    static let ACT_TRAP = Libseccomp.actTrap
    static let ACT_NOTIFY = Libseccomp.actNotify
    static let ACT_LOG = Libseccomp.actLog
    static let ACT_ALLOW = Libseccomp.actAllow
    static func ACT_ERRNO(_ e: UInt32) -> UInt32 { Libseccomp.actErrno(e) }
    static func ACT_TRACE(_ e: UInt32) -> UInt32 { Libseccomp.actTrace(e) }

    /// libseccomp's token for a spec architecture name, nil when unknown to this libseccomp.
    public static func archToken(_ name: String) -> UInt32? { Libseccomp.archToken(name) }

    /// Resolves an action name (plus its errnoRet) to the libseccomp action value.
    static func action(_ name: String, errnoRet: UInt32?, path: String, errnoPath: String) throws -> UInt32 {
        func noErrno() throws {
            if let e = errnoRet {
                throw SeccompError.config("\(errnoPath): errno return code \(e) is not supported by \(name) (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one)")
            }
        }
        if let e = errnoRet, e > 0xffff {
            throw SeccompError.config("\(errnoPath): \(e) is out of range (0-65535)")
        }
        switch name {
        case "SCMP_ACT_ALLOW": try noErrno(); return ACT_ALLOW
        case "SCMP_ACT_ERRNO": return ACT_ERRNO(errnoRet ?? UInt32(EPERM))
        case "SCMP_ACT_TRACE": return ACT_TRACE(errnoRet ?? UInt32(EPERM))
        case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD": try noErrno(); return ACT_KILL_THREAD
        case "SCMP_ACT_KILL_PROCESS": try noErrno(); return ACT_KILL_PROCESS
        case "SCMP_ACT_TRAP": try noErrno(); return ACT_TRAP
        case "SCMP_ACT_LOG": try noErrno(); return ACT_LOG
        case "SCMP_ACT_NOTIFY": try noErrno(); return ACT_NOTIFY
        default: throw SeccompError.config("\(path): unknown action \"\(name)\"")
        }
    }

    /// Syscalls that may not carry SCMP_ACT_NOTIFY: the container's init uses them to hand the
    /// listener fd to the runtime after the filter is installed.
    public static let notifyForbiddenSyscalls: Set<String> = ["write", "sendmsg"]

    // MARK: compile

    /// One libseccomp rule: an action, a syscall number and up to six comparisons.
    struct Rule {
        var action: UInt32
        var nr: Int32
        var name: String
        var path: String
        var index: [UInt32] = []
        var op: [UInt32] = []
        var a: [UInt64] = []
        var b: [UInt64] = []
    }

    /// Builds the filter with libseccomp and exports its BPF. See the type's documentation for the
    /// semantics. `warn` receives one message per skipped syscall name.
    public static func compile(_ s: LinuxSeccomp, warn: (String) -> Void) throws -> SeccompProgram {
        let base = "linux.seccomp"
        let defaultAction = try action(s.defaultAction, errnoRet: s.defaultErrnoRet,
                                       path: "\(base).defaultAction", errnoPath: "\(base).defaultErrnoRet")
        if defaultAction == ACT_NOTIFY {
            throw SeccompError.config("\(base).defaultAction: SCMP_ACT_NOTIFY cannot be the default action")
        }
        if s.listenerMetadata != nil && (s.listenerPath ?? "").isEmpty {
            throw SeccompError.config("\(base).listenerMetadata: must not be set without listenerPath")
        }

        // Architectures.
        var archTokens: [UInt32] = []
        for (i, a) in (s.architectures ?? []).enumerated() {
            guard specArchitectures.contains(a) else {
                throw SeccompError.config("\(base).architectures[\(i)]: unknown architecture \"\(a)\"")
            }
            guard let t = archToken(a) else {
                throw SeccompError.config("\(base).architectures[\(i)]: architecture \"\(a)\" is not supported by libseccomp \(libseccompVersion)")
            }
            archTokens.append(t)
        }

        // Rules: validate everything before touching libseccomp.
        var rules: [Rule] = []
        var usesNotify = false
        var warned = Set<String>()
        // The highest native syscall number the profile names (any action): EnosysStub.
        var maxNative: Int32? = nil
        let syscalls = s.syscalls ?? []
        rules.reserveCapacity(syscalls.reduce(0) { $0 + $1.names.count })
        for (i, call) in syscalls.enumerated() {
            let p = "\(base).syscalls[\(i)]"
            if call.names.isEmpty { throw SeccompError.config("\(p).names: must contain at least one name") }
            let act = try action(call.action, errnoRet: call.errnoRet, path: "\(p).action", errnoPath: "\(p).errnoRet")
            var index: [UInt32] = [], op: [UInt32] = [], a: [UInt64] = [], b: [UInt64] = []
            var seen: UInt8 = 0
            var sameArgument = false
            let args = call.args ?? []
            for (j, arg) in args.enumerated() {
                guard arg.index < 6 else {
                    throw SeccompError.config("\(p).args[\(j)].index: \(arg.index) is out of range (0-5)")
                }
                guard let o = operatorValues[arg.op] else {
                    throw SeccompError.config("\(p).args[\(j)].op: unknown operator \"\(arg.op)\"")
                }
                if seen & (1 << arg.index) != 0 { sameArgument = true }
                seen |= 1 << arg.index
                index.append(UInt32(arg.index)); op.append(o); a.append(arg.value); b.append(arg.valueTwo ?? 0)
            }
            if act == ACT_NOTIFY {
                usesNotify = true
                if let bad = call.names.first(where: { notifyForbiddenSyscalls.contains($0) }) {
                    throw SeccompError.config("\(p).action: SCMP_ACT_NOTIFY cannot be used for the \(bad) syscall (the runtime needs it to pass the listener fd)")
                }
            }
            for name in call.names {
                if let nr = Libseccomp.syscallNumber(name), nr >= 0 { maxNative = max(maxNative ?? nr, nr) }
            }
            if act == defaultAction { continue }  // redundant; libseccomp would refuse it
            for (k, name) in call.names.enumerated() {
                guard let nr = Libseccomp.syscallNumber(name) else {
                    if warned.insert(name).inserted {
                        warn("\(p).names[\(k)]: unknown syscall \"\(name)\" ignored")
                    }
                    continue
                }
                if sameArgument {
                    for c in 0..<index.count {
                        rules.append(Rule(action: act, nr: nr, name: name, path: p,
                                          index: [index[c]], op: [op[c]], a: [a[c]], b: [b[c]]))
                    }
                } else {
                    rules.append(Rule(action: act, nr: nr, name: name, path: p, index: index, op: op, a: a, b: b))
                }
            }
        }
        if usesNotify && (s.listenerPath ?? "").isEmpty {
            throw SeccompError.config("\(base).listenerPath: required when SCMP_ACT_NOTIFY is used")
        }

        // Flags.
        var flags: UInt32 = usesNotify ? FLAG_NEW_LISTENER : 0
        for (i, f) in (s.flags ?? []).enumerated() {
            guard let bit = flagBits.first(where: { $0.name == f })?.bit else {
                throw SeccompError.config("\(base).flags[\(i)]: unknown flag \"\(f)\"")
            }
            if bit == FLAG_WAIT_KILLABLE_RECV && !usesNotify {
                warn("\(base).flags[\(i)]: \(f) ignored: no rule uses SCMP_ACT_NOTIFY")
                continue
            }
            guard flagSupported(f) else {
                throw SeccompError.config("\(base).flags[\(i)]: \(f) is not supported by the running kernel")
            }
            flags |= bit
        }
        // The kernel refuses TSYNC with NEW_LISTENER unless TSYNC_ESRCH says how to report a
        // thread that could not be synchronised.
        if flags & FLAG_TSYNC != 0 && usesNotify { flags |= FLAG_TSYNC_ESRCH }

        // Build with libseccomp.
        guard let filter = Libseccomp.Filter(defaultAction: defaultAction) else {
            throw SeccompError("\(base).defaultAction: seccomp_init(\(s.defaultAction)) failed", errno: EINVAL)
        }
        for (i, t) in archTokens.enumerated() {
            let r = filter.addArchitecture(t)
            if r < 0 { throw SeccompError("\(base).architectures[\(i)]: seccomp_arch_add", errno: -r) }
        }
        // Binary-tree dispatch for long rule sets (as runc, which enables it above 32 entries;
        // libseccomp <= 2.5.4 misbehaves with it and no rules).
        if syscalls.count > 32 { _ = filter.setOptimize(2) }
        for r in rules {
            let rc = filter.addRule(action: r.action, syscall: r.nr, index: r.index, op: r.op, a: r.a, b: r.b)
            if rc < 0 {
                throw SeccompError("\(r.path): adding rule for syscall \"\(r.name)\"", errno: -rc)
            }
        }
        let exported: [UInt8]
        do { exported = try filter.exportBPF() } catch let e as SysError {
            throw SeccompError("seccomp_export_bpf", errno: e.errno)
        }
        let bpf = EnosysStub.apply(to: exported, defaultAction: defaultAction, maxNative: maxNative)
        return SeccompProgram(bpf: bpf, flags: flags, usesNotify: usesNotify)
    }

    // MARK: kernel probing

    /// The libseccomp version linked in, "2.5.4".
    public static var libseccompVersion: String {
        let v = Libseccomp.version
        return "\(v.major).\(v.minor).\(v.micro)"
    }

    /// Kernel support per spec flag name, probed once.
    static let supportedFlagTable: [String: Bool] = {
        var t: [String: Bool] = [:]
        for (name, bit) in flagBits {
            let probe = bit == FLAG_WAIT_KILLABLE_RECV ? bit | FLAG_NEW_LISTENER : bit
            t[name] = SeccompSyscall.flagsSupported(probe)
        }
        return t
    }()

    /// Whether the running kernel accepts the spec flag `name`.
    public static func flagSupported(_ name: String) -> Bool { supportedFlagTable[name] ?? false }

    /// Whether the kernel implements seccomp filters at all.
    public static var enabled: Bool {
        // prctl(PR_GET_SECCOMP) returns the current mode, or EINVAL without CONFIG_SECCOMP.
        SeccompSyscall.available(action: ACT_ALLOW)
    }

    /// What `features` reports: known actions, operators, architectures known to the linked
    /// libseccomp, flags known to swiftrun, and the subset the running kernel supports.
    public static func features() -> (actions: [String], operators: [String], archs: [String],
                                      knownFlags: [String], supportedFlags: [String]) {
        let known = flagBits.map(\.name)
        return (actions: actionNames,
                operators: operatorValues.keys.sorted(),
                archs: specArchitectures.filter { archToken($0) != nil }.sorted(),
                knownFlags: known,
                supportedFlags: known.filter(flagSupported))
    }

    /// `features()` as the runtime-spec features.md `linux.seccomp` object.
    public static func featuresObject() -> SeccompFeatures {
        let f = features()
        return SeccompFeatures(enabled: enabled, actions: f.actions, operators: f.operators, archs: f.archs,
                               knownFlags: f.knownFlags, supportedFlags: f.supportedFlags)
    }

    // MARK: caching

    /// A stable key for caching `compile`'s output: FNV-1a 64 over the profile's JSON text as it
    /// stands in config.json (`source`; hashing the bytes is all a start costs), the libseccomp
    /// version, and the kernel's release and machine (flag support and the native architecture
    /// depend on them). 16 lowercase hex digits. Without `source` (a repeated `linux` or `seccomp`
    /// key) the profile's own compact encoding stands in for it.
    public static func cacheKey(_ s: LinuxSeccomp, source: [UInt8]?) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
            for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        }
        if let source {
            source.withUnsafeBufferPointer { mix($0) }
        } else {
            mix([1])
            mix(SpecLoader.encode(s))
        }
        mix([0])
        // What compile makes of a profile changes with swiftrun (the ENOSYS stub, say): bump this
        // when it does, so no older cache entry is taken for the new program.
        mix("program 2".utf8)
        mix("libseccomp \(libseccompVersion)".utf8)
        if let u = Uname.current {
            mix([0])
            mix(u.release.utf8)
            mix([0])
            mix(u.machine.utf8)
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
