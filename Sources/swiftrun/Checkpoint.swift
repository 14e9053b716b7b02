import Runtime

/// The CRIU flags `checkpoint` and `restore` share (runc's names and meanings).
enum CriuCommonFlags {
    static let flags = [
        RuncFlag("image-path", value: true, "Path for the CRIU image files (default: ./checkpoint)."),
        RuncFlag("work-path", value: true, "Path for CRIU's work files and logs (default: the image path)."),
        RuncFlag("tcp-established", "Allow open TCP connections."),
        RuncFlag("ext-unix-sk", "Allow external unix sockets."),
        RuncFlag("shell-job", "Allow shell jobs (a session or terminal from outside the container)."),
        RuncFlag("file-locks", "Handle file locks."),
        RuncFlag("lazy-pages", "Use userfaultfd to restore memory pages lazily."),
        RuncFlag("manage-cgroups-mode", value: true, "cgroups mode: soft|full|strict|ignore (default: soft)."),
        RuncFlag("empty-ns", value: true, repeatable: true, "Create a namespace, but don't restore its properties (network)."),
        RuncFlag("auto-dedup", "Enable auto deduplication of memory images."),
    ]

    static func flags(_ p: Parsed, criu: String?) -> CriuFlags {
        var f = CriuFlags()
        f.imagePath = p.value("image-path") ?? ""
        f.workPath = p.value("work-path") ?? ""
        f.tcpEstablished = p.flag("tcp-established")
        f.extUnixSk = p.flag("ext-unix-sk")
        f.shellJob = p.flag("shell-job")
        f.fileLocks = p.flag("file-locks")
        f.lazyPages = p.flag("lazy-pages")
        f.manageCgroupsMode = p.value("manage-cgroups-mode") ?? ""
        f.emptyNs = p.allValues("empty-ns")
        f.autoDedup = p.flag("auto-dedup")
        f.criu = criu
        return f
    }
}

enum CheckpointCommand {
    static let spec = VerbSpec(
        name: "checkpoint", abstract: "Checkpoint a running container with CRIU.",
        discussion: "CRIU dumps the container's processes into --image-path; without --leave-running or --pre-dump they are then stopped. See Docs/CHECKPOINT.md.",
        flags: CriuCommonFlags.flags + [
            RuncFlag("parent-path", value: true, "Path of the previous images (pre-dump), relative to --image-path."),
            RuncFlag("leave-running", "Leave the processes running after checkpointing."),
            RuncFlag("status-fd", value: true, "CRIU writes \\0 to this fd once lazy pages are ready."),
            RuncFlag("page-server", value: true, "ADDRESS:PORT of the page server."),
            RuncFlag("pre-dump", "Dump the memory only, leaving the container running."),
        ]
    ) { p, cx in
        var o = CheckpointOptions()
        o.common = CriuCommonFlags.flags(p, criu: cx.criu)
        o.parentPath = p.value("parent-path") ?? ""
        o.leaveRunning = p.flag("leave-running")
        o.statusFD = try p.number("status-fd", Int32.self) ?? -1
        o.pageServer = p.value("page-server") ?? ""
        o.preDump = p.flag("pre-dump")
        try Checkpoint.run(store: cx.store, id: p.positional[0], options: o)
        return 0
    }
}
