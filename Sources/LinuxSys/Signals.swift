import CShim

/// The runtime's signal mask around a foreground child: everything blocked before the child
/// exists (so no signal meant for it is lost or kills us), restored afterwards.
public struct BlockedSignals {
    private var saved = [UInt8](repeating: 0, count: 128)

    public init() { _ = sr_block_all_signals(&saved) }

    public mutating func restore() { _ = sr_restore_signals(&saved) }
}

public enum Subreaper {
    /// PR_SET_CHILD_SUBREAPER: orphaned descendants are reparented to this process.
    public static func become() throws {
        try sys("prctl(PR_SET_CHILD_SUBREAPER)", "self") { sr_prctl(36, 1, 0, 0, 0) }
    }
}
