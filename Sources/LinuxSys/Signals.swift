import CShim

/// The runtime's signal mask around a foreground child: everything blocked before the child
/// exists (so no signal meant for it is lost or kills us), restored afterwards.
public struct BlockedSignals {
    private var saved = [UInt8](repeating: 0, count: 128)

    public init() { _ = sr_block_all_signals(&saved) }

    public mutating func restore() { _ = sr_restore_signals(&saved) }
}
