#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// linux.personality: personality(2) of the init; execve keeps it.
enum Personality {
    static let domains: [String: UInt] = ["LINUX": 0x0000, "LINUX32": 0x0008]

    /// The persona value. Pure (unit-tested).
    static func value(_ p: LinuxPersonality) throws -> UInt {
        guard let d = domains[p.domain] else {
            throw RuntimeError("linux.personality.domain: unknown domain \"\(p.domain)\"", errno: EINVAL)
        }
        if let f = p.flags?.first {
            // runtime-spec v1.3.0: "Currently no flag values are supported."
            throw RuntimeError("linux.personality.flags: unsupported flag \"\(f)\"", errno: EINVAL)
        }
        return d
    }

    static func apply(_ p: LinuxPersonality) throws {
        let v = try value(p)
        if ProcessControl.personality(v) == -1 {
            let e = errno
            throw RuntimeError("linux.personality", cause: SysError("personality", p.domain, errno: e))
        }
    }
}
