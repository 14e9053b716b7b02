import Runtime

enum RestoreCommand {
    static let spec = VerbSpec(
        name: "restore", abstract: "Restore a container from a CRIU checkpoint.",
        discussion: "The container is made from the bundle's config.json and its processes restored from --image-path. See Docs/CHECKPOINT.md.",
        flags: CriuCommonFlags.flags + [
            RuncFlag("bundle", short: "b", value: true, "Path to the bundle (default: current directory)."),
            RuncFlag("detach", short: "d", "Detach from the container's process."),
            RuncFlag("pid-file", value: true, "File to write the restored init's pid to."),
            RuncFlag("console-socket", value: true, "Unix socket that receives the restored pty master."),
            RuncFlag("no-subreaper", "Do not make the runtime a child subreaper (foreground)."),
            RuncFlag("no-pivot", "Accepted for runc compatibility (CRIU restores the mount namespace)."),
            RuncFlag("lsm-profile", value: true, "LSM profile for the restored processes (TYPE:NAME)."),
            RuncFlag("lsm-mount-context", value: true, "SELinux mount context for the restored mounts."),
        ]
    ) { p, cx in
        var o = RestoreOptions()
        o.common = CriuCommonFlags.flags(p, criu: cx.criu)
        o.bundle = p.value("bundle") ?? "."
        o.detach = p.flag("detach")
        o.pidFile = p.value("pid-file")
        o.consoleSocket = p.value("console-socket")
        o.noSubreaper = p.flag("no-subreaper")
        o.noPivot = p.flag("no-pivot")
        o.lsmProfile = p.value("lsm-profile")
        o.lsmMountContext = p.value("lsm-mount-context")
        o.systemdCgroup = cx.systemdCgroup
        return try Restore.run(store: cx.store, id: p.positional[0], options: o)
    }
}
