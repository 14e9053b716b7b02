import OCISpec

extension Cgroups {
    /// Devices every container may use, appended by the runtime after linux.resources.devices (as runc
    /// does): mknod of any char/block device, /dev/null, zero, full, random, urandom, tty, console (5:1),
    /// ptmx (5:2), pts (136:*) and net/tun (10:200).
    public static let defaultAllowedDevices: [LinuxDeviceCgroup] = [
        LinuxDeviceCgroup(allow: true, type: "c", major: nil, minor: nil, access: "m"),
        LinuxDeviceCgroup(allow: true, type: "b", major: nil, minor: nil, access: "m"),
        LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),    // /dev/null
        LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 8, access: "rwm"),    // /dev/random
        LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 7, access: "rwm"),    // /dev/full
        LinuxDeviceCgroup(allow: true, type: "c", major: 5, minor: 0, access: "rwm"),    // /dev/tty
        LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 5, access: "rwm"),    // /dev/zero
        LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 9, access: "rwm"),    // /dev/urandom
        LinuxDeviceCgroup(allow: true, type: "c", major: 5, minor: 1, access: "rwm"),    // /dev/console
        LinuxDeviceCgroup(allow: true, type: "c", major: 136, minor: nil, access: "rwm"), // /dev/pts/*
        LinuxDeviceCgroup(allow: true, type: "c", major: 5, minor: 2, access: "rwm"),    // /dev/ptmx
        LinuxDeviceCgroup(allow: true, type: "c", major: 10, minor: 200, access: "rwm"), // /dev/net/tun
    ]
}
