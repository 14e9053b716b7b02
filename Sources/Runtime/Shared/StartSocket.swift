import LinuxSys

/// The start socket's protocol (`<root>/<id>/init.sock`, SOCK_SEQPACKET, close-on-exec in the init):
/// `start` sends `request`; the init runs the startContainer hooks, sends `execing` and execs the
/// program, or sends an error text. The exec (or the init's death) then closes the socket.
/// EOF alone is no proof of an exec: an init killed after `accept` closes the socket too, and only
/// `execing` tells the two apart (an init killed between `execing` and execve looks like a program
/// that exited at once).
enum StartSocket {
    static let request = UInt8(ascii: "s")
    /// Sent once everything that may fail before exec has passed (hooks done).
    static let execing: UInt8 = 0
    /// `start` reads no more than this from the init (error texts are short).
    static let maxReply = 64 * 1024

    /// Ahead of an error reply: then the errno (4 bytes, little-endian), the ErrorCode (1 byte)
    /// and the text. A reply without it is text alone (an init of an older swiftrun).
    static let failure: UInt8 = 1

    /// The bytes of an error reply for `error`.
    static func failureReply(_ error: Error) -> [UInt8] {
        let c = error as? ErrnoCarrying
        let e = c?.carriedErrno ?? 0
        return [failure] + withUnsafeBytes(of: e.littleEndian) { Array($0) } + [(c?.code ?? .system).rawValue]
            + Array("\(error)".utf8)
    }

    enum Outcome: Equatable {
        case started
        case failed(String, errno: Int32? = nil, code: ErrorCode = .system)
        /// EOF without `execing`: the init died before it got to exec.
        case initDied
    }

    /// What everything the init sent until EOF means.
    static func outcome(of reply: [UInt8]) -> Outcome {
        var rest = reply[...]
        let execed = rest.first == execing
        if execed { rest = rest.dropFirst() }
        if rest.first == failure, rest.count >= 6 {
            let b = Array(rest.prefix(6))
            let e = Int32(littleEndian: b[1..<5].withUnsafeBytes { $0.loadUnaligned(as: Int32.self) })
            return .failed(String(decoding: rest.dropFirst(6), as: UTF8.self), errno: e == 0 ? nil : e,
                           code: ErrorCode(rawValue: b[5]) ?? .system)
        }
        if !rest.isEmpty { return .failed(String(decoding: rest, as: UTF8.self)) }
        return execed ? .started : .initDied
    }
}
