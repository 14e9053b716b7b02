import LinuxSys

/// mount(2) MS_* flags and mount_setattr(2) MOUNT_ATTR_* attributes (values from <linux/mount.h>).
public enum MS {
    public static let rdonly: UInt = 1
    public static let nosuid: UInt = 2
    public static let nodev: UInt = 4
    public static let noexec: UInt = 8
    public static let synchronous: UInt = 16
    public static let remount: UInt = 32
    public static let mandlock: UInt = 64
    public static let dirsync: UInt = 128
    public static let nosymfollow: UInt = 256
    public static let noatime: UInt = 1024
    public static let nodiratime: UInt = 2048
    public static let bind: UInt = 4096
    public static let move: UInt = 8192
    public static let rec: UInt = 16384
    public static let silent: UInt = 32768
    public static let unbindable: UInt = 1 << 17
    public static let `private`: UInt = 1 << 18
    public static let slave: UInt = 1 << 19
    public static let shared: UInt = 1 << 20
    public static let relatime: UInt = 1 << 21
    public static let iversion: UInt = 1 << 23
    public static let strictatime: UInt = 1 << 24
    public static let lazytime: UInt = 1 << 25
    /// Flags that belong to the mount (vfsmount), i.e. the ones a bind remount can change.
    public static let perMount: UInt = rdonly | nosuid | nodev | noexec | nosymfollow | noatime | nodiratime
        | relatime | strictatime
    public static let atimeMask: UInt = noatime | relatime | strictatime
}

public enum MountAttr {
    public static let rdonly: UInt64 = 0x1
    public static let nosuid: UInt64 = 0x2
    public static let nodev: UInt64 = 0x4
    public static let noexec: UInt64 = 0x8
    public static let atimeMask: UInt64 = 0x70   // MOUNT_ATTR__ATIME
    public static let relatime: UInt64 = 0x0
    public static let noatime: UInt64 = 0x10
    public static let strictatime: UInt64 = 0x20
    public static let nodiratime: UInt64 = 0x80
    public static let idmap: UInt64 = 0x100000
    public static let nosymfollow: UInt64 = 0x200000
}

/// What a mount's `options` array asks for, split by the syscall that implements each part.
/// Built by `MountPlan.parse` without any syscall, so it is unit-tested as a table.
public struct MountPlan: Equatable, Sendable {
    /// MS_* flags for mount(2) (includes MS_BIND/MS_REC/MS_REMOUNT).
    public var flags: UInt = 0
    /// MS_* flags explicitly turned off ("rw", "suid", "dev", ...); disjoint from `flags`.
    /// For bind mounts these are not inherited from the source on the remount.
    public var clearFlags: UInt = 0
    /// Propagation changes applied one by one after the mount (MS_SHARED|MS_REC, ...), in order.
    public var propagation: [UInt] = []
    /// mount_setattr(2) with AT_RECURSIVE, from the r* options ("rro", "rnosuid", ...).
    public var recursiveSet: UInt64 = 0
    public var recursiveClear: UInt64 = 0
    /// Unknown options, comma-joined, for mount(2)'s data argument (nil when none).
    public var data: String? = nil
    public var tmpcopyup = false
    /// "idmap" (false) or "ridmap" (true); nil when neither was given.
    public var idmapRecursive: Bool? = nil

    public init() {}

    public var isBind: Bool { flags & MS.bind != 0 }
    public var isRecursiveBind: Bool { flags & MS.bind != 0 && flags & MS.rec != 0 }
    public var hasRecursiveAttrs: Bool { recursiveSet != 0 || recursiveClear != 0 }

    private enum Effect {
        case set(UInt), clear(UInt), atime(UInt)
        case propagate(UInt)
        case rset(UInt64), rclear(UInt64), ratime(UInt64)
        case ignored, tmpcopyup, idmap(Bool)
    }

    /// What one option does; nil for an option the kernel gets as data. A switch, not a
    /// `[String: Effect]`: a String-keyed dictionary makes the Swift runtime scan every protocol
    /// conformance record the first time (Docs/BENCHMARK.md).
    private static func effect(_ option: String) -> Effect? {
        switch option {
        case "async": return .clear(MS.synchronous)
        case "sync": return .set(MS.synchronous)
        case "atime": return .clear(MS.noatime)
        case "noatime": return .atime(MS.noatime)
        case "bind": return .set(MS.bind)
        case "rbind": return .set(MS.bind | MS.rec)
        case "defaults": return .ignored
        case "dev": return .clear(MS.nodev)
        case "nodev": return .set(MS.nodev)
        case "diratime": return .clear(MS.nodiratime)
        case "nodiratime": return .set(MS.nodiratime)
        case "dirsync": return .set(MS.dirsync)
        case "exec": return .clear(MS.noexec)
        case "noexec": return .set(MS.noexec)
        case "iversion": return .set(MS.iversion)
        case "noiversion": return .clear(MS.iversion)
        case "lazytime": return .set(MS.lazytime)
        case "nolazytime": return .clear(MS.lazytime)
        case "loud": return .clear(MS.silent)
        case "silent": return .set(MS.silent)
        case "mand": return .set(MS.mandlock)
        case "nomand": return .clear(MS.mandlock)
        case "relatime": return .atime(MS.relatime)
        case "norelatime": return .clear(MS.relatime)
        case "strictatime": return .atime(MS.strictatime)
        case "nostrictatime": return .clear(MS.strictatime)
        case "suid": return .clear(MS.nosuid)
        case "nosuid": return .set(MS.nosuid)
        case "symfollow": return .clear(MS.nosymfollow)
        case "nosymfollow": return .set(MS.nosymfollow)
        case "ro": return .set(MS.rdonly)
        case "rw": return .clear(MS.rdonly)
        case "remount": return .set(MS.remount)
        case "private": return .propagate(MS.private)
        case "rprivate": return .propagate(MS.private | MS.rec)
        case "shared": return .propagate(MS.shared)
        case "rshared": return .propagate(MS.shared | MS.rec)
        case "slave": return .propagate(MS.slave)
        case "rslave": return .propagate(MS.slave | MS.rec)
        case "unbindable": return .propagate(MS.unbindable)
        case "runbindable": return .propagate(MS.unbindable | MS.rec)
        case "rro": return .rset(MountAttr.rdonly)
        case "rrw": return .rclear(MountAttr.rdonly)
        case "rnosuid": return .rset(MountAttr.nosuid)
        case "rsuid": return .rclear(MountAttr.nosuid)
        case "rnodev": return .rset(MountAttr.nodev)
        case "rdev": return .rclear(MountAttr.nodev)
        case "rnoexec": return .rset(MountAttr.noexec)
        case "rexec": return .rclear(MountAttr.noexec)
        case "rnodiratime": return .rset(MountAttr.nodiratime)
        case "rdiratime": return .rclear(MountAttr.nodiratime)
        case "rnosymfollow": return .rset(MountAttr.nosymfollow)
        case "rsymfollow": return .rclear(MountAttr.nosymfollow)
        // The atime attributes are an enum in mount_setattr: each choice replaces the whole field.
        // "ratime"/"rnostrictatime" fall back to the kernel default (relatime), "rnorelatime" to strictatime.
        case "rnoatime": return .ratime(MountAttr.noatime)
        case "ratime": return .ratime(MountAttr.relatime)
        case "rrelatime": return .ratime(MountAttr.relatime)
        case "rnorelatime": return .ratime(MountAttr.strictatime)
        case "rstrictatime": return .ratime(MountAttr.strictatime)
        case "rnostrictatime": return .ratime(MountAttr.relatime)
        case "tmpcopyup": return .tmpcopyup
        case "idmap": return .idmap(false)
        case "ridmap": return .idmap(true)
        default: return nil
        }
    }

    /// Parses an OCI `options` array. Later options override earlier ones ("ro","rw" -> rw).
    public static func parse(_ options: [String]) -> MountPlan {
        var p = MountPlan()
        var data: [String] = []
        for o in options {
            guard let e = effect(o) else { data.append(o); continue }
            switch e {
            case .set(let f): p.flags |= f; p.clearFlags &= ~f
            case .clear(let f): p.flags &= ~f; p.clearFlags |= f
            case .atime(let f):
                // noatime/relatime/strictatime are mutually exclusive: the last one wins.
                p.flags = (p.flags & ~MS.atimeMask) | f
                p.clearFlags = (p.clearFlags | MS.atimeMask) & ~f
            case .propagate(let f): p.propagation.append(f)
            case .rset(let a): p.recursiveSet |= a; p.recursiveClear &= ~a
            case .rclear(let a): p.recursiveSet &= ~a; p.recursiveClear |= a
            case .ratime(let a):
                p.recursiveSet = (p.recursiveSet & ~MountAttr.atimeMask) | a
                p.recursiveClear |= MountAttr.atimeMask
            case .ignored: break
            case .tmpcopyup: p.tmpcopyup = true
            case .idmap(let r): p.idmapRecursive = (p.idmapRecursive ?? false) || r
            }
        }
        if !data.isEmpty { p.data = data.inlineJoined(separator: ",") }
        return p
    }
}
