#if canImport(Glibc)
import Glibc
#endif

/// The CLI's own output on fds 1 and 2 (no stdio buffering, so nothing is lost at exit and
/// nothing is written twice by a forked child).
public enum StandardStreams {
    /// One write(2) of `bytes` to stderr: how many went, or -1.
    @discardableResult
    public static func writeStderr(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        Glibc.write(2, bytes.baseAddress, bytes.count)
    }

    /// All of `s` to stdout; stops quietly when stdout takes no more (closed pipe, error).
    public static func writeStdout(_ s: String) {
        var s = s
        s.withUTF8 { p in
            var off = 0
            while off < p.count {
                let n = Glibc.write(1, p.baseAddress! + off, p.count - off)
                if n <= 0 { break }
                off += n
            }
        }
    }
}
