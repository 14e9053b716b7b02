// The configuration `spec` writes: the same content as `runc spec` (runc 1.1), with our ociVersion.

public enum DefaultSpec {
    /// The spec version this runtime implements.
    public static let ociVersion = "1.3.0"

    /// Default config.json. `rootless` maps container root to `hostUID`/`hostGID` in a new user namespace,
    /// drops the network namespace and cgroup device rules, and bind-mounts /sys instead of mounting sysfs.
    public static func make(rootless: Bool, hostUID: UInt32 = 0, hostGID: UInt32 = 0) -> Spec {
        let caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
        var capabilities = LinuxCapabilities()
        capabilities.bounding = caps
        capabilities.effective = caps
        capabilities.permitted = caps
        capabilities.ambient = caps

        var process = Process(user: User(uid: 0, gid: 0), args: ["sh"],
                              env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
                              cwd: "/")
        process.terminal = true
        process.capabilities = capabilities
        process.rlimits = [POSIXRlimit(type: "RLIMIT_NOFILE", hard: 1024, soft: 1024)]
        process.noNewPrivileges = true

        var devptsOptions = ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]
        if !rootless { devptsOptions.append("gid=5") }
        let sysMount = rootless
            ? Mount(destination: "/sys", type: "none", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"])
            : Mount(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"])
        let mounts = [
            Mount(destination: "/proc", type: "proc", source: "proc"),
            Mount(destination: "/dev", type: "tmpfs", source: "tmpfs",
                  options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
            Mount(destination: "/dev/pts", type: "devpts", source: "devpts", options: devptsOptions),
            Mount(destination: "/dev/shm", type: "tmpfs", source: "shm",
                  options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
            Mount(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
            sysMount,
            Mount(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
                  options: ["nosuid", "noexec", "nodev", "relatime", "ro"]),
        ]

        var linux = Linux()
        if rootless {
            linux.uidMappings = [LinuxIDMapping(containerID: 0, hostID: hostUID, size: 1)]
            linux.gidMappings = [LinuxIDMapping(containerID: 0, hostID: hostGID, size: 1)]
            linux.namespaces = ["pid", "ipc", "uts", "mount", "user"].map { LinuxNamespace(type: $0) }
        } else {
            var resources = LinuxResources()
            resources.devices = [LinuxDeviceCgroup(allow: false, access: "rwm")]
            linux.resources = resources
            linux.namespaces = ["pid", "network", "ipc", "uts", "mount"].map { LinuxNamespace(type: $0) }
        }
        linux.maskedPaths = ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                             "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
                             "/proc/scsi"]
        linux.readonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]

        return Spec(ociVersion: ociVersion, process: process, root: Root(path: "rootfs", readonly: true),
                    hostname: "runc", mounts: mounts, linux: linux)
    }
}
