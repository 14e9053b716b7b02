#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// `--preserve-fds N`: the fds among 3..<3+N the caller really passed.
public enum PreservedFDs {
    public static func select(count: Int32, callerFDs: [Int32]?) throws -> [Int32] {
        guard count > 0 else { return [] }
        let end = 3 + Int64(count)
        if let max = FileIO.openFileHardLimit(), end > Int64(truncatingIfNeeded: max) {
            throw RuntimeError("--preserve-fds \(count): more fds than the open file limit allows (\(max))")
        }
        return (callerFDs ?? FDTable.open()).filter { $0 >= 3 && Int64($0) < end }
    }
}
