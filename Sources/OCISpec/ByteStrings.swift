// Prefix tests and splits on the UTF-8 bytes. What a path, a flag, a variable name or a line of a
// kernel file means (runc's strings.HasPrefix and strings.Split), and without what the String
// versions add: Character-level comparison that checks for grapheme-cluster boundaries, code of
// the standard library that the lifecycle verbs would otherwise fault in for this alone
// (Docs/BENCHMARK.md). Sources/LinuxSys/BytePrefix.swift is `hasBytePrefix` for LinuxSys, which
// does not import this module.

extension StringProtocol {
    @inlinable
    public func hasBytePrefix<P: StringProtocol>(_ prefix: P) -> Bool {
        utf8.starts(with: prefix.utf8)
    }
}

extension StringProtocol where SubSequence == Substring {
    /// The pieces between the bytes `isSeparator` accepts (an ASCII separator: a byte below 0x80
    /// is never inside a longer UTF-8 sequence), empty ones left out unless asked for, like
    /// `split(whereSeparator:)`. Unlike it, "\r\n" is two bytes here, not one Character.
    @inlinable
    public func byteSplit(omittingEmpty: Bool = true, _ isSeparator: (UInt8) -> Bool) -> [Substring] {
        var out: [Substring] = []
        let u = utf8
        var start = u.startIndex
        var i = start
        while i != u.endIndex {
            if isSeparator(u[i]) {
                if !omittingEmpty || start != i { out.append(self[start..<i]) }
                start = u.index(after: i)
            }
            u.formIndex(after: &i)
        }
        if !omittingEmpty || start != u.endIndex { out.append(self[start..<u.endIndex]) }
        return out
    }
}
