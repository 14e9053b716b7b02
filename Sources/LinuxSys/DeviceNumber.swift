#if canImport(Glibc)
import Glibc
#endif

/// A device number (major:minor) and glibc's dev_t encoding of it. The runtime uses it to check
/// the device nodes it binds or opens inside a container (the null device bound over masked
/// paths, the ptmx of a devpts) before trusting them. Pure; unit-tested.
public struct DeviceNumber: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var major: UInt64
    public var minor: UInt64

    public init(major: UInt64, minor: UInt64) {
        self.major = major
        self.minor = minor
    }

    /// Decodes a dev_t as glibc's major()/minor() do.
    public init(_ dev: dev_t) {
        let d = UInt64(dev)
        major = ((d >> 8) & 0xfff) | ((d >> 32) & 0xffff_f000)
        minor = (d & 0xff) | ((d >> 12) & 0xffff_ff00)
    }

    /// glibc's makedev().
    public var dev: dev_t {
        dev_t((major & 0xfff) << 8 | (minor & 0xff) | (minor & ~0xff) << 12 | (major & ~0xfff) << 32)
    }

    public var description: String { "\(major):\(minor)" }

    /// /dev/null.
    public static let null = DeviceNumber(major: 1, minor: 3)
    /// The ptmx node of every devpts instance.
    public static let ptmx = DeviceNumber(major: 5, minor: 2)
}

/// What fstat says a file is, for checks and error messages.
public enum FileKind {
    /// True when `st` is the character device `want`.
    public static func isCharDevice(_ st: stat, _ want: DeviceNumber) -> Bool {
        isCharDevice(mode: st.st_mode, rdev: st.st_rdev, want)
    }

    public static func isCharDevice(mode: mode_t, rdev: dev_t, _ want: DeviceNumber) -> Bool {
        mode & S_IFMT == S_IFCHR && DeviceNumber(rdev) == want
    }

    /// "a symbolic link", "a regular file", "character device 1:5", ...
    public static func describe(mode: mode_t, rdev: dev_t) -> String {
        switch mode & S_IFMT {
        case S_IFLNK: return "a symbolic link"
        case S_IFREG: return "a regular file"
        case S_IFDIR: return "a directory"
        case S_IFCHR: return "character device \(DeviceNumber(rdev))"
        case S_IFBLK: return "block device \(DeviceNumber(rdev))"
        case S_IFIFO: return "a fifo"
        case S_IFSOCK: return "a socket"
        default: return "a file of mode 0o\(String(mode, radix: 8))"
        }
    }

    public static func describe(_ st: stat) -> String { describe(mode: st.st_mode, rdev: st.st_rdev) }
}
