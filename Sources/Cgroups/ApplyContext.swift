/// What a controller's apply function needs: the leaf directory, the controllers usable there, whether
/// this is an `update`, and the warnings collected so far.
struct ApplyContext {
    let fs: CgroupFS
    let dir: String
    /// v2: the leaf's cgroup.controllers. v1: unused (each controller gets its own leaf dir).
    let available: Set<String>
    let isUpdate: Bool
    var warnings: [String] = []

    func require(_ controller: String, for field: String) throws {
        guard available.contains(controller) else {
            throw CgroupError("cannot set \(field): the \(controller) controller is not available in \(dir)")
        }
    }

    func write(_ file: String, _ value: String) throws { try fs.write(dir, file, value) }
    func exists(_ file: String) -> Bool { fs.exists(dir, file) }
    func read(_ file: String) -> String? { fs.readOptional(dir, file) }
    mutating func warn(_ s: String) { warnings.append(s) }
}
