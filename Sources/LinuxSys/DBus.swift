#if canImport(Glibc)
import Glibc
#endif
import CDBus

/// A D-Bus value with its type, for method arguments and replies (the D-Bus type system:
/// https://dbus.freedesktop.org/doc/dbus-specification.html#type-system). Marshalled by libdbus-1.
public indirect enum DBusValue: Equatable, Sendable, CustomStringConvertible {
    case byte(UInt8)
    case bool(Bool)
    case int16(Int16)
    case uint16(UInt16)
    case int32(Int32)
    case uint32(UInt32)
    case int64(Int64)
    case uint64(UInt64)
    case double(Double)
    case string(String)
    case objectPath(String)
    /// An array with its element signature (needed for empty arrays), e.g. "s" for `as`.
    case array(element: String, [DBusValue])
    case structure([DBusValue])
    case variant(DBusValue)

    /// The D-Bus signature of this value.
    public var signature: String {
        switch self {
        case .byte: return "y"
        case .bool: return "b"
        case .int16: return "n"
        case .uint16: return "q"
        case .int32: return "i"
        case .uint32: return "u"
        case .int64: return "x"
        case .uint64: return "t"
        case .double: return "d"
        case .string: return "s"
        case .objectPath: return "o"
        case .array(let e, _): return "a" + e
        case .structure(let v): return "(" + v.map(\.signature).inlineJoined() + ")"
        case .variant: return "v"
        }
    }

    public var description: String {
        switch self {
        case .byte(let v): return "\(v)"
        case .bool(let v): return "\(v)"
        case .int16(let v): return "\(v)"
        case .uint16(let v): return "\(v)"
        case .int32(let v): return "\(v)"
        case .uint32(let v): return "\(v)"
        case .int64(let v): return "\(v)"
        case .uint64(let v): return v == UInt64.max ? "infinity" : "\(v)"
        case .double(let v): return "\(v)"
        case .string(let v), .objectPath(let v): return "\"\(v)\""
        case .array(_, let v): return "[" + v.map(\.description).inlineJoined(separator: ", ") + "]"
        case .structure(let v): return "(" + v.map(\.description).inlineJoined(separator: ", ") + ")"
        case .variant(let v): return v.description
        }
    }

    public var stringValue: String? {
        switch self {
        case .string(let s), .objectPath(let s): return s
        case .variant(let v): return v.stringValue
        default: return nil
        }
    }
}

/// An error reply (or a local failure) from libdbus: its D-Bus error name and message.
public struct DBusError: Error, CustomStringConvertible, Equatable {
    /// e.g. "org.freedesktop.systemd1.UnitExists", "org.freedesktop.DBus.Error.NoReply".
    public let name: String
    public let message: String
    public init(name: String, message: String) { self.name = name; self.message = message }
    public var description: String { message.isEmpty ? name : "\(message) (\(name))" }
}

/// A signal received on a connection.
public struct DBusSignal: Sendable {
    public let interface: String
    public let member: String
    public let path: String
    public let args: [DBusValue]
}

/// A private connection to a message bus through libdbus-1: blocking method calls and a signal
/// queue, single-threaded (libdbus dispatches nothing on its own). Closed on deinit.
public final class DBusConnection {
    private let conn: OpaquePointer

    private init(_ conn: OpaquePointer) {
        self.conn = conn
        // libdbus would _exit(1) the process when the bus goes away; we report an error instead.
        dbus_connection_set_exit_on_disconnect(conn, 0)
    }

    deinit {
        dbus_connection_close(conn)
        dbus_connection_unref(conn)
    }

    /// The system bus (DBUS_SYSTEM_BUS_ADDRESS, else /run/dbus/system_bus_socket), authenticated
    /// and registered (Hello).
    public static func system() throws -> DBusConnection {
        var err = CDBus.DBusError()
        dbus_error_init(&err)
        guard let c = dbus_bus_get_private(DBUS_BUS_SYSTEM, &err) else { throw take(&err, "connect to the system bus") }
        return DBusConnection(c)
    }

    /// A bus at `address` (e.g. "unix:path=/run/dbus/system_bus_socket"), registered with Hello.
    public static func connect(address: String) throws -> DBusConnection {
        var err = CDBus.DBusError()
        dbus_error_init(&err)
        guard let c = dbus_connection_open_private(address, &err) else { throw take(&err, "connect to \(address)") }
        let dc = DBusConnection(c)
        guard dbus_bus_register(c, &err) != 0 else { throw take(&err, "register on \(address)") }
        return dc
    }

    /// The bus's name for this connection (":1.42"), nil before Hello.
    public var uniqueName: String? { dbus_bus_get_unique_name(conn).map { String(cString: $0) } }

    /// Calls `method` and waits up to `timeoutMs` for the reply; an error reply throws DBusError.
    public func call(destination: String, path: String, interface: String, method: String,
                     args: [DBusValue] = [], timeoutMs: Int32 = 30_000) throws -> [DBusValue] {
        guard let msg = dbus_message_new_method_call(destination, path, interface, method) else {
            throw DBusError(name: "org.freedesktop.DBus.Error.NoMemory", message: "new method call \(interface).\(method)")
        }
        defer { dbus_message_unref(msg) }
        var it = DBusMessageIter()
        dbus_message_iter_init_append(msg, &it)
        for a in args { try Self.append(a, to: &it) }
        var err = CDBus.DBusError()
        dbus_error_init(&err)
        guard let reply = dbus_connection_send_with_reply_and_block(conn, msg, timeoutMs, &err) else {
            throw Self.take(&err, "\(interface).\(method)")
        }
        defer { dbus_message_unref(reply) }
        return Self.read(reply)
    }

    /// Adds a match rule (so the bus routes matching signals to us), e.g.
    /// "type='signal',interface='org.freedesktop.systemd1.Manager',member='JobRemoved'".
    public func addMatch(_ rule: String) throws {
        var err = CDBus.DBusError()
        dbus_error_init(&err)
        dbus_bus_add_match(conn, rule, &err)
        if dbus_error_is_set(&err) != 0 { throw Self.take(&err, "add match \(rule)") }
    }

    /// The next signal already received or arriving within `timeoutMs`; nil on timeout. Method
    /// calls and replies that are not ours are dropped.
    public func nextSignal(timeoutMs: Int32) throws -> DBusSignal? {
        let end = Self.nowMs() + Int64(timeoutMs)
        while true {
            while let m = dbus_connection_pop_message(conn) {
                defer { dbus_message_unref(m) }
                if dbus_message_get_type(m) == DBUS_MESSAGE_TYPE_SIGNAL {
                    let s = DBusSignal(interface: Self.str(dbus_message_get_interface(m)),
                                       member: Self.str(dbus_message_get_member(m)),
                                       path: Self.str(dbus_message_get_path(m)), args: Self.read(m))
                    if s.interface == "org.freedesktop.DBus.Local" && s.member == "Disconnected" {
                        throw DBusError(name: "org.freedesktop.DBus.Error.Disconnected", message: "the bus closed the connection")
                    }
                    return s
                }
            }
            let left = end - Self.nowMs()
            if left <= 0 { return nil }
            if dbus_connection_read_write(conn, Int32(min(left, 1000))) == 0 {
                throw DBusError(name: "org.freedesktop.DBus.Error.Disconnected", message: "the bus connection is closed")
            }
        }
    }

    /// The first signal `match` accepts within `timeoutMs` (others are dropped); nil on timeout.
    public func waitForSignal(timeoutMs: Int32, _ match: (DBusSignal) -> Bool) throws -> DBusSignal? {
        let end = Self.nowMs() + Int64(timeoutMs)
        while true {
            let left = end - Self.nowMs()
            guard left > 0, let s = try nextSignal(timeoutMs: Int32(left)) else { return nil }
            if match(s) { return s }
        }
    }

    static func nowMs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    // ------------------------------------------------------------ marshalling

    private static func type(_ c: Character) -> Int32 { Int32(c.asciiValue!) }

    private static func append(_ v: DBusValue, to it: inout DBusMessageIter) throws {
        func basic<T: BitwiseCopyable>(_ t: Character, _ value: T) throws {
            var x = value
            if withUnsafeMutableBytes(of: &x, { dbus_message_iter_append_basic(&it, type(t), $0.baseAddress) }) == 0 { throw oom() }
        }
        switch v {
        case .byte(let x): try basic("y", x)
        case .bool(let x): try basic("b", dbus_bool_t(x ? 1 : 0))
        case .int16(let x): try basic("n", x)
        case .uint16(let x): try basic("q", x)
        case .int32(let x): try basic("i", x)
        case .uint32(let x): try basic("u", x)
        case .int64(let x): try basic("x", x)
        case .uint64(let x): try basic("t", x)
        case .double(let x): try basic("d", x)
        case .string(let s), .objectPath(let s):
            if s.utf8.contains(0) {
                throw DBusError(name: "org.freedesktop.DBus.Error.InvalidArgs", message: "string with a NUL byte")
            }
            let t: Character = if case .string = v { "s" } else { "o" }
            try s.withCString { p in
                var cp: UnsafePointer<CChar>? = p
                if dbus_message_iter_append_basic(&it, type(t), &cp) == 0 { throw oom() }
            }
        case .array(let element, let items):
            var sub = DBusMessageIter()
            guard dbus_message_iter_open_container(&it, type("a"), element, &sub) != 0 else { throw oom() }
            for i in items {
                guard i.signature == element else {
                    dbus_message_iter_abandon_container(&it, &sub)
                    throw DBusError(name: "org.freedesktop.DBus.Error.InvalidArgs",
                                    message: "array of \(element) holds a \(i.signature)")
                }
                try append(i, to: &sub)
            }
            guard dbus_message_iter_close_container(&it, &sub) != 0 else { throw oom() }
        case .structure(let fields):
            var sub = DBusMessageIter()
            guard dbus_message_iter_open_container(&it, type("r"), nil, &sub) != 0 else { throw oom() }
            for f in fields { try append(f, to: &sub) }
            guard dbus_message_iter_close_container(&it, &sub) != 0 else { throw oom() }
        case .variant(let inner):
            var sub = DBusMessageIter()
            guard dbus_message_iter_open_container(&it, type("v"), inner.signature, &sub) != 0 else { throw oom() }
            try append(inner, to: &sub)
            guard dbus_message_iter_close_container(&it, &sub) != 0 else { throw oom() }
        }
    }

    private static func read(_ m: OpaquePointer) -> [DBusValue] {
        var it = DBusMessageIter()
        guard dbus_message_iter_init(m, &it) != 0 else { return [] }
        return readAll(&it)
    }

    private static func readAll(_ it: inout DBusMessageIter) -> [DBusValue] {
        var out: [DBusValue] = []
        while dbus_message_iter_get_arg_type(&it) != 0 { // 0: DBUS_TYPE_INVALID
            if let v = readOne(&it) { out.append(v) }
            if dbus_message_iter_next(&it) == 0 { break }
        }
        return out
    }

    private static func readOne(_ it: inout DBusMessageIter) -> DBusValue? {
        let t = dbus_message_iter_get_arg_type(&it)
        var b = DBusBasicValue()
        func get() { dbus_message_iter_get_basic(&it, &b) }
        switch UInt8(truncatingIfNeeded: t) {
        case UInt8(ascii: "y"): get(); return .byte(b.byt)
        case UInt8(ascii: "b"): get(); return .bool(b.bool_val != 0)
        case UInt8(ascii: "n"): get(); return .int16(b.i16)
        case UInt8(ascii: "q"): get(); return .uint16(b.u16)
        case UInt8(ascii: "i"): get(); return .int32(b.i32)
        case UInt8(ascii: "u"): get(); return .uint32(b.u32)
        case UInt8(ascii: "x"): get(); return .int64(Int64(b.i64))
        case UInt8(ascii: "t"): get(); return .uint64(UInt64(b.u64))
        case UInt8(ascii: "d"): get(); return .double(b.dbl)
        case UInt8(ascii: "s"), UInt8(ascii: "g"): get(); return .string(str(b.str))
        case UInt8(ascii: "o"): get(); return .objectPath(str(b.str))
        case UInt8(ascii: "a"):
            let elem = dbus_message_iter_get_signature(&it).map { p -> String in
                defer { dbus_free(p) }
                return String(String(cString: p).dropFirst())
            } ?? ""
            var sub = DBusMessageIter()
            dbus_message_iter_recurse(&it, &sub)
            return .array(element: elem, readAll(&sub))
        case UInt8(ascii: "r"), UInt8(ascii: "e"):
            var sub = DBusMessageIter()
            dbus_message_iter_recurse(&it, &sub)
            return .structure(readAll(&sub))
        case UInt8(ascii: "v"):
            var sub = DBusMessageIter()
            dbus_message_iter_recurse(&it, &sub)
            return readOne(&sub).map { .variant($0) }
        default:
            return nil  // unix fds and anything newer: not used by the runtime
        }
    }

    private static func str(_ p: UnsafePointer<CChar>?) -> String { p.map { String(cString: $0) } ?? "" }
    private static func str(_ p: UnsafeMutablePointer<CChar>?) -> String { p.map { String(cString: $0) } ?? "" }

    private static func oom() -> DBusError {
        DBusError(name: "org.freedesktop.DBus.Error.NoMemory", message: "out of memory marshalling a D-Bus message")
    }

    /// Converts a set libdbus error into DBusError and frees it.
    private static func take(_ e: inout CDBus.DBusError, _ what: String) -> DBusError {
        defer { dbus_error_free(&e) }
        if dbus_error_is_set(&e) == 0 { return DBusError(name: "org.freedesktop.DBus.Error.Failed", message: what) }
        return DBusError(name: str(e.name), message: "\(what): \(str(e.message))")
    }
}
