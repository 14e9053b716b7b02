#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// What only CAP_SYS_RESOURCE in the initial user namespace allows: lowering oom_score_adj and
/// raising a hard rlimit. A rootless runtime (or root without that capability, as in some VMs)
/// never holds it, and a user namespace does not give it, so such a config is refused by `create`
/// before anything is made, naming the field, instead of failing inside the init.
enum SysResource {
    /// CAP_SYS_RESOURCE (24) in the runtime's effective set, in the initial user namespace.
    static func held() -> Bool {
        if Rootless.inUserNamespace() { return false }
        guard let s = try? ProcFS.with("/proc", { try $0.readString("self/status") }),
              let line = s.split(separator: "\n").first(where: { $0.hasBytePrefix("CapEff:") }),
              let bits = UInt64(trimmed(line.dropFirst("CapEff:".count)), radix: 16)
        else { return true }  // unknown: let the kernel decide
        return bits & (1 << 24) != 0
    }

    static func check(_ process: OCISpec.Process) throws {
        let adj = process.oomScoreAdj
        let raised = (process.rlimits ?? []).filter { l in
            guard let res = Rlimits.resource(l.type) else { return false }
            return l.hard > currentHard(res)
        }
        if adj == nil && raised.isEmpty { return }
        if held() { return }
        // Only rootless: for the host's root the kernel lets an unprivileged process lower its score
        // back to the lowest value a privileged one set (oom_score_adj_min), e.g. a containerd shim
        // at +1 asking for 0 (the CRI plugin's restrict_oom_score_adj); runc leaves that to it.
        if let adj, Rootless.euid != 0 || Rootless.inUserNamespace(), let cur = currentOOMScoreAdj(), adj < cur {
            throw RuntimeError("process.oomScoreAdj: \(adj) is below the runtime's current value \(cur); "
                               + "lowering it needs CAP_SYS_RESOURCE, which this runtime does not have "
                               + "(rootless containers cannot lower it)", errno: EACCES)
        }
        if let l = raised.first, let res = Rlimits.resource(l.type) {
            throw RuntimeError("process.rlimits: \(l.type) hard limit \(l.hard) is above the current hard limit "
                               + "\(currentHard(res)); raising it needs CAP_SYS_RESOURCE, which this runtime does not have",
                               errno: EPERM)
        }
    }

    static func currentHard(_ res: Int32) -> UInt64 { Credentials.hardLimit(res) }

    static func currentOOMScoreAdj() -> Int? {
        guard let s = try? ProcFS.with("/proc", { try $0.readString("self/oom_score_adj") }) else { return nil }
        return Int(trimmed(s))
    }
}

/// `s` without leading and trailing spaces, tabs and newlines.
private func trimmed<S: StringProtocol>(_ s: S) -> String {
    let ws: Set<Character> = [" ", "\t", "\n"]
    return String(s.drop(while: { ws.contains($0) }).reversed().drop(while: { ws.contains($0) }).reversed())
}
