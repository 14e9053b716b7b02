#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// The five capability sets of process.capabilities as bit masks, minus what this runtime
/// cannot grant (unknown names, or capabilities outside its own bounding set — e.g. a host root
/// without CAP_SYS_RESOURCE). Those are skipped with a warning, as config.md requires.
struct CapabilitySets {
    var bounding: UInt64 = 0
    var effective: UInt64 = 0
    var inheritable: UInt64 = 0
    var permitted: UInt64 = 0
    var ambient: UInt64 = 0

    /// The kernel's highest capability, asked of the kernel itself (PR_CAPBSET_READ fails with
    /// EINVAL above it), not read from /proc/sys/kernel/cap_last_cap: `exec` computes this after
    /// joining the container, whose /proc may be a fake saying 20, which would leave every
    /// capability above 20 in the bounding set.
    static func lastCap(_ k: any Kernel = LinuxKernel()) -> Int32 {
        highestValid(upTo: 63) { k.prctl(PR_CAPBSET_READ, UInt($0)) >= 0 }
    }
    /// The highest capability this process's kernel knows (lastCap(), asked once per process).
    let lastCap: Int32

    /// The highest n in 0...limit with valid(n), for a `valid` true up to some point and false
    /// after it (binary search: six probes). 0 when none is. Pure; unit-tested.
    static func highestValid(upTo limit: Int32, _ valid: (Int32) -> Bool) -> Int32 {
        var lo: Int32 = 0, hi = limit   // invariant: answer in lo...hi
        while lo < hi {
            let mid = lo + (hi - lo + 1) / 2
            if valid(mid) { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    init(_ caps: LinuxCapabilities, kernel k: any Kernel, log: Logger) {
        let lastCap = CapabilitySets.lastCap(k)
        self.lastCap = lastCap
        var grantable: UInt64 = 0
        for c in 0...lastCap where k.prctl(PR_CAPBSET_READ, UInt(c)) == 1 {
            grantable |= 1 << UInt64(c)
        }
        var warned = Set<String>()
        func mask(_ names: [String]?, _ set: String) -> UInt64 {
            var m: UInt64 = 0
            for name in names ?? [] {
                let key = name.uppercased().hasBytePrefix("CAP_") ? name.uppercased() : "CAP_" + name.uppercased()
                guard let bit = CapabilityNames.all[key], bit <= lastCap else {
                    if warned.insert(name).inserted { log.warn("process.capabilities.\(set): unknown capability \"\(name)\", skipped") }
                    continue
                }
                guard grantable & (1 << UInt64(bit)) != 0 else {
                    if warned.insert(name).inserted {
                        log.warn("process.capabilities.\(set): the runtime does not hold \(key), skipped")
                    }
                    continue
                }
                m |= 1 << UInt64(bit)
            }
            return m
        }
        bounding = mask(caps.bounding, "bounding")
        effective = mask(caps.effective, "effective")
        inheritable = mask(caps.inheritable, "inheritable")
        permitted = mask(caps.permitted, "permitted")
        ambient = mask(caps.ambient, "ambient")
    }

    /// Drops everything outside the bounding set. Needs CAP_SETPCAP, so runs before the uid change.
    func applyBounding(kernel k: any Kernel) throws {
        for c in 0...lastCap where bounding & (1 << UInt64(c)) == 0 {
            if k.prctl(PR_CAPBSET_DROP, UInt(c)) != 0 && errno != EINVAL {
                throw SysError("prctl(PR_CAPBSET_DROP)", capName(c))
            }
        }
    }

    /// Sets effective/permitted/inheritable, then the ambient set (after the uid change).
    func apply(kernel k: any Kernel, log: Logger) throws {
        if k.capset(effective: effective, permitted: permitted, inheritable: inheritable) != 0 {
            throw SysError("capset", "effective 0x\(String(effective, radix: 16)) permitted 0x\(String(permitted, radix: 16))")
        }
        _ = k.prctl(PR_CAP_AMBIENT, UInt(PR_CAP_AMBIENT_CLEAR_ALL), 0, 0, 0)
        for c in 0...lastCap where ambient & (1 << UInt64(c)) != 0 {
            if k.prctl(PR_CAP_AMBIENT, UInt(PR_CAP_AMBIENT_RAISE), UInt(c), 0, 0) != 0 {
                // The kernel needs ambient ⊆ permitted ∩ inheritable; `runc spec`'s default config
                // lists ambient caps without inheritable ones, so that case is only worth a debug line.
                if inheritable & (1 << UInt64(c)) == 0 || permitted & (1 << UInt64(c)) == 0 {
                    log.debug("ambient capability \(capName(c)) not raised: it is not in both the permitted and inheritable sets")
                    continue
                }
                log.warn("cannot raise ambient capability \(capName(c)): \(Errno.describe(errno))")
            }
        }
    }

    func capName(_ bit: Int32) -> String {
        CapabilityNames.all.first { $0.value == bit }?.key ?? "capability \(bit)"
    }
}
