#if canImport(Glibc)
import Glibc
#endif

func fwriteStderr(_ p: UnsafeBufferPointer<UInt8>) -> Int {
    write(2, p.baseAddress, p.count)
}

func writeStdout(_ s: String) {
    var s = s
    s.withUTF8 { p in
        var off = 0
        while off < p.count {
            let n = write(1, p.baseAddress! + off, p.count - off)
            if n <= 0 { break }
            off += n
        }
    }
}
