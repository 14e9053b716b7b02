import LinuxSys

/// cgroup v2 freezer: cgroup.freeze, completion reported by "frozen 1" in cgroup.events.
enum V2Freezer {
    static func freeze(_ fs: CgroupFS, _ dir: String) throws {
        try fs.write(dir, "cgroup.freeze", "1")
        try wait(fs, dir, frozen: true)
    }

    static func thaw(_ fs: CgroupFS, _ dir: String) throws {
        try fs.write(dir, "cgroup.freeze", "0")
        try wait(fs, dir, frozen: false)
    }

    static func isFrozen(_ fs: CgroupFS, _ dir: String) -> Bool {
        fs.readOptional(dir, "cgroup.freeze") == "1"
    }

    /// Polls cgroup.events for up to 10 s.
    static func wait(_ fs: CgroupFS, _ dir: String, frozen: Bool) throws {
        for i in 0..<2000 {
            let ev = fs.readKeyedMap(dir, "cgroup.events")
            guard let f = ev["frozen"] else { return } // no cgroup.events (not a real cgroup2): nothing to wait for
            if (f == 1) == frozen { return }
            Proc.sleep(microseconds: i < 100 ? 1_000 : 5_000)
        }
        throw CgroupError("timed out waiting for \(dir) to become \(frozen ? "frozen" : "thawed")")
    }
}
