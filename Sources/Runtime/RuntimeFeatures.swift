import OCISpec
import Seccomp

/// The `features` document (features.md): exactly what this build implements.
public enum RuntimeFeatures {
    public static func document() -> Features {
        var linux = LinuxFeatures()
        linux.namespaces = ["cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"]
        linux.capabilities = CapabilityNames.all.sorted { $0.value < $1.value }.map(\.key)
        linux.cgroup = CgroupFeatures(v1: true, v2: true, systemd: false, systemdUser: false, rdma: true)
        linux.seccomp = Seccomp.featuresObject()
        linux.apparmor = EnabledFeature(enabled: false)
        linux.selinux = EnabledFeature(enabled: false)
        linux.intelRdt = IntelRdtFeatures(enabled: false)
        linux.mountExtensions = MountExtensionsFeatures(idmap: EnabledFeature(enabled: false))
        linux.netDevices = EnabledFeature(enabled: false)
        return Features(
            ociVersionMin: "1.0.0", ociVersionMax: ociVersion,
            hooks: ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"],
            mountOptions: mountOptions, linux: linux,
            annotations: ["org.swiftrun.version": "0.1.0"])
    }

    /// config.md's Linux mount options that the Rootfs stage implements.
    static let mountOptions = [
        "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "iversion", "lazytime",
        "loud", "mand", "noatime", "nodev", "nodiratime", "noexec", "noiversion", "nolazytime", "nomand",
        "norelatime", "nostrictatime", "nosuid", "nosymfollow", "private", "ratime", "rbind", "rdev",
        "rdiratime", "relatime", "remount", "rexec", "rnoatime", "rnodiratime", "rnodev", "rnoexec",
        "rnorelatime", "rnosuid", "rnosymfollow", "ro", "rprivate", "rrelatime", "rro", "rrw", "rshared",
        "rslave", "rstrictatime", "rsuid", "rsymfollow", "runbindable", "rw", "shared", "silent", "slave",
        "strictatime", "suid", "symfollow", "sync", "tmpcopyup", "unbindable",
    ]

    public static func json() throws -> [UInt8] { SpecLoader.encodePretty(document()) }
}
