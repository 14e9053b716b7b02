import XCTest
@testable import Rootfs

final class MountOptionsTests: XCTestCase {
    func testEveryTableOption() {
        // (option, flags, clearFlags, propagation, recursiveSet, recursiveClear)
        let cases: [(String, UInt, UInt, [UInt], UInt64, UInt64)] = [
            ("async", 0, MS.synchronous, [], 0, 0), ("sync", MS.synchronous, 0, [], 0, 0),
            ("atime", 0, MS.noatime, [], 0, 0),
            ("noatime", MS.noatime, MS.relatime | MS.strictatime, [], 0, 0),
            ("relatime", MS.relatime, MS.noatime | MS.strictatime, [], 0, 0),
            ("strictatime", MS.strictatime, MS.noatime | MS.relatime, [], 0, 0),
            ("norelatime", 0, MS.relatime, [], 0, 0), ("nostrictatime", 0, MS.strictatime, [], 0, 0),
            ("bind", MS.bind, 0, [], 0, 0), ("rbind", MS.bind | MS.rec, 0, [], 0, 0),
            ("defaults", 0, 0, [], 0, 0),
            ("dev", 0, MS.nodev, [], 0, 0), ("nodev", MS.nodev, 0, [], 0, 0),
            ("diratime", 0, MS.nodiratime, [], 0, 0), ("nodiratime", MS.nodiratime, 0, [], 0, 0),
            ("dirsync", MS.dirsync, 0, [], 0, 0),
            ("exec", 0, MS.noexec, [], 0, 0), ("noexec", MS.noexec, 0, [], 0, 0),
            ("iversion", MS.iversion, 0, [], 0, 0), ("noiversion", 0, MS.iversion, [], 0, 0),
            ("lazytime", MS.lazytime, 0, [], 0, 0), ("nolazytime", 0, MS.lazytime, [], 0, 0),
            ("loud", 0, MS.silent, [], 0, 0), ("silent", MS.silent, 0, [], 0, 0),
            ("mand", MS.mandlock, 0, [], 0, 0), ("nomand", 0, MS.mandlock, [], 0, 0),
            ("suid", 0, MS.nosuid, [], 0, 0), ("nosuid", MS.nosuid, 0, [], 0, 0),
            ("symfollow", 0, MS.nosymfollow, [], 0, 0), ("nosymfollow", MS.nosymfollow, 0, [], 0, 0),
            ("ro", MS.rdonly, 0, [], 0, 0), ("rw", 0, MS.rdonly, [], 0, 0),
            ("remount", MS.remount, 0, [], 0, 0),
            ("private", 0, 0, [MS.private], 0, 0), ("rprivate", 0, 0, [MS.private | MS.rec], 0, 0),
            ("shared", 0, 0, [MS.shared], 0, 0), ("rshared", 0, 0, [MS.shared | MS.rec], 0, 0),
            ("slave", 0, 0, [MS.slave], 0, 0), ("rslave", 0, 0, [MS.slave | MS.rec], 0, 0),
            ("unbindable", 0, 0, [MS.unbindable], 0, 0), ("runbindable", 0, 0, [MS.unbindable | MS.rec], 0, 0),
            ("rro", 0, 0, [], MountAttr.rdonly, 0), ("rrw", 0, 0, [], 0, MountAttr.rdonly),
            ("rnosuid", 0, 0, [], MountAttr.nosuid, 0), ("rsuid", 0, 0, [], 0, MountAttr.nosuid),
            ("rnodev", 0, 0, [], MountAttr.nodev, 0), ("rdev", 0, 0, [], 0, MountAttr.nodev),
            ("rnoexec", 0, 0, [], MountAttr.noexec, 0), ("rexec", 0, 0, [], 0, MountAttr.noexec),
            ("rnodiratime", 0, 0, [], MountAttr.nodiratime, 0), ("rdiratime", 0, 0, [], 0, MountAttr.nodiratime),
            ("rnosymfollow", 0, 0, [], MountAttr.nosymfollow, 0), ("rsymfollow", 0, 0, [], 0, MountAttr.nosymfollow),
            ("rnoatime", 0, 0, [], MountAttr.noatime, MountAttr.atimeMask),
            ("ratime", 0, 0, [], MountAttr.relatime, MountAttr.atimeMask),
            ("rrelatime", 0, 0, [], MountAttr.relatime, MountAttr.atimeMask),
            ("rnorelatime", 0, 0, [], MountAttr.strictatime, MountAttr.atimeMask),
            ("rstrictatime", 0, 0, [], MountAttr.strictatime, MountAttr.atimeMask),
            ("rnostrictatime", 0, 0, [], MountAttr.relatime, MountAttr.atimeMask),
        ]
        for (o, f, cl, prop, rs, rc) in cases {
            let p = MountPlan.parse([o])
            XCTAssertEqual(p.flags, f, "flags of \(o)")
            XCTAssertEqual(p.clearFlags, cl, "clearFlags of \(o)")
            XCTAssertEqual(p.propagation, prop, "propagation of \(o)")
            XCTAssertEqual(p.recursiveSet, rs, "recursiveSet of \(o)")
            XCTAssertEqual(p.recursiveClear, rc, "recursiveClear of \(o)")
            XCTAssertNil(p.data, "\(o) must not end up in data")
        }
    }

    func testSpecialOptions() {
        XCTAssertTrue(MountPlan.parse(["tmpcopyup"]).tmpcopyup)
        XCTAssertEqual(MountPlan.parse(["idmap"]).idmapRecursive, false)
        XCTAssertEqual(MountPlan.parse(["ridmap"]).idmapRecursive, true)
        XCTAssertNil(MountPlan.parse(["tmpcopyup"]).data)
    }

    func testUnknownOptionsBecomeData() {
        let p = MountPlan.parse(["nosuid", "mode=755", "size=65536k", "nodev", "lowerdir=/a:/b"])
        XCTAssertEqual(p.flags, MS.nosuid | MS.nodev)
        XCTAssertEqual(p.data, "mode=755,size=65536k,lowerdir=/a:/b")
    }

    func testLaterOptionsWin() {
        XCTAssertEqual(MountPlan.parse(["ro", "rw"]).flags, 0)
        XCTAssertEqual(MountPlan.parse(["ro", "rw"]).clearFlags, MS.rdonly)
        XCTAssertEqual(MountPlan.parse(["rw", "ro"]).flags, MS.rdonly)
        XCTAssertEqual(MountPlan.parse(["rw", "ro"]).clearFlags, 0)
        XCTAssertEqual(MountPlan.parse(["noatime", "strictatime"]).flags, MS.strictatime)
        XCTAssertEqual(MountPlan.parse(["rro", "rrw"]).recursiveSet, 0)
        XCTAssertEqual(MountPlan.parse(["rnoatime", "rstrictatime"]).recursiveSet, MountAttr.strictatime)
        let p = MountPlan.parse(["rbind", "rprivate", "rslave"])
        XCTAssertEqual(p.propagation, [MS.private | MS.rec, MS.slave | MS.rec])
        XCTAssertTrue(p.isRecursiveBind)
    }

    func testStatfsFlagMapping() {
        // ST_RDONLY|ST_NOSUID|ST_NODEV|ST_RELATIME
        XCTAssertEqual(msFlags(fromStatfs: 1 | 2 | 4 | 0x1000), MS.rdonly | MS.nosuid | MS.nodev | MS.relatime)
        XCTAssertEqual(msFlags(fromStatfs: 0x400), MS.noatime)
        XCTAssertEqual(msFlags(fromStatfs: 0), MS.strictatime)
        XCTAssertEqual(msFlags(fromStatfs: 0x2000 | 0x1000), MS.nosymfollow | MS.relatime)
    }

    func testErrorDescription() {
        let e = RootfsError("mount proc to /proc (in rootfs /x/rootfs)", errno: EPERM)
        XCTAssertEqual(e.description, "mount proc to /proc (in rootfs /x/rootfs): operation not permitted")
    }
}
