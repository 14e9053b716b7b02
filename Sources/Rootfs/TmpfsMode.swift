#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// The mode of a tmpfs's root. Without `mode=` the kernel makes it 1777, so a tmpfs on an
/// image's 0700 directory would turn it world-writable. Like runc, a tmpfs on a directory that
/// already exists keeps that directory's mode (and sticky/setgid bits); one on a directory the
/// runtime creates gets the kernel's default, and an explicit `mode=` always wins.
enum TmpfsMode {
    static func hasMode(_ data: String?) -> Bool {
        (data ?? "").split(separator: ",").contains { $0.hasBytePrefix("mode=") }
    }

    /// Whether `dest` already exists inside `root` (checked before the mount point is created).
    static func exists(root: Int32, _ dest: String) -> Bool {
        FileDescriptor(adoptingResult: SafePath.openRaw(root: root, dest)) != nil
    }

    /// `data` with `mode=` of the directory `target` (the mount point, before the mount).
    static func data(_ data: String?, keepingModeOf target: Int32, kernel k: any Kernel) -> String? {
        var st = FileStat()
        guard k.fstat(target, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else { return data }
        let mode = "mode=0" + String(st.st_mode & 0o7777, radix: 8)
        if let d = data, !d.isEmpty { return d + "," + mode }
        return mode
    }
}
