#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// `--work-path`: where CRIU keeps its work files and its log (made 0700 if missing,
/// CriuFlags.makeWorkDirectory); without it, the image directory. Checkpoint and restore open it
/// the same way.
struct CriuWorkDir: ~Copyable {
    /// The directory, open for criu_opts.work_dir_fd; nil without `--work-path`.
    let fd: FileDescriptor?
    /// Where CRIU's log goes: the work directory, else the image directory.
    let logDir: String
    /// Whether this call made the directory (a failed first dump removes it again).
    let made: Bool

    static func open(_ flags: CriuFlags, imageDir: String) throws -> CriuWorkDir {
        guard let w = try flags.makeWorkDirectory() else { return CriuWorkDir(fd: nil, logDir: imageDir, made: false) }
        return CriuWorkDir(fd: FileDescriptor(adopting: try FileIO.open(w.path, O_RDONLY | O_DIRECTORY)),
                           logDir: w.path, made: w.made)
    }
}

extension CriuFlags {
    /// criu_opts as checkpoint and restore both fill them from the shared flags (runc's common
    /// settings: debug log, CRIU's cgroup handling in the chosen mode, notifications, the pty
    /// master outside allowed, the network namespace always empty). `workDirFD` -1: none. Throws
    /// only for the flags `validate` refuses, which both verbs check before anything is made.
    func criuOpts(imagesDirFD: Int32, workDirFD: Int32, logFile: String, root: String, spec: Spec) throws -> CriuOpts {
        var opts = CriuOpts()
        opts.imagesDirFD = imagesDirFD
        opts.logLevel = 4
        opts.logFile = logFile
        opts.root = root
        opts.manageCgroups = true
        opts.manageCgroupsMode = try cgroupMode()
        opts.notifyScripts = true
        opts.shellJob = shellJob
        opts.tcpEstablished = tcpEstablished
        opts.extUnixSk = extUnixSk
        opts.fileLocks = fileLocks
        opts.emptyNs = try emptyNsMask()
        opts.orphanPtsMaster = true
        opts.autoDedup = autoDedup
        opts.lazyPages = lazyPages
        if workDirFD >= 0 { opts.workDirFD = workDirFD }
        opts.configFile = Checkpoint.configFile(spec)
        return opts
    }
}
