import LinuxSys

/// cgroup v1 freezer: freezer.state FROZEN / THAWED (FREEZING while in progress).
enum V1Freezer {
    static func freeze(_ fs: CgroupFS, _ dir: String) throws {
        for i in 0..<1000 {
            // Re-request periodically: a freeze can stall on tasks in uninterruptible sleep.
            if i % 50 == 0 { try fs.write(dir, "freezer.state", "FROZEN") }
            if fs.readOptional(dir, "freezer.state") == "FROZEN" { return }
            Proc.sleep(microseconds: i < 50 ? 1_000 : 10_000)
        }
        _ = try? fs.write(dir, "freezer.state", "THAWED")
        throw CgroupError("timed out freezing \(dir)")
    }

    static func thaw(_ fs: CgroupFS, _ dir: String) throws {
        try fs.write(dir, "freezer.state", "THAWED")
        for _ in 0..<1000 {
            if fs.readOptional(dir, "freezer.state") == "THAWED" { return }
            Proc.sleep(microseconds: 1_000)
        }
        throw CgroupError("timed out thawing \(dir)")
    }

    static func isFrozen(_ fs: CgroupFS, _ dir: String) -> Bool {
        fs.readOptional(dir, "freezer.state") == "FROZEN"
    }
}
