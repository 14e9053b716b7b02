#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import Cgroups
import OCISpec

/// What the runtime remembers about a container, in `<root>/<id>/state.json`.
/// Written atomically (temp file + rename) so lock-free readers (`state`, `list`) never see a torn file.
public struct ContainerRecord: Codable, Sendable {
    public var id: String
    public var pid: Int32
    /// /proc/<pid>/stat start time: tells the container's init from a process that reused its PID.
    public var pidStartTime: UInt64
    public var bundle: String
    public var rootfs: String
    public var created: String
    public var owner: String
    /// False while `create` is still running (status "creating").
    public var initialized: Bool
    /// Whether the init has its own pid namespace (then killing it ends every container process).
    public var ownPidNamespace: Bool
    /// What later commands need from the config without decoding it: annotations (state),
    /// hooks (start, delete), whether there is a process (start). The whole config, as it was at
    /// create time, is kept in `<root>/<id>/config.json` (see `config(of:)`): later edits of the
    /// bundle's config.json must not affect the container.
    public var annotations: [String: String]?
    public var hooks: Hooks?
    public var hasProcess: Bool
    /// The container's cgroup: the host's mode and the leaf path per controller.
    public var cgroupMode: CgroupMode?
    public var cgroupPaths: [String: String]?
    /// The systemd driver's unit holding the cgroup (e.g. "docker-ID.scope"); nil with the
    /// cgroupfs driver.
    public var systemdUnit: String? = nil
    /// resctrl groups to remove on delete (from the create intent); nil without linux.intelRdt.
    public var resctrlDirs: [String]? = nil
    /// As CreateIntent.hostRootfsBelowMountID: set when the rootfs is mounted in the runtime's
    /// mount namespace (no mount namespace in the config).
    public var hostRootfsBelowMountID: Int? = nil
}

public enum ContainerStatus: String, Sendable {
    case creating, created, running, stopped, paused
}

/// Per-container directories under the runtime root, with a lock per container. Every verb gets
/// one: it is also where the verb's log is carried (built by the CLI from --log, --log-format and
/// --debug), so the runtime has no log settings of its own.
public struct StateStore: Sendable {
    public let root: String
    /// Where the verbs' warnings and the failing verb's error go.
    public let log: Logger
    public init(root: String, log: Logger = .stderr) {
        self.root = root
        self.log = log
    }

    public func dir(_ id: String) -> String { root + "/" + id }
    func statePath(_ id: String) -> String { dir(id) + "/state.json" }
    func intentPath(_ id: String) -> String { dir(id) + "/intent.json" }
    /// The socket the waiting init accepts `start` on; its presence means "created".
    public func startSocket(_ id: String) -> String { dir(id) + "/init.sock" }

    /// Makes `<root>/<id>` for a new container and locks it. Fails when the id is taken.
    public func create(_ id: String) throws -> ContainerLock {
        try ContainerID.validate(id)
        try FileIO.mkdirAll(root, mode: 0o711)
        let made: Bool
        do { made = try FileSystem.mkdir(dir(id), mode: 0o711) } catch {
            throw RuntimeError("create state directory", cause: error)
        }
        if !made { throw RuntimeError("container with id \"\(id)\" already exists", errno: EEXIST) }
        return try ContainerLock(dir: dir(id))
    }

    /// Locks an existing container's directory; concurrent commands on one id queue here.
    public func lock(_ id: String) throws -> ContainerLock {
        try ContainerID.validate(id)
        let lock: ContainerLock
        do { lock = try ContainerLock(dir: dir(id)) } catch let e as SysError where e.code == .notFound {
            throw RuntimeError("container \"\(id)\" does not exist", errno: ENOENT)
        }
        // It may have been deleted while we waited (and even made anew: then we lock a dead inode).
        guard let held = FileIO.status(fd: lock.fd), let now = FileIO.status(dir(id)),
              held.st_ino == now.st_ino && held.st_dev == now.st_dev else {
            lock.release()
            throw RuntimeError("container \"\(id)\" does not exist", errno: ENOENT)
        }
        return lock
    }

    public func load(_ id: String) throws -> ContainerRecord {
        try ContainerID.validate(id)
        let bytes: [UInt8]
        do { bytes = try FileIO.read(statePath(id)) } catch let e as SysError where e.code == .notFound {
            throw RuntimeError("container \"\(id)\" does not exist", errno: ENOENT)
        }
        do { return try SpecLoader.decode(ContainerRecord.self, bytes, file: statePath(id), fast: ContainerRecord.read) } catch {
            throw RuntimeError("read state of container \"\(id)\": \(error)")
        }
    }

    public func save(_ r: ContainerRecord) throws {
        try FileIO.writeAtomically(statePath(r.id), r.json())
    }

    /// The config.json the container was created from (copied into its state directory).
    public func config(of r: ContainerRecord) throws -> Spec {
        try loadedConfig(of: r).spec
    }

    /// `config(of:)` with the text of its seccomp profile (the seccomp cache key).
    func loadedConfig(of r: ContainerRecord) throws -> LoadedConfig {
        let bytes: [UInt8]
        do { bytes = try FileIO.read(dir(r.id) + "/config.json") } catch {
            throw RuntimeError("read the config of container \"\(r.id)\"", cause: error)
        }
        return try SpecLoader.loadConfig(bytes, file: dir(r.id) + "/config.json")
    }

    /// One open + write + close in the fresh (locked) directory: no temp file, no rename, no fsync.
    /// A reader only ever sees it once create is gone (it needs the lock), and a write this small
    /// is not torn by a SIGKILL; an unreadable intent only costs its cleanup, never the state dir.
    func saveIntent(_ id: String, _ intent: CreateIntent) throws {
        let path = intentPath(id)
        let fd = FileDescriptor(adopting: try FileIO.open(path, O_WRONLY | O_CREAT | O_EXCL, mode: 0o600))
        try FileIO.writeAll(fd: fd.rawValue, intent.json(), name: path)
    }

    /// Narrows the saved intent (a rootless create that left out cgroups it could not make):
    /// atomically, so that a `delete` after our death reads the old intent or the new one.
    func replaceIntent(_ id: String, _ intent: CreateIntent) throws {
        try FileIO.writeAtomically(intentPath(id), intent.json(), mode: 0o600)
    }

    public func loadIntent(_ id: String) throws -> CreateIntent {
        try ContainerID.validate(id)
        let bytes: [UInt8]
        do { bytes = try FileIO.read(intentPath(id)) } catch let e as SysError where e.code == .notFound {
            throw RuntimeError("container \"\(id)\" does not exist", errno: ENOENT)
        }
        return try SpecLoader.decode(CreateIntent.self, bytes, file: intentPath(id), fast: CreateIntent.read)
    }

    /// Whether some command holds the container's lock right now (never waits for it).
    func isLocked(_ id: String) -> Bool {
        guard let raw = try? FileIO.open(dir(id), O_RDONLY | O_DIRECTORY) else { return false }
        let fd = FileDescriptor(adopting: raw) // closing it drops the lock if we got it
        return FileIO.lockExclusive(fd.rawValue, wait: false) == Errno(EWOULDBLOCK)
    }

    func saveConfig(_ id: String, _ bytes: [UInt8]) throws {
        try FileIO.writeAtomically(dir(id) + "/config.json", bytes)
    }

    public func remove(_ id: String) throws {
        // A restore killed while CRIU ran leaves its bind of the rootfs here: never recurse into it.
        CriuRoot.detach(dir(id))
        try FileIO.removeAll(dir(id))
    }

    /// Containers, including half-made ones (an intent but no state.json yet: being created, or
    /// their create died).
    public func ids() -> [String] {
        FileIO.listDirectory(root).filter { FileIO.exists(statePath($0)) || FileIO.exists(intentPath($0)) }
    }

    public func status(of r: ContainerRecord) -> ContainerStatus {
        guard Proc.isAlive(r.pid, startTime: r.pidStartTime) else { return .stopped }
        if !r.initialized { return .creating }
        if FileIO.exists(startSocket(r.id)) { return .created }
        if let cg = ContainerCgroup.load(r), cg.isFrozen() { return .paused }
        return .running
    }

    /// The runtime-spec state of a container (what `state` prints and hooks read).
    public func ociState(_ r: ContainerRecord, status: ContainerStatus) -> State {
        State(ociVersion: ociVersion, id: r.id, status: status.rawValue,
              pid: status == .stopped ? 0 : r.pid, bundle: r.bundle, annotations: r.annotations)
    }
}

/// The runtime-spec version swiftrun implements.
public let ociVersion = "1.3.0"

/// An exclusive flock on a container's state directory, released on `release()` (once; a
/// second call does nothing) or exit.
///
/// Not on ARC's schedule: `create` hands `fd` to the init across clone3 as a number (its
/// `lockFD`), and the child, which never returns, may drop its reference to this object at any
/// point; so a lock that goes away unreleased hands its fd over (to the process's exit, or the
/// init's fd hygiene) instead of closing it.
public final class ContainerLock {
    private var owned: FileDescriptor?
    /// The directory fd (borrowed); -1 once released.
    var fd: Int32 { owned.raw() }

    init(dir: String) throws {
        let d = FileDescriptor(adopting: try FileIO.open(dir, O_RDONLY | O_DIRECTORY))
        if let e = FileIO.lockExclusive(d.rawValue) { throw SysError("flock", dir, errno: e.rawValue) }
        owned = consume d
    }

    deinit { _ = owned.release() }

    public func release() { owned = nil }
}
