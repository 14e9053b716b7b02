/// Placeholder until the cgroup managers land.
enum CgroupsPlaceholder {}
