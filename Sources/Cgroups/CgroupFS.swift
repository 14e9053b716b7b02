#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// File access inside cgroupfs. Every write is one write(2) on a file opened O_WRONLY|O_TRUNC (no
/// O_CREAT: a missing file means a missing controller). Writes are journaled for tests.
final class CgroupFS {
    struct Write: Equatable { let path: String; let value: String }
    private(set) var journal: [Write] = []

    func write(_ dir: String, _ file: String, _ value: String) throws {
        let path = dir + "/" + file
        do {
            try FileIO.write(path, value)
        } catch let e as SysError {
            throw CgroupError(op: "write", file: file, dir: dir, errno: e.errno)
        }
        journal.append(Write(path: path, value: value))
    }

    func exists(_ dir: String, _ file: String) -> Bool { FileIO.exists(dir + "/" + file) }

    /// File contents without the trailing newline.
    func read(_ dir: String, _ file: String) throws -> String {
        do {
            return trimmed(try FileIO.readString(dir + "/" + file))
        } catch let e as SysError {
            throw CgroupError(op: "read", file: file, dir: dir, errno: e.errno)
        }
    }

    /// nil when the file cannot be read (no error message is made: most callers probe).
    func readOptional(_ dir: String, _ file: String) -> String? {
        guard let s = try? FileIO.readString(dir + "/" + file) else { return nil }
        return trimmed(s)
    }

    /// A single number; "max" reads as UInt64.max.
    func readUInt(_ dir: String, _ file: String) -> UInt64? {
        guard let s = readOptional(dir, file) else { return nil }
        return parseUInt(s)
    }

    /// "key value" lines (memory.stat, cpu.stat, memory.events, ...), in file order.
    func readKeyed(_ dir: String, _ file: String) -> [(String, UInt64)] {
        guard let s = readOptional(dir, file) else { return [] }
        var out: [(String, UInt64)] = []
        for line in s.byteSplit({ $0 == UInt8(ascii: "\n") }) {
            let f = line.byteSplit { $0 == UInt8(ascii: " ") }
            if f.count == 2, let v = parseUInt(String(f[1])) { out.append((String(f[0]), v)) }
        }
        return out
    }

    func readKeyedMap(_ dir: String, _ file: String) -> [String: UInt64] {
        var m: [String: UInt64] = [:]
        for (k, v) in readKeyed(dir, file) { m[k] = v }
        return m
    }

    /// Space-separated words (cgroup.controllers, cgroup.subtree_control).
    func readWords(_ dir: String, _ file: String) -> [String] {
        (readOptional(dir, file) ?? "").byteSplit { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") }.map(String.init)
    }

    /// Pids listed in cgroup.procs of `dir` and of every sub-cgroup below it.
    func pidsRecursive(_ dir: String) throws -> [Int32] {
        var out: [Int32] = []
        let procs = try read(dir, "cgroup.procs")
        for l in procs.byteSplit({ $0 == UInt8(ascii: "\n") }) { if let p = Int32(l) { out.append(p) } }
        for name in FileIO.listSubdirectories(dir) {
            out += (try? pidsRecursive(dir + "/" + name)) ?? []
        }
        return out
    }

    /// cgroup.procs write with retries of EINVAL (the task may still be TASK_NEW).
    func addProcess(_ dir: String, _ pid: Int32) throws {
        var tries = 0
        while true {
            do {
                try write(dir, "cgroup.procs", String(pid))
                return
            } catch let e as CgroupError where e.errno == EINVAL && tries < 5 {
                tries += 1
                Proc.sleep(microseconds: 30_000)
            }
        }
    }

    /// mkdir of each missing component of `rel` below `mount`. Returns the directories it created.
    @discardableResult
    func mkdirLeaf(mount: String, rel: [String], mode: mode_t = 0o755) throws -> [String] {
        var cur = mount
        var created: [String] = []
        for c in rel {
            cur += "/" + c
            do {
                if try FileSystem.mkdir(cur, mode: mode) { created.append(cur) }
            } catch let e as SysError {
                throw CgroupError(op: "mkdir", file: c, dir: String(cur.dropLast(c.count + 1)), errno: e.errno)
            }
        }
        return created
    }

    /// rmdir of `dir` after its sub-cgroups (bottom-up), retrying EBUSY for ~1 s. ENOENT is success.
    func removeTree(_ dir: String) throws {
        for name in FileIO.listSubdirectories(dir) {
            try removeTree(dir + "/" + name)
        }
        var delay: UInt32 = 5_000
        var waited: UInt32 = 0
        while true {
            do {
                try FileSystem.rmdir(dir)
                return
            } catch let err as SysError {
                let e = err.errno
                if e == ENOENT { return }
                if e == EBUSY && waited < 1_000_000 {
                    Proc.sleep(microseconds: delay); waited += delay; delay = min(delay * 2, 100_000)
                    continue
                }
                throw CgroupError("rmdir \(dir): \(Errno.describe(e))", errno: e)
            }
        }
    }
}

func trimmed(_ s: String) -> String {
    // On the bytes: Character steps from the end walk grapheme clusters.
    func blank(_ b: UInt8) -> Bool { b == UInt8(ascii: "\n") || b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") }
    let u = s.utf8
    var lo = u.startIndex, hi = u.endIndex
    while lo != hi, blank(u[u.index(before: hi)]) { hi = u.index(before: hi) }
    while lo != hi, blank(u[lo]) { lo = u.index(after: lo) }
    return String(s[lo..<hi])
}

/// Unsigned number or "max" (UInt64.max); negative numbers (e.g. v1's -1) read as UInt64.max too.
func parseUInt(_ s: String) -> UInt64? {
    let t = trimmed(s)
    if t == "max" { return UInt64.max }
    if let v = UInt64(t) { return v }
    if let v = Int64(t), v < 0 { return UInt64.max }
    return nil
}

/// "max" for -1 (any negative), the number otherwise.
func limitString(_ v: Int64) -> String { v < 0 ? "max" : String(v) }

/// Parses "0-3,7" into [0,1,2,3,7].
func parseList(_ s: String) -> [UInt16] {
    var out: [UInt16] = []
    for part in trimmed(s).split(separator: ",") {
        let r = part.split(separator: "-")
        if r.count == 2, let a = UInt16(r[0]), let b = UInt16(r[1]), a <= b {
            out += Array(a...b)
        } else if r.count == 1, let a = UInt16(r[0]) {
            out.append(a)
        }
    }
    return out
}
