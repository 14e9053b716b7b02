import Cgroups
import LinuxSys
import OCISpec
import Seccomp

/// The `features` document (features.md): exactly what this build implements.
public enum RuntimeFeatures {
    /// `--systemd-cgroup` works here: systemd is the init and cgroups are unified (the driver
    /// refuses v1 and hybrid hosts).
    static var systemdDriverWorks: Bool {
        SystemdDBus.isRunning() && Cgroups.detectMode() == .unified
    }

    /// `version` is the build's own (`swiftrun --version`); the CLI passes it in because it is
    /// generated for the swiftrun target only.
    public static func document(version: String = "unknown") -> Features {
        var linux = LinuxFeatures()
        linux.namespaces = ["cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"]
        linux.capabilities = CapabilityNames.all.sorted { $0.value < $1.value }.map(\.key)
        linux.cgroup = CgroupFeatures(v1: true, v2: true, systemd: systemdDriverWorks, systemdUser: systemdDriverWorks, rdma: true)
        linux.seccomp = Seccomp.featuresObject()
        // features.md: what the runtime supports, not what this host has enabled. Support for the
        // LSM labels and resctrl is always built in; a label or intelRdt on a host without the LSM
        // or resctrl is refused at create with a clear error.
        linux.apparmor = EnabledFeature(enabled: true)
        linux.selinux = EnabledFeature(enabled: true)
        linux.intelRdt = IntelRdtFeatures(enabled: true)
        linux.mountExtensions = MountExtensionsFeatures(idmap: EnabledFeature(enabled: true))
        linux.netDevices = EnabledFeature(enabled: true)
        linux.memoryPolicy = MemoryPolicyFeatures(
            modes: MemoryPolicy.modes.sorted { $0.value < $1.value }.map(\.key),
            flags: MemoryPolicy.flagBits.sorted { $0.value < $1.value }.map(\.key))
        // process.landlock is not in the features schema yet: reported as annotations.
        let landlockABI = Landlock.abiVersion().abi
        return Features(
            ociVersionMin: "1.0.0", ociVersionMax: ociVersion,
            hooks: ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"],
            mountOptions: mountOptions, linux: linux,
            annotations: [
                "org.swiftrun.version": version,
                "org.swiftrun.libseccomp.version": Seccomp.libseccompVersion,
                "org.swiftrun.landlock.enabled": landlockABI > 0 ? "true" : "false",
                "org.swiftrun.landlock.abi": String(Landlock.knownABI),
                "org.swiftrun.landlock.kernelABI": String(landlockABI),
                // checkpoint/restore drive CRIU (Docs/CHECKPOINT.md): usable when it is installed.
                "org.swiftrun.checkpoint.enabled": Spawn.lookPath("criu") != nil ? "true" : "false",
            ],
            // The config annotations that change what the runtime does (features.md): extra unit
            // properties of the systemd driver, and a CRIU configuration file for checkpoint/restore.
            potentiallyUnsafeConfigAnnotations: ["org.systemd.property.", "org.criu.config"])
    }

    /// config.md's Linux mount options that the Rootfs stage implements.
    static let mountOptions = [
        "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "iversion", "lazytime",
        "loud", "mand", "noatime", "nodev", "nodiratime", "noexec", "noiversion", "nolazytime", "nomand",
        "norelatime", "nostrictatime", "nosuid", "nosymfollow", "private", "ratime", "rbind", "rdev",
        "rdiratime", "relatime", "remount", "rexec", "rnoatime", "rnodiratime", "rnodev", "rnoexec",
        "rnorelatime", "rnosuid", "rnosymfollow", "ro", "rprivate", "rrelatime", "rro", "rrw", "rshared",
        "rslave", "rstrictatime", "rsuid", "rsymfollow", "runbindable", "rw", "shared", "silent", "slave",
        "strictatime", "suid", "symfollow", "sync", "tmpcopyup", "unbindable", "idmap", "ridmap",
    ]

    public static func json(version: String = "unknown") throws -> [UInt8] {
        SpecLoader.encodePretty(document(version: version))
    }
}
