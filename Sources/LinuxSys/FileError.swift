#if canImport(Glibc)
import Glibc
#endif

/// A file that opened but may not be used as it is: the wrong type or too large
/// (`FileIO.readRegular`). Names the file; the errno is for callers that map errors to codes.
public struct FileError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Problem: Equatable, Sendable {
        /// The S_IFMT bits of what was found instead of a regular file.
        case notRegular(mode_t)
        /// Larger than this many bytes.
        case tooLarge(Int)
    }

    public let path: String
    public let problem: Problem

    public init(_ path: String, _ problem: Problem) {
        self.path = path
        self.problem = problem
    }

    public var errno: Int32 {
        switch problem {
        case .notRegular(let t): return t == S_IFDIR ? EISDIR : EINVAL
        case .tooLarge: return EFBIG
        }
    }

    public var description: String {
        switch problem {
        case .notRegular(let t): return "\(path) is \(FileError.kindName(t)), not a regular file"
        case .tooLarge(let n): return "\(path) is larger than \(n) bytes"
        }
    }

    /// "a FIFO", "a directory", … for S_IFMT bits.
    public static func kindName(_ type: mode_t) -> String {
        switch type {
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFDIR: return "a directory"
        case S_IFSOCK: return "a socket"
        case S_IFLNK: return "a symbolic link"
        default: return "a special file"
        }
    }
}
