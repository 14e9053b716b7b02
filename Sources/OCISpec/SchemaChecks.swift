// Decode-time checks for JSON-schema constraints (enums, patterns) that plain Codable cannot express.

extension KeyedDecodingContainer {
    /// Decodes an optional string that must be one of `allowed`.
    func decodeEnumIfPresent(_ key: Key, _ allowed: [String]) throws -> String? {
        guard let v = try decodeIfPresent(String.self, forKey: key) else { return nil }
        guard allowed.contains(v) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription: "invalid value \"\(v)\" (expected one of: \(allowed.joined(separator: ", ")))")
        }
        return v
    }

    /// Decodes an optional array of strings, each of which must be one of `allowed`.
    func decodeEnumArrayIfPresent(_ key: Key, _ allowed: [String]) throws -> [String]? {
        guard let v = try decodeIfPresent([String].self, forKey: key) else { return nil }
        for s in v where !allowed.contains(s) {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription: "invalid value \"\(s)\" (expected one of: \(allowed.joined(separator: ", ")))")
        }
        return v
    }

    /// Decodes an optional integer that must lie in `range`.
    func decodeRangedIfPresent<T: FixedWidthInteger & Decodable>(_ type: T.Type, _ key: Key,
                                                                 _ range: ClosedRange<T>) throws -> T? {
        guard let v = try decodeIfPresent(T.self, forKey: key) else { return nil }
        guard range.contains(v) else {
            let bound = range.upperBound == T.max ? "must be at least \(range.lowerBound)"
                : "must be between \(range.lowerBound) and \(range.upperBound)"
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "value \(v) \(bound)")
        }
        return v
    }
}

enum Schema {
    /// `^[1-9][0-9]*[KMG]B$` (hugepage sizes).
    static func isPageSize(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count >= 3, u[u.count - 1] == UInt8(ascii: "B"),
              [UInt8(ascii: "K"), UInt8(ascii: "M"), UInt8(ascii: "G")].contains(u[u.count - 2]),
              u[0] >= UInt8(ascii: "1"), u[0] <= UInt8(ascii: "9") else { return false }
        return u[1..<(u.count - 2)].allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// `^[0-9, -]*$` (CPU lists).
    static func isCPUList(_ s: String) -> Bool {
        s.utf8.allSatisfy { ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: ",")
            || $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "-") }
    }

    static let seccompActions = ["SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
                                 "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",
                                 "SCMP_ACT_NOTIFY"]
    static let seccompOperators = ["SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE",
                                   "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"]
    static let seccompArchs = ["SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM",
                               "SCMP_ARCH_AARCH64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_MIPS",
                               "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64",
                               "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE",
                               "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
                               "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64"]
    static let seccompFlags = ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                               "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]
    // The schema lists four values; engines (docker, podman) also send the recursive spellings
    // that runc accepts, so those are taken as aliases.
    static let rootfsPropagations = ["private", "shared", "slave", "unbindable", "rprivate", "rshared", "rslave", "runbindable"]
    static let memoryPolicyModes = ["MPOL_DEFAULT", "MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE",
                                    "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL"]
    static let memoryPolicyFlags = ["MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES"]
    static let personalityDomains = ["LINUX", "LINUX32"]
    static let schedulerPolicies = ["SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO",
                                    "SCHED_IDLE", "SCHED_DEADLINE"]
    static let schedulerFlags = ["SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM", "SCHED_FLAG_DL_OVERRUN",
                                 "SCHED_FLAG_KEEP_POLICY", "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN",
                                 "SCHED_FLAG_UTIL_CLAMP_MAX"]
    static let ioPriorityClasses = ["IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE"]
    /// Linux namespace types (defs-linux.json NamespaceType).
    static let namespaceTypes = ["pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"]
}
