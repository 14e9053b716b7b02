// Checks on process.landlock that need no kernel: names, shapes, and rules that only allow what
// the ruleset handles (landlock_add_rule(2) refuses anything else with EINVAL). What the running
// kernel supports is decided later, by the runtime (best effort or disableBestEffort).

public enum LandlockValidator {
    /// Validates `process.landlock` of `p`, the object at JSON path `path` of `file` ("" for an
    /// `exec --process` document, whose root is the process); nothing when it has none.
    public static func validate(_ p: Process, path: String = "process", file: String = "config.json") throws {
        guard let l = p.landlock else { return }
        let pre = path.isEmpty ? "" : path + "."
        let at = pre + "landlock"
        func fail(_ sub: String, _ message: String) -> SpecError {
            SpecError(file: file, path: at + sub, message: message)
        }
        func names(_ list: [String]?, _ sub: String, _ allowed: [String], _ what: String) throws -> Set<String> {
            for (i, n) in (list ?? []).enumerated() where !allowed.contains(n) {
                throw fail("\(sub)[\(i)]", "unknown \(what) \"\(n)\" (expected one of: \(allowed.joined(separator: ", ")))")
            }
            return Set(list ?? [])
        }

        let fs = try names(l.ruleset?.handledAccessFS, ".ruleset.handledAccessFS", LandlockNames.accessFS,
                           "filesystem access right")
        let net = try names(l.ruleset?.handledAccessNet, ".ruleset.handledAccessNet", LandlockNames.accessNet,
                            "network access right")
        let scoped = try names(l.ruleset?.scoped, ".ruleset.scoped", LandlockNames.scopes, "scope")
        _ = try names(l.restrictSelfFlags, ".restrictSelfFlags", LandlockNames.restrictSelfFlags,
                      "landlock_restrict_self flag")
        if fs.isEmpty && net.isEmpty && scoped.isEmpty {
            throw fail(".ruleset", "must handle at least one access right or scope (handledAccessFS, handledAccessNet or scoped)")
        }

        for (i, r) in (l.rules?.pathBeneath ?? []).enumerated() {
            let rp = ".rules.pathBeneath[\(i)]"
            let allowed = try names(r.allowedAccess, rp + ".allowedAccess", LandlockNames.accessFS, "filesystem access right")
            if allowed.isEmpty { throw fail(rp + ".allowedAccess", "must not be empty") }
            for (j, a) in (r.allowedAccess ?? []).enumerated() where !fs.contains(a) {
                throw fail("\(rp).allowedAccess[\(j)]",
                           "\"\(a)\" is not handled by the ruleset (add it to \(at).ruleset.handledAccessFS)")
            }
            guard let paths = r.paths, !paths.isEmpty else { throw fail(rp + ".paths", "must not be empty") }
            for (j, p) in paths.enumerated() {
                if p.isEmpty { throw fail("\(rp).paths[\(j)]", "must not be empty") }
                if !p.hasBytePrefix("/") { throw fail("\(rp).paths[\(j)]", "must be an absolute path, got \"\(p)\"") }
            }
        }

        for (i, r) in (l.rules?.netPort ?? []).enumerated() {
            let rp = ".rules.netPort[\(i)]"
            let allowed = try names(r.allowedAccess, rp + ".allowedAccess", LandlockNames.accessNet, "network access right")
            if allowed.isEmpty { throw fail(rp + ".allowedAccess", "must not be empty") }
            for (j, a) in (r.allowedAccess ?? []).enumerated() where !net.contains(a) {
                throw fail("\(rp).allowedAccess[\(j)]",
                           "\"\(a)\" is not handled by the ruleset (add it to \(at).ruleset.handledAccessNet)")
            }
            guard let ports = r.ports, !ports.isEmpty else { throw fail(rp + ".ports", "must not be empty") }
            for (j, port) in ports.enumerated() where port > 65535 {
                throw fail("\(rp).ports[\(j)]", "port \(port) is out of range (0 to 65535)")
            }
        }

        // landlock_restrict_self(2) refuses a thread that has neither (EPERM).
        if p.noNewPrivileges != true {
            let effective = p.capabilities.map { Set(($0.effective ?? []).map { $0.uppercased() }) }
            let sysAdmin = effective.map { $0.contains("CAP_SYS_ADMIN") || $0.contains("SYS_ADMIN") } ?? true
            if !sysAdmin {
                throw fail("", "needs \(pre)noNewPrivileges: true (or CAP_SYS_ADMIN in \(pre)capabilities.effective): "
                    + "landlock_restrict_self(2) refuses other processes")
            }
        }
    }
}
