#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// Per-process attributes the init applies to itself before execve: they survive execve, so the
/// container program starts with them.
///
/// Order in the init:
///   1. `applyPrivileged` while the init still holds its full capability set (before
///      `Identity.apply` and `caps.apply`): process.scheduler (realtime/deadline policies, a lower
///      nice and clearing reset-on-fork need CAP_SYS_NICE) and process.ioPriority
///      (IOPRIO_CLASS_RT needs CAP_SYS_NICE or CAP_SYS_ADMIN).
///   2. `applyBeforeExec` last, right before execve: linux.memoryPolicy, linux.personality,
///      process.execCPUAffinity.final (no capability needed). When `applyPrivileged` was not
///      called in this process (`privilegedApplied`, from ProcessFinalize), it applies scheduler
///      and ioPriority too (they then fail with EPERM when the container lacks CAP_SYS_NICE).
enum ProcessAttributes {
    static func applyPrivileged(process: OCISpec.Process, linux: Linux?) throws {
        if let s = process.scheduler { try SchedulerAttr.apply(s) }
        if let io = process.ioPriority { try IOPriority.apply(io) }
    }

    static func applyBeforeExec(process: OCISpec.Process, linux: Linux?, privilegedApplied: Bool) throws {
        if !privilegedApplied { try applyPrivileged(process: process, linux: linux) }
        if let m = linux?.memoryPolicy { try MemoryPolicy.apply(m) }
        if let p = linux?.personality { try Personality.apply(p) }
        if let f = process.execCPUAffinity?.final {
            try CPUAffinityMask.apply(list: f, field: "process.execCPUAffinity.final")
        }
    }

    /// Validates every attribute without a syscall, so `create` can refuse a bad config before
    /// anything starts. Safe to call in the runtime (parent).
    static func validate(process: OCISpec.Process?, linux: Linux?) throws {
        if let s = process?.scheduler { _ = try SchedulerAttr.attr(s) }
        if let io = process?.ioPriority { _ = try IOPriority.value(io) }
        if let m = linux?.memoryPolicy { _ = try MemoryPolicy.call(m) }
        if let p = linux?.personality { _ = try Personality.value(p) }
        if let a = process?.execCPUAffinity {
            if let i = a.initial { _ = try IndexList.parse(i, field: "process.execCPUAffinity.initial") }
            if let f = a.final { _ = try IndexList.parse(f, field: "process.execCPUAffinity.final") }
        }
    }

    /// process.execCPUAffinity.initial: the runtime pins the calling thread right before clone3,
    /// so the child starts on those CPUs. Returns the previous mask (nil when nothing changed),
    /// to hand to `restoreAffinity` right after clone3 in the parent.
    static func applyInitialAffinity(_ a: CPUAffinity?) throws -> [UInt8]? {
        guard let list = a?.initial, !list.trimmingSpaces.isEmpty else { return nil }
        let saved: [UInt8]
        do { saved = try CPUAffinityMask.current() } catch {
            throw RuntimeError("process.execCPUAffinity.initial", cause: error)
        }
        try CPUAffinityMask.apply(list: list, field: "process.execCPUAffinity.initial")
        return saved
    }

    static func restoreAffinity(_ saved: [UInt8]?) {
        guard let saved, !saved.isEmpty else { return }
        _ = try? CPUAffinityMask.set(saved)
    }
}
