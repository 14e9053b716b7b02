/// The environment a process gets, as runc builds it: every variable once (a repeated KEY keeps
/// the place of its first occurrence and the value of its last, like Go's os.Setenv), and an
/// unset or empty HOME replaced by the user's home directory from the container's /etc/passwd.
enum Environment {
    /// What precedes the first "=" (all of `entry` without one). The "=" is looked for in the
    /// UTF-8 bytes: searching the Characters would break every entry into grapheme clusters.
    static func key(_ entry: String) -> Substring {
        entry.utf8.firstIndex(of: UInt8(ascii: "=")).map { entry[..<$0] } ?? entry[...]
    }

    /// A linear search, not a `[Substring: Int]` index: environments are short, and a dictionary
    /// makes the Swift runtime scan every protocol conformance record the first time (Docs/BENCHMARK.md).
    static func deduplicated(_ env: [String]) -> [String] {
        var out: [String] = []
        var keys: [Substring] = []
        for e in env {
            let k = key(e)
            if let i = keys.firstIndex(of: k) { out[i] = e } else { out.append(e); keys.append(k) }
        }
        return out
    }

    /// `env` (already deduplicated) with HOME set when it is missing or empty.
    static func withHome(_ env: [String], home: () throws -> String) rethrows -> [String] {
        var env = env
        if let i = env.firstIndex(where: { key($0) == "HOME" }) {
            if env[i] == "HOME=" { env[i] = "HOME=" + (try home()) }
        } else {
            env.append("HOME=" + (try home()))
        }
        return env
    }
}
