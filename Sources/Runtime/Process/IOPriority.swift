#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// process.ioPriority: ioprio_set(IOPRIO_WHO_PROCESS, 0, class << 13 | level).
enum IOPriority {
    static let classes: [String: Int32] = ["IOPRIO_CLASS_RT": 1, "IOPRIO_CLASS_BE": 2, "IOPRIO_CLASS_IDLE": 3]

    /// The ioprio value. Pure (unit-tested).
    static func value(_ p: LinuxIOPriority) throws -> Int32 {
        guard let cls = classes[p.class] else {
            throw RuntimeError("process.ioPriority.class: unknown class \"\(p.class)\"", errno: EINVAL)
        }
        let level = p.priority ?? 0
        if !(0...7).contains(level) {
            throw RuntimeError("process.ioPriority.priority: \(level) is out of range [0, 7]", errno: EINVAL)
        }
        // The idle class has no levels; the kernel wants 0 there.
        return cls << 13 | (cls == 3 ? 0 : Int32(level))
    }

    static func apply(_ p: LinuxIOPriority) throws {
        let v = try value(p)
        if ProcessControl.ioprioSet(v) != 0 {
            let e = errno
            throw RuntimeError("process.ioPriority", cause: SysError("ioprio_set", errno: e))
        }
    }
}
