#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// The privilege drop of a container process, shared by the container init (after the rootfs
/// switch) and `exec`'s child (after it joined the container): runc's `finalizeNamespace`, used by
/// both its standard and its setns init. One sequence, so the two can never drift apart:
///
///   1. process.rlimits (prlimit; raising a hard limit needs CAP_SYS_RESOURCE, still held)
///   2. scheduler and ioPriority (need CAP_SYS_NICE, still held)
///   3. the bounding set (PR_CAPBSET_DROP needs CAP_SETPCAP, still held)
///   4. the seccomp filter, when it must go in before no_new_privs is set (SeccompPlan.installEarly)
///   5. chdir(process.cwd) as root, which may reach a directory the user cannot
///   6. fds 0-2 given to process.user.uid (needs CAP_CHOWN)
///   7. supplementary groups, gid, uid (capabilities kept across the change)
///   8. chdir(process.cwd) again as the user; an error only if neither worked
///   9. the cwd must be inside the container's root (CVE-2024-21626)
///  10. effective/permitted/inheritable, then ambient capabilities
///  11. no_new_privs
///
/// Every step goes through `kernel`, so the order is unit-tested against a RecordingKernel.
struct ProcessFinalize {
    let kernel: any Kernel
    let process: OCISpec.Process
    let linux: Linux?
    let seccomp: SeccompPlan?
    /// The process's pid as the host sees it (for a seccomp listener's payload).
    let hostPid: Int32
    /// fds 0-2 are a terminal the runtime made (they are then the process's to own).
    let terminal: Bool
    /// setgroups(2) is allowed in the process's user namespace (Identity.setgroupsAllowed).
    let setgroupsAllowed: Bool
    /// The container's state for a seccomp listener, when the filter is installed early.
    let state: () -> State
    /// The runtime's log (warnings about capabilities the runtime cannot grant).
    let log: Logger

    /// What the exec that follows needs to know.
    struct Done {
        /// Steps 1-2 ran: ProcessAttributes.applyBeforeExec must not repeat them.
        let privilegedApplied: Bool
    }

    func run() throws -> Done {
        let k = kernel
        let p = process
        try Rlimits.apply(p.rlimits ?? [], kernel: k)
        try ProcessAttributes.applyPrivileged(process: p, linux: linux)
        let caps = p.capabilities.map { CapabilitySets($0, kernel: k, log: log) }
        try caps?.applyBounding(kernel: k)
        if let sc = seccomp, sc.installEarly { try sc.install(state: state(), hostPid: hostPid) }
        let cwd = p.cwd
        let chdirBefore = k.chdir(cwd) == 0
        try StdioOwnership.give(to: p.user.uid, terminal: terminal, kernel: k)
        try Identity.apply(p.user, setgroupsAllowed: setgroupsAllowed, kernel: k)
        if k.chdir(cwd) != 0 && !chdirBefore {
            throw RuntimeError("process.cwd: chdir to \"\(cwd)\"", cause: SysError("chdir", cwd))
        }
        try WorkingDirectory.verifyInsideRoot(kernel: k)
        try caps?.apply(kernel: k, log: log)
        if p.noNewPrivileges == true { try NoNewPrivileges.set(kernel: k) }
        return Done(privilegedApplied: true)
    }
}
