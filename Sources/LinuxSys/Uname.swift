#if canImport(Glibc)
import Glibc
#endif

/// uname(2): what the running kernel calls itself.
public struct Uname: Sendable, Equatable {
    public let release: String
    public let machine: String

    /// nil when uname fails.
    public static var current: Uname? {
        var u = utsname()
        guard Glibc.uname(&u) == 0 else { return nil }
        func field<T>(_ v: inout T) -> String {
            withUnsafeBytes(of: &v) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return Uname(release: field(&u.release), machine: field(&u.machine))
    }
}
