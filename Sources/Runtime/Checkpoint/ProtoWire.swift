/// The Protocol Buffers wire format (proto2), as much of it as CRIU's RPC uses: varints (int32,
/// uint32, bool, enums) and length-delimited fields (strings, embedded messages). CRIU's
/// `rpc.proto` is small and stable, so the few messages swiftrun sends and reads are encoded by
/// hand (CriuMessages.swift) instead of linking a protobuf runtime: no library, no generated code,
/// a few kilobytes in the static binary (Docs/CHECKPOINT.md says why).
struct ProtoWriter {
    private(set) var bytes: [UInt8] = []

    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func key(_ field: Int, _ wireType: UInt64) { varint(UInt64(field) << 3 | wireType) }

    /// int32 and enums: negative values are sign-extended to 64 bits (10 bytes), as protoc does.
    mutating func int32(_ field: Int, _ v: Int32?) {
        guard let v else { return }
        key(field, 0)
        varint(UInt64(bitPattern: Int64(v)))
    }

    mutating func uint32(_ field: Int, _ v: UInt32?) {
        guard let v else { return }
        key(field, 0)
        varint(UInt64(v))
    }

    mutating func bool(_ field: Int, _ v: Bool?) {
        guard let v else { return }
        key(field, 0)
        varint(v ? 1 : 0)
    }

    mutating func string(_ field: Int, _ v: String?) {
        guard let v else { return }
        lengthDelimited(field, Array(v.utf8))
    }

    mutating func message(_ field: Int, _ build: (inout ProtoWriter) -> Void) {
        var w = ProtoWriter()
        build(&w)
        lengthDelimited(field, w.bytes)
    }

    mutating func lengthDelimited(_ field: Int, _ payload: [UInt8]) {
        key(field, 2)
        varint(UInt64(payload.count))
        bytes += payload
    }
}

struct ProtoError: Error, CustomStringConvertible {
    let description: String
}

/// Reads fields one by one; unknown fields are skipped (newer CRIUs add some).
struct ProtoReader {
    enum Value {
        case varint(UInt64)
        case bytes(ArraySlice<UInt8>)
        case fixed(UInt64)
    }

    private let data: ArraySlice<UInt8>
    private var pos: Int

    init(_ data: ArraySlice<UInt8>) {
        self.data = data
        pos = data.startIndex
    }

    mutating func next() throws -> (field: Int, value: Value)? {
        guard pos < data.endIndex else { return nil }
        let k = try readVarint()
        let field = Int(k >> 3)
        guard field > 0 else { throw ProtoError(description: "protobuf: field number 0") }
        switch k & 7 {
        case 0: return (field, .varint(try readVarint()))
        case 1: return (field, .fixed(try readFixed(8)))
        case 2:
            let n = try readVarint()
            guard n <= UInt64(data.endIndex - pos) else { throw ProtoError(description: "protobuf: truncated field \(field)") }
            let s = data[pos..<pos + Int(n)]
            pos += Int(n)
            return (field, .bytes(s))
        case 5: return (field, .fixed(try readFixed(4)))
        case let t: throw ProtoError(description: "protobuf: unsupported wire type \(t) in field \(field)")
        }
    }

    private mutating func readVarint() throws -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while pos < data.endIndex, shift < 64 {
            let b = data[pos]
            pos += 1
            v |= UInt64(b & 0x7f) << shift
            if b < 0x80 { return v }
            shift += 7
        }
        throw ProtoError(description: "protobuf: truncated varint")
    }

    private mutating func readFixed(_ n: Int) throws -> UInt64 {
        guard data.endIndex - pos >= n else { throw ProtoError(description: "protobuf: truncated fixed field") }
        var v: UInt64 = 0
        for i in 0..<n { v |= UInt64(data[pos + i]) << (8 * UInt64(i)) }
        pos += n
        return v
    }
}

extension ProtoReader.Value {
    var int32: Int32 {
        if case .varint(let v) = self { return Int32(truncatingIfNeeded: Int64(bitPattern: v)) }
        return 0
    }
    var bool: Bool {
        if case .varint(let v) = self { return v != 0 }
        return false
    }
    var string: String {
        if case .bytes(let b) = self { return String(decoding: b, as: UTF8.self) }
        return ""
    }
    var bytes: ArraySlice<UInt8> {
        if case .bytes(let b) = self { return b }
        return []
    }
}
