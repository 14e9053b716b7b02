#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// A tiny rtnetlink (NETLINK_ROUTE) client: messages are built byte by byte (nlmsghdr, then a
/// family header, then rtattrs, all 4-byte aligned, host byte order) and every request asks for
/// an ACK, which is read back and turned into a SysError.
struct Netlink: ~Copyable {
    static let RTM_NEWLINK: UInt16 = 16
    static let RTM_GETLINK: UInt16 = 18
    static let RTM_NEWADDR: UInt16 = 20
    static let RTM_GETADDR: UInt16 = 22
    static let NLMSG_ERROR: UInt16 = 2
    static let NLMSG_DONE: UInt16 = 3
    static let NLM_F_REQUEST: UInt16 = 0x1
    static let NLM_F_ACK: UInt16 = 0x4
    static let NLM_F_DUMP: UInt16 = 0x300
    static let NLM_F_EXCL: UInt16 = 0x200
    static let NLM_F_CREATE: UInt16 = 0x400

    static let IFLA_IFNAME: UInt16 = 3
    static let IFLA_NET_NS_PID: UInt16 = 19
    static let IFLA_NET_NS_FD: UInt16 = 28
    static let IFA_ADDRESS: UInt16 = 1
    static let IFA_LOCAL: UInt16 = 2
    static let IFA_BROADCAST: UInt16 = 4
    static let IFA_FLAGS: UInt16 = 8
    static let IFF_UP: UInt32 = 1
    static let IFA_F_PERMANENT: UInt32 = 0x80

    /// Owned: closed when the Netlink value goes away.
    let socket: FileDescriptor
    var fd: Int32 { socket.rawValue }
    private var seq: UInt32 = 1

    /// A NETLINK_ROUTE socket in the calling thread's network namespace (it stays there).
    init() throws {
        socket = FileDescriptor(adopting: try SocketIO.netlinkRoute())
    }

    // MARK: message building

    /// A message under construction: header placeholder, then payload appended.
    struct Message {
        var bytes: [UInt8]
        init(type: UInt16, flags: UInt16) {
            bytes = []
            Message.put(&bytes, UInt32(0))       // nlmsg_len, patched in `finish`
            Message.put(&bytes, type)
            Message.put(&bytes, flags)
            Message.put(&bytes, UInt32(0))       // seq, patched by `send`
            Message.put(&bytes, UInt32(0))       // pid: the kernel
        }
        static func put<T: FixedWidthInteger>(_ b: inout [UInt8], _ v: T) {
            withUnsafeBytes(of: v) { b.append(contentsOf: $0) }
        }
        mutating func put<T: FixedWidthInteger>(_ v: T) { Message.put(&bytes, v) }
        mutating func align() { while bytes.count % 4 != 0 { bytes.append(0) } }

        /// struct ifinfomsg.
        mutating func ifinfo(index: Int32, flags: UInt32 = 0, change: UInt32 = 0) {
            put(UInt8(AF_UNSPEC)); put(UInt8(0)); put(UInt16(0)); put(index); put(flags); put(change)
        }
        /// struct ifaddrmsg.
        mutating func ifaddr(family: UInt8, prefixlen: UInt8, flags: UInt8, scope: UInt8, index: UInt32) {
            put(family); put(prefixlen); put(flags); put(scope); put(index)
        }
        mutating func attr(_ type: UInt16, _ payload: [UInt8]) {
            put(UInt16(4 + payload.count)); put(type)
            bytes.append(contentsOf: payload)
            align()
        }
        mutating func attr(_ type: UInt16, string s: String) { attr(type, Array(s.utf8) + [0]) }
        mutating func attr<T: FixedWidthInteger>(_ type: UInt16, int v: T) {
            var b: [UInt8] = []; Message.put(&b, v); attr(type, b)
        }
    }

    /// One parsed reply message.
    struct Reply {
        let type: UInt16
        let flags: UInt16
        let seq: UInt32
        let body: ArraySlice<UInt8>
    }

    // MARK: I/O

    private mutating func send(_ m: Message) throws -> UInt32 {
        var b = m.bytes
        let len = UInt32(b.count)
        withUnsafeBytes(of: len) { for i in 0..<4 { b[i] = $0[i] } }
        seq &+= 1
        let s = seq
        withUnsafeBytes(of: s) { for i in 0..<4 { b[8 + i] = $0[i] } }
        let n = SocketIO.sendToKernel(fd, b)
        if n < 0 { throw SysError("netlink send") }
        return s
    }

    private func receive() throws -> [Reply] {
        var buf = [UInt8](repeating: 0, count: 65536)
        let n = SocketIO.receiveSome(fd, into: &buf)
        if n < 0 { throw SysError("netlink receive") }
        var out: [Reply] = []
        var off = 0
        while off + 16 <= n {
            let len = Int(Self.u32(buf, off))
            if len < 16 || off + len > n { break }
            out.append(Reply(type: Self.u16(buf, off + 4), flags: Self.u16(buf, off + 6), seq: Self.u32(buf, off + 8),
                             body: buf[(off + 16)..<(off + len)]))
            off += (len + 3) & ~3
        }
        return out
    }

    /// Sends a request with NLM_F_ACK and waits for its ACK; a negative error becomes a SysError(op).
    mutating func request(_ m: Message, op: String) throws {
        var m = m
        let flagsAt = 6
        let f = Self.u16(m.bytes, flagsAt) | Self.NLM_F_ACK | Self.NLM_F_REQUEST
        withUnsafeBytes(of: f) { m.bytes[flagsAt] = $0[0]; m.bytes[flagsAt + 1] = $0[1] }
        let s = try send(m)
        while true {
            for r in try receive() where r.seq == s {
                if r.type == Self.NLMSG_ERROR {
                    let code = Int32(bitPattern: Self.u32(Array(r.body), 0))
                    if code == 0 { return }
                    throw SysError(op, errno: -code)
                }
            }
        }
    }

    /// A dump request: returns every reply body until NLMSG_DONE.
    mutating func dump(_ m: Message, op: String) throws -> [Reply] {
        var m = m
        let f = Self.NLM_F_REQUEST | Self.NLM_F_DUMP
        withUnsafeBytes(of: f) { m.bytes[6] = $0[0]; m.bytes[7] = $0[1] }
        let s = try send(m)
        var out: [Reply] = []
        while true {
            for r in try receive() where r.seq == s {
                if r.type == Self.NLMSG_DONE { return out }
                if r.type == Self.NLMSG_ERROR {
                    let code = Int32(bitPattern: Self.u32(Array(r.body), 0))
                    if code != 0 { throw SysError(op, errno: -code) }
                    return out
                }
                out.append(r)
            }
        }
    }

    // MARK: parsing

    static func u16(_ b: [UInt8], _ o: Int) -> UInt16 { UInt16(b[o]) | UInt16(b[o + 1]) << 8 }
    static func u32(_ b: [UInt8], _ o: Int) -> UInt32 {
        UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
    }

    /// rtattrs starting at `offset` of `body`: type -> payload.
    static func attributes(_ body: [UInt8], from offset: Int) -> [UInt16: [UInt8]] {
        var out: [UInt16: [UInt8]] = [:]
        var o = offset
        while o + 4 <= body.count {
            let len = Int(u16(body, o))
            let type = u16(body, o + 2) & 0x3fff   // strip NLA_F_NESTED / NLA_F_NET_BYTEORDER
            if len < 4 || o + len > body.count { break }
            out[type] = Array(body[(o + 4)..<(o + len)])
            o += (len + 3) & ~3
        }
        return out
    }
}

/// A permanent global address of an interface, kept to re-add it after a namespace move (the
/// kernel flushes addresses when a device changes namespace).
struct InterfaceAddress: Equatable {
    var family: UInt8
    var prefixlen: UInt8
    var flags: UInt32
    var scope: UInt8
    var address: [UInt8]?
    var local: [UInt8]?
    var broadcast: [UInt8]?
}

extension Netlink {
    /// RTM_GETADDR dump, filtered to `index`, permanent (IFA_F_PERMANENT) and universe scope.
    mutating func permanentGlobalAddresses(index: Int32) throws -> [InterfaceAddress] {
        var m = Message(type: Self.RTM_GETADDR, flags: 0)
        m.ifaddr(family: UInt8(AF_UNSPEC), prefixlen: 0, flags: 0, scope: 0, index: 0)
        var out: [InterfaceAddress] = []
        for r in try dump(m, op: "RTM_GETADDR") where r.type == Self.RTM_NEWADDR {
            let b = Array(r.body)
            guard b.count >= 8 else { continue }
            let idx = Int32(bitPattern: Self.u32(b, 4))
            guard idx == index else { continue }
            let attrs = Self.attributes(b, from: 8)
            var flags = UInt32(b[2])
            if let f = attrs[Self.IFA_FLAGS], f.count >= 4 { flags = Self.u32(f, 0) }
            guard flags & Self.IFA_F_PERMANENT != 0, b[3] == 0 /* RT_SCOPE_UNIVERSE */ else { continue }
            out.append(InterfaceAddress(family: b[0], prefixlen: b[1], flags: flags, scope: b[3],
                                        address: attrs[Self.IFA_ADDRESS], local: attrs[Self.IFA_LOCAL],
                                        broadcast: attrs[Self.IFA_BROADCAST]))
        }
        return out
    }

    /// RTM_NEWADDR of a saved address on `index` (in this socket's namespace).
    mutating func addAddress(_ a: InterfaceAddress, index: Int32) throws {
        var m = Message(type: Self.RTM_NEWADDR, flags: Self.NLM_F_CREATE | Self.NLM_F_EXCL)
        // Keep the flags a user can set (nodad, noprefixroute, ...); drop states the kernel owns.
        let userFlags = a.flags & ~(0x80 /* permanent */ | 0x40 /* tentative */ | 0x08 /* dadfailed */
                                    | 0x20 /* deprecated */ | 0x01 /* secondary */)
        m.ifaddr(family: a.family, prefixlen: a.prefixlen, flags: UInt8(truncatingIfNeeded: userFlags & 0xff),
                 scope: a.scope, index: UInt32(bitPattern: index))
        if let l = a.local { m.attr(Self.IFA_LOCAL, l) }
        if let ad = a.address { m.attr(Self.IFA_ADDRESS, ad) }
        if let br = a.broadcast { m.attr(Self.IFA_BROADCAST, br) }
        if userFlags > 0xff { m.attr(Self.IFA_FLAGS, int: userFlags) }
        try request(m, op: "RTM_NEWADDR")
    }

    /// The ifindex of `name` in this socket's namespace, nil when there is none.
    mutating func index(of name: String) throws -> Int32? {
        var m = Message(type: Self.RTM_GETLINK, flags: 0)
        m.ifinfo(index: 0)
        m.attr(Self.IFLA_IFNAME, string: name)
        let s = try sendGet(m)
        return s
    }

    private mutating func sendGet(_ m: Message) throws -> Int32? {
        var m = m
        let f = Self.NLM_F_REQUEST
        withUnsafeBytes(of: f) { m.bytes[6] = $0[0]; m.bytes[7] = $0[1] }
        let s = try send(m)
        while true {
            for r in try receive() where r.seq == s {
                if r.type == Self.NLMSG_ERROR {
                    let code = Int32(bitPattern: Self.u32(Array(r.body), 0))
                    if code == -ENODEV || code == 0 { return nil }
                    throw SysError("RTM_GETLINK", errno: -code)
                }
                if r.type == Self.RTM_NEWLINK {
                    let b = Array(r.body)
                    return b.count >= 8 ? Int32(bitPattern: Self.u32(b, 4)) : nil
                }
            }
        }
    }
}
