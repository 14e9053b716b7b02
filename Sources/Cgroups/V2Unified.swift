/// linux.resources.unified: raw writes of cgroup v2 files, applied last so they override the
/// converted fields. The controller named by a key's prefix must be available in the leaf.
enum V2Unified {
    static func validate(key: String) throws -> String {
        guard !key.isEmpty, key != ".", key != "..", !key.contains("/"), !key.utf8.contains(0) else {
            throw CgroupError("invalid unified resource \"\(key)\": must be a file name")
        }
        guard let dot = key.firstIndex(of: "."), dot != key.startIndex else {
            throw CgroupError("invalid unified resource \"\(key)\": expected <controller>.<file>")
        }
        return String(key[..<dot])
    }

    static func apply(_ unified: [String: String], _ ctx: inout ApplyContext) throws {
        for key in unified.keys.sorted() {
            let controller = try validate(key: key)
            if controller != "cgroup" && !ctx.available.contains(controller) {
                throw CgroupError("unified resource \"\(key)\": the \(controller) controller is not available in \(ctx.dir)")
            }
            if controller == "cgroup" && (key == "cgroup.procs" || key == "cgroup.threads" || key == "cgroup.subtree_control") {
                throw CgroupError("unified resource \"\(key)\" is not a resource setting")
            }
            guard ctx.exists(key) else {
                throw CgroupError("unified resource \"\(key)\" does not exist in \(ctx.dir)")
            }
            try ctx.write(key, unified[key]!)
        }
    }
}
