import OCISpec

/// cgroup v1 devices: the rule list reduced by DeviceRuleSet, written as the reset line
/// ("a *:* rwm" to devices.deny for an allow-list) followed by one devices.allow (or .deny) line per rule.
enum V1Devices {
    static func apply(_ rules: [LinuxDeviceCgroup], _ ctx: inout ApplyContext) throws {
        let set = try DeviceRuleSet(rules: rules)
        for (file, line) in set.v1Lines { try ctx.write(file, line) }
    }
}
