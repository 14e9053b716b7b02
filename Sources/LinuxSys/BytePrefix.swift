// `hasPrefix` on the UTF-8 bytes, for LinuxSys (Sources/OCISpec/BytePrefix.swift, which every
// other module sees, says why).

extension StringProtocol {
    func hasBytePrefix<P: StringProtocol>(_ prefix: P) -> Bool {
        utf8.starts(with: prefix.utf8)
    }
}
