#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// process.landlock as the running kernel can enforce it: names turned into the uapi bits, and
/// what the kernel's Landlock ABI lacks either dropped with a warning (best effort, the default)
/// or refused (`disableBestEffort: true`). Made by the runtime (create, exec) before the
/// container process exists, so warnings and errors reach the caller; the process builds it
/// into a ruleset once its root is the container's (LandlockRuleset).
struct LandlockPlan: Sendable, Equatable {
    struct PathRule: Sendable, Equatable {
        let allowed: UInt64
        let paths: [String]
        /// JSON path of the rule, for errors ("process.landlock.rules.pathBeneath[2]").
        let at: String
    }

    struct PortRule: Sendable, Equatable {
        let allowed: UInt64
        let ports: [UInt64]
    }

    /// The ABI the plan is made for: the kernel's, capped at the newest this build knows.
    let abi: Int32
    let handledFS: UInt64
    let handledNet: UInt64
    let scoped: UInt64
    let restrictFlags: UInt32
    let pathRules: [PathRule]
    let portRules: [PortRule]

    /// nil when `l` is nil, or when best effort leaves nothing to enforce (after a warning).
    /// `kernel` is Landlock.abiVersion() (a parameter for tests); `file` and `path` name the
    /// document and the process object in messages.
    static func make(_ l: LinuxLandlock?, kernel: (abi: Int32, errno: Int32) = Landlock.abiVersion(),
                     file: String = "config.json", path: String = "process",
                     warn: (String) -> Void) throws -> LandlockPlan? {
        guard let l else { return nil }
        let at = "\(file): \(path).landlock"
        let strict = l.disableBestEffort == true
        if kernel.abi <= 0 {
            let why = kernel.errno == EOPNOTSUPP ? "Landlock is disabled on this kernel (see the lsm= boot parameter)"
                : "this kernel has no Landlock (\(Errno.describe(kernel.errno)))"
            if strict { throw RuntimeError("\(at): disableBestEffort is true, but \(why)", errno: kernel.errno) }
            warn("\(at): not enforced: \(why)")
            return nil
        }
        let abi = min(kernel.abi, Landlock.knownABI)
        var missing: [String] = []

        func mask(_ names: [String]?, _ table: [Landlock.Right], _ field: String?) -> UInt64 {
            var m: UInt64 = 0
            for n in names ?? [] {
                // Names were validated (LandlockValidator); an unknown one cannot reach here.
                guard let r = table.first(where: { $0.name == n }) else { continue }
                if r.abi <= abi {
                    m |= r.bit
                } else if let field, !missing.contains("\(field) \(n) (ABI \(r.abi))") {
                    missing.append("\(field) \(n) (ABI \(r.abi))")
                }
            }
            return m
        }

        let fs = mask(l.ruleset?.handledAccessFS, Landlock.fsRights, "ruleset.handledAccessFS")
        let net = mask(l.ruleset?.handledAccessNet, Landlock.netRights, "ruleset.handledAccessNet")
        let scoped = mask(l.ruleset?.scoped, Landlock.scopes, "ruleset.scoped")
        let flags = UInt32(mask(l.restrictSelfFlags, Landlock.restrictSelfFlags, "restrictSelfFlags"))
        // Rules allow a subset of what the ruleset handles, so what they lose is named above;
        // a rule left with nothing is dropped (landlock_add_rule refuses an empty mask).
        var pathRules: [PathRule] = []
        for (i, r) in (l.rules?.pathBeneath ?? []).enumerated() {
            let allowed = mask(r.allowedAccess, Landlock.fsRights, nil) & fs
            if allowed != 0 {
                pathRules.append(PathRule(allowed: allowed, paths: r.paths ?? [], at: "\(path).landlock.rules.pathBeneath[\(i)]"))
            }
        }
        var portRules: [PortRule] = []
        for r in l.rules?.netPort ?? [] {
            let allowed = mask(r.allowedAccess, Landlock.netRights, nil) & net
            if allowed != 0 { portRules.append(PortRule(allowed: allowed, ports: r.ports ?? [])) }
        }

        if !missing.isEmpty {
            let list = missing.inlineJoined(separator: ", ")
            if strict {
                throw RuntimeError("\(at): disableBestEffort is true, but the kernel's Landlock ABI is \(kernel.abi) "
                    + "and lacks: \(list)")
            }
            var msg = "\(at): best effort on Landlock ABI \(kernel.abi) (swiftrun knows \(Landlock.knownABI)): "
                + "not enforced: \(list)"
            if abi < 2 && missing.contains(where: { $0.hasBytePrefix("ruleset.handledAccessFS refer ") }) {
                msg += "; on ABI 1 moving or linking files across directories is always denied"
            }
            warn(msg)
        }
        if fs == 0 && net == 0 && scoped == 0 {
            warn("\(at): not enforced: nothing the kernel supports is left in the ruleset")
            return nil
        }
        return LandlockPlan(abi: abi, handledFS: fs, handledNet: net, scoped: scoped, restrictFlags: flags,
                            pathRules: pathRules, portRules: portRules)
    }
}
