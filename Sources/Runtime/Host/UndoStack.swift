/// How to take back each step of an operation that is not finished yet: every step that makes
/// something pushes its undo right after it succeeded; a failure unwinds newest first, success
/// commits (drops them all).
final class UndoStack {
    private var steps: [(what: String, undo: () throws -> Void)] = []

    var isEmpty: Bool { steps.isEmpty }

    func push(_ what: String, _ undo: @escaping () throws -> Void) {
        steps.append((what, undo))
    }

    /// Runs every undo, newest first. One that fails is reported (naming what it undoes) and the
    /// older ones still run. Returns those reports.
    @discardableResult
    func unwind(report: (String) -> Void) -> [String] {
        var failures: [String] = []
        while let s = steps.popLast() {
            do { try s.undo() } catch {
                let m = "undo \(s.what): \(error)"
                failures.append(m)
                report(m)
            }
        }
        return failures
    }

    func commit() { steps.removeAll() }
}
