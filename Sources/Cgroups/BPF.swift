/// A minimal eBPF assembler: the handful of instructions a cgroup device filter needs.
public struct BPFInstruction: Equatable, Sendable, CustomStringConvertible {
    public var code: UInt8
    public var dst: UInt8
    public var src: UInt8
    public var off: Int16
    public var imm: Int32

    public init(code: UInt8, dst: UInt8 = 0, src: UInt8 = 0, off: Int16 = 0, imm: Int32 = 0) {
        self.code = code; self.dst = dst; self.src = src; self.off = off; self.imm = imm
    }

    // Opcodes (class | op | source).
    static let LDX_W_MEM: UInt8 = 0x61     // BPF_LDX | BPF_W | BPF_MEM
    static let ALU32_AND_K: UInt8 = 0x54   // BPF_ALU | BPF_AND | BPF_K
    static let ALU32_RSH_K: UInt8 = 0x74   // BPF_ALU | BPF_RSH | BPF_K
    static let ALU32_MOV_K: UInt8 = 0xb4   // BPF_ALU | BPF_MOV | BPF_K
    static let ALU32_MOV_X: UInt8 = 0xbc   // BPF_ALU | BPF_MOV | BPF_X
    static let JMP32_JNE_K: UInt8 = 0x56   // BPF_JMP32 | BPF_JNE | BPF_K
    static let JMP32_JNE_X: UInt8 = 0x5e   // BPF_JMP32 | BPF_JNE | BPF_X
    static let JMP_EXIT: UInt8 = 0x95      // BPF_JMP | BPF_EXIT

    /// dst = *(u32 *)(src + off)
    public static func ldxW(_ dst: UInt8, _ src: UInt8, _ off: Int16) -> BPFInstruction { .init(code: LDX_W_MEM, dst: dst, src: src, off: off) }
    /// dst &= imm (32-bit)
    public static func and32(_ dst: UInt8, _ imm: Int32) -> BPFInstruction { .init(code: ALU32_AND_K, dst: dst, imm: imm) }
    /// dst >>= imm (32-bit)
    public static func rsh32(_ dst: UInt8, _ imm: Int32) -> BPFInstruction { .init(code: ALU32_RSH_K, dst: dst, imm: imm) }
    /// dst = imm (32-bit, zero-extended)
    public static func mov32(_ dst: UInt8, imm: Int32) -> BPFInstruction { .init(code: ALU32_MOV_K, dst: dst, imm: imm) }
    /// dst = src (32-bit)
    public static func mov32(_ dst: UInt8, src: UInt8) -> BPFInstruction { .init(code: ALU32_MOV_X, dst: dst, src: src) }
    /// if (u32)dst != imm goto +off
    public static func jne32(_ dst: UInt8, imm: Int32, off: Int16) -> BPFInstruction { .init(code: JMP32_JNE_K, dst: dst, off: off, imm: imm) }
    /// if (u32)dst != (u32)src goto +off
    public static func jne32(_ dst: UInt8, src: UInt8, off: Int16) -> BPFInstruction { .init(code: JMP32_JNE_X, dst: dst, src: src, off: off) }
    public static let exit = BPFInstruction(code: JMP_EXIT)

    /// The 8-byte struct bpf_insn encoding (little-endian host).
    public var bytes: [UInt8] {
        let o = UInt16(bitPattern: off)
        let i = UInt32(bitPattern: imm)
        return [code, (dst & 0x0f) | ((src & 0x0f) << 4), UInt8(o & 0xff), UInt8(o >> 8),
                UInt8(i & 0xff), UInt8((i >> 8) & 0xff), UInt8((i >> 16) & 0xff), UInt8(i >> 24)]
    }

    public var description: String {
        switch code {
        case Self.LDX_W_MEM: return "ldxw r\(dst), [r\(src)\(off >= 0 ? "+" : "")\(off)]"
        case Self.ALU32_AND_K: return "and32 r\(dst), \(imm)"
        case Self.ALU32_RSH_K: return "rsh32 r\(dst), \(imm)"
        case Self.ALU32_MOV_K: return "mov32 r\(dst), \(imm)"
        case Self.ALU32_MOV_X: return "mov32 r\(dst), r\(src)"
        case Self.JMP32_JNE_K: return "jne32 r\(dst), \(imm), +\(off)"
        case Self.JMP32_JNE_X: return "jne32 r\(dst), r\(src), +\(off)"
        case Self.JMP_EXIT: return "exit"
        default: return "op 0x\(String(code, radix: 16))"
        }
    }
}
