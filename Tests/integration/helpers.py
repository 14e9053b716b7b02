"""Shared helpers for the black-box integration suite.

Everything here drives the runtime binary as an external program; nothing
imports project code.
"""

import copy
import hashlib
import json
import os
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
import uuid

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.path.abspath(
    os.environ.get("SWIFTRUN", os.path.join(REPO, ".build", "release", "swiftrun"))
)
IS_RUNC = os.path.basename(BINARY) == "runc"

# Flip to True when swiftrun gains cgroup support (linux.resources).
SWIFTRUN_HAS_CGROUPS = True

DEFAULT_TIMEOUT = int(os.environ.get("SWIFTRUN_TIMEOUT", "20"))

def swiftrun_only_because(why):
    """Skip for runc 1.1.5 with a reason explaining how runc differs."""
    return pytest.mark.skipif(IS_RUNC, reason="swiftrun-only: runc 1.1.5 " + why)


def new_id(prefix="t"):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:12])


DEFAULT_CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]


def default_config():
    """Like `runc spec`, but non-terminal, without linux.resources and
    without the cgroup mount, and writable root."""
    return {
        "ociVersion": "1.0.2",
        "process": {
            "terminal": False,
            "user": {"uid": 0, "gid": 0},
            "args": ["true"],
            "env": [
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "TERM=xterm",
            ],
            "cwd": "/",
            "capabilities": {k: list(DEFAULT_CAPS) for k in
                             ("bounding", "effective", "permitted", "ambient")},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": True,
        },
        "root": {"path": "rootfs", "readonly": False},
        "hostname": "itest",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666",
                         "mode=0620", "gid=5"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
             "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
            {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
             "options": ["nosuid", "noexec", "nodev"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs",
             "options": ["nosuid", "noexec", "nodev", "ro"]},
        ],
        "linux": {
            "namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount")],
            "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                            "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                            "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
            "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                              "/proc/sysrq-trigger"],
        },
    }


class Bundle:
    def __init__(self, path, rootfs, config):
        self.path = path
        self.rootfs = rootfs  # host path of the rootfs this bundle uses
        self.config = config

    @property
    def process(self):
        return self.config["process"]

    def args(self, *argv):
        self.config["process"]["args"] = list(argv)
        return self

    def sh(self, script):
        return self.args("sh", "-c", script)

    def remove_ns(self, kind):
        ns = self.config["linux"]["namespaces"]
        ns[:] = [n for n in ns if n["type"] != kind]

    def add_ns(self, kind, path=None):
        self.remove_ns(kind)
        entry = {"type": kind}
        if path:
            entry["path"] = path
        self.config["linux"]["namespaces"].append(entry)

    def add_mount(self, destination, source, type_="bind", options=None):
        m = {"destination": destination, "type": type_, "source": source}
        if options is not None:
            m["options"] = options
        self.config["mounts"].append(m)

    def hostdir(self, name="hostdir", mode=0o777):
        """A fresh host directory next to the bundle (not in the rootfs)."""
        d = os.path.join(os.path.dirname(self.path), name)
        os.makedirs(d, exist_ok=True)
        os.chmod(d, mode)
        return d

    def save(self):
        with open(os.path.join(self.path, "config.json"), "w") as f:
            json.dump(self.config, f, indent=2)


def enable_userns(b, host_id=100000, size=65536):
    """A new user namespace mapping container 0 to host_id. The mapped root must be able to
    traverse to the bundle: pytest's temp dirs are 0700."""
    d = b.path
    while d not in ("/", "/tmp"):
        os.chmod(d, os.stat(d).st_mode | 0o011)
        d = os.path.dirname(d)
    b.add_ns("user")
    b.config["linux"]["uidMappings"] = [{"containerID": 0, "hostID": host_id, "size": size}]
    b.config["linux"]["gidMappings"] = [{"containerID": 0, "hostID": host_id, "size": size}]


def make_bundle(base_dir, shared_rootfs, copy_rootfs=True, name="bundle"):
    path = os.path.join(str(base_dir), name)
    os.makedirs(path)
    config = copy.deepcopy(default_config())
    if copy_rootfs:
        rootfs = os.path.join(path, "rootfs")
        subprocess.run(["cp", "-a", shared_rootfs, rootfs], check=True)
        config["root"]["path"] = "rootfs"
    else:
        rootfs = shared_rootfs
        config["root"] = {"path": shared_rootfs, "readonly": True}
    b = Bundle(path, rootfs, config)
    b.save()
    return b


class Runtime:
    """Runs the binary with a private --root and remembers the IDs it used."""

    def __init__(self, root):
        self.binary = BINARY
        self.root = root
        self.ids = set()

    def cmd(self, *args):
        return [self.binary, "--root", self.root] + [str(a) for a in args]

    def __call__(self, *args, check=True, input=None, timeout=DEFAULT_TIMEOUT,
                 env=None, log=None, **kw):
        self._remember(args)
        argv = self.cmd(*args)
        if log is not None:
            argv = [self.binary, "--root", self.root, "--log", str(log),
                    "--log-format", "json"] + [str(a) for a in args]
        if input is None and "stdin" not in kw:
            kw["stdin"] = subprocess.DEVNULL
        # Files, not pipes: after `create` or `run --detach` the container
        # keeps the runtime's stdio open, and a pipe would never see EOF.
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            p = subprocess.run(argv, input=input, timeout=timeout, env=env,
                               stdout=out, stderr=err, text=True, **kw)
            out.seek(0)
            err.seek(0)
            p.stdout = out.read().decode("utf-8", "replace")
            p.stderr = err.read().decode("utf-8", "replace")
        if check and p.returncode != 0:
            raise AssertionError("%s failed (rc=%d)\nstdout: %s\nstderr: %s" % (
                argv, p.returncode, p.stdout, p.stderr))
        return p

    def _remember(self, args):
        if any(a in ("create", "run") for a in args) and args:
            self.ids.add(str(args[-1]))

    def popen(self, *args, **kw):
        self._remember(args)
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        return subprocess.Popen(self.cmd(*args), text=True, **kw)

    # --- conveniences -------------------------------------------------
    def create(self, bundle, cid, *extra, **kw):
        bundle.save()
        return self("create", "--bundle", bundle.path, *extra, cid, **kw)

    def run(self, bundle, cid, *extra, **kw):
        bundle.save()
        kw.setdefault("check", False)
        return self("run", "--bundle", bundle.path, *extra, cid, **kw)

    def state(self, cid):
        p = self("state", cid)
        return json.loads(p.stdout)

    def status(self, cid):
        p = self("state", cid, check=False)
        if p.returncode != 0:
            return None
        return json.loads(p.stdout)["status"]

    def wait_status(self, cid, want, timeout=10):
        deadline = time.time() + timeout
        st = None
        while time.time() < deadline:
            st = self.status(cid)
            if st == want:
                return st
            time.sleep(0.05)
        raise AssertionError("container %s: status %r, wanted %r" % (cid, st, want))

    def stopped(self, bundle, cid):
        """create + start a container whose program exits, and wait until it is stopped."""
        self.create(bundle, cid)
        self("start", cid)
        self.wait_status(cid, "stopped")

    def run_argv(self, bundle, *extra):
        """(id, argv) of `run` for bundle under a new id that cleanup knows, for a test that
        starts the runtime itself (in a pty, behind a shell that sets up its fds or limits)."""
        bundle.save()
        cid = new_id()
        self.ids.add(cid)
        return cid, self.cmd("run", "--bundle", bundle.path, *extra, cid)

    def run_via_shell(self, bundle, script, *script_args, extra=(), timeout=30):
        """`run` of bundle exec'd by `sh -c script script_args...`; script ends in `exec "$@"`
        (the runtime's argv), so what it set up (fds, environment, oom_score_adj) is the runtime's."""
        _, argv = self.run_argv(bundle, *extra)
        return subprocess.run(["sh", "-c", script] + list(script_args or ["sh"]) + argv,
                              capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)

    def exists(self, cid):
        return os.path.exists(os.path.join(self.root, cid))

    def cleanup(self):
        for cid in sorted(self.ids):
            if not cid or "/" in cid or cid in (".", ".."):
                continue
            try:
                subprocess.run(self.cmd("delete", "--force", cid), timeout=DEFAULT_TIMEOUT,
                               stdin=subprocess.DEVNULL, capture_output=True)
            except subprocess.TimeoutExpired:
                pass
        # Belt and braces for a runtime under development: kill whatever
        # process still mentions this test's private state root or bundles.
        markers = [self.root] + sorted(self.ids)
        for pid, _ in suspicious_processes(set(), [m for m in markers if len(m) > 8]):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def readline(proc, timeout=DEFAULT_TIMEOUT):
    """Read one line of a Popen's text stdout, failing instead of hanging."""
    import select
    r, _, _ = select.select([proc.stdout], [], [], timeout)
    assert r, "no output from %s within %ss" % (proc.args, timeout)
    return proc.stdout.readline()


def stop(proc):
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    for f in (proc.stdout, proc.stderr):
        if f:
            f.close()


def wait_for(pred, timeout=10, interval=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    return pred()


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return False
    state = data.rsplit(")", 1)[1].split()[0]
    return state not in ("Z", "X")


def all_pids():
    return {int(p) for p in os.listdir("/proc") if p.isdigit()}


def _read(path, mode="r"):
    try:
        with open(path, mode) as f:
            return f.read()
    except OSError:
        return None


def suspicious_processes(before, markers):
    """Live processes not in `before` whose cmdline, environ, cwd, root or exe
    mentions any of `markers` (container id, bundle path, state root).
    Other runtimes may be running on the machine, so the binary's name
    alone is not a marker."""
    found = []
    me = os.getpid()
    for pid in all_pids() - before:
        if pid == me or not pid_alive(pid):
            continue
        blobs = []
        for name in ("cmdline", "environ"):
            b = _read("/proc/%d/%s" % (pid, name), "rb")
            if b:
                blobs.append(b.decode("utf-8", "replace"))
        for link in ("cwd", "root", "exe"):
            try:
                blobs.append(os.readlink("/proc/%d/%s" % (pid, link)))
            except OSError:
                pass
        text = "\n".join(blobs)
        if any(m in text for m in markers) and pid_alive(pid):
            found.append((pid, text[:300]))
    return found


def mounts_mentioning(path):
    with open("/proc/self/mountinfo") as f:
        return [l for l in f if path in l]


def last_json_line(path):
    with open(path) as f:
        lines = [l for l in f.read().splitlines() if l.strip()]
    assert lines, "log file %s is empty" % path
    return json.loads(lines[-1])


def read_pty(fd, timeout=10, until=None):
    """Everything read from a pty master (or any fd) until EOF/EIO, `until` appears, or timeout."""
    import select
    out = b""
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if not r:
            continue
        try:
            d = os.read(fd, 4096)
        except OSError:  # EIO once the slave side is closed
            break
        if not d:
            break
        out += d
        if until is not None and until in out:
            break
    return out


class ConsoleReceiver:
    """A minimal console-socket server, as containerd's shim or conmon run one (also receives
    the pidfd of --pidfd-socket)."""

    def __init__(self, path):
        import socket
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(1)
        self.sock.settimeout(20)

    def receive_master(self):
        import array
        import socket
        conn, _ = self.sock.accept()
        with conn:
            fds = array.array("i")
            msg, anc, _, _ = conn.recvmsg(256, socket.CMSG_LEN(fds.itemsize))
            for level, kind, data in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds.frombytes(data[:fds.itemsize])
        assert len(fds) == 1, "no fd received over the console socket"
        return fds[0]

    def close(self):
        self.sock.close()


def read_until_end(fd, timeout=10):
    """A pty master's output up to a line "END" the container prints last."""
    return read_pty(fd, timeout, until=b"END").decode(errors="replace")


def run_in_pty(argv, cwd=None, onlcr=True, timeout=15, winsize=None):
    """Run argv with a fresh pty as its controlling terminal and stdio, as a person at a terminal
    would; returns (exit code, everything written to the pty). onlcr=False clears ONLCR on the
    outer pty, so only a pty the runtime proxies could turn "\\n" into "\\r\\n"; winsize
    (rows, cols) is set on it first."""
    import fcntl
    import pty
    import struct
    import termios
    pid, fd = pty.fork()
    if pid == 0:
        if winsize is not None:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", winsize[0], winsize[1], 0, 0))
        if not onlcr:
            attrs = termios.tcgetattr(1)
            attrs[1] &= ~termios.ONLCR
            termios.tcsetattr(1, termios.TCSANOW, attrs)
        if cwd:
            os.chdir(cwd)
        os.execv(argv[0], argv)
    out = read_pty(fd, timeout)
    _, st = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(st), out


def rmdir_retry(d, tries=50, pause=0.02):
    """rmdir a cgroup (or any) directory that may stay busy for a moment after its last process
    died; a missing one is fine."""
    for _ in range(tries):
        try:
            os.rmdir(d)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(pause)


def oci_image_archive(rootfs, path, ref, cmd=("sh",), entrypoint=None):
    """A one-layer OCI image archive (oci-layout tar) of `rootfs` named `ref`, for
    `ctr image import`; `cmd`/`entrypoint` go into the image config."""
    d = str(path) + ".d"
    os.makedirs(d + "/blobs/sha256")

    def blob(data):
        h = hashlib.sha256(data).hexdigest()
        with open("%s/blobs/sha256/%s" % (d, h), "wb") as f:
            f.write(data)
        return "sha256:" + h, len(data)

    layer_path = str(path) + ".layer"
    with tarfile.open(layer_path, "w") as t:
        t.add(rootfs, arcname=".")
    with open(layer_path, "rb") as f:
        layer, layer_size = blob(f.read())
    image_config = {"Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": list(cmd)}
    if entrypoint:
        image_config["Entrypoint"] = list(entrypoint)
    config, config_size = blob(json.dumps({
        "architecture": "amd64", "os": "linux", "config": image_config,
        "rootfs": {"type": "layers", "diff_ids": [layer]}}).encode())
    manifest, manifest_size = blob(json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config,
                   "size": config_size},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer,
                    "size": layer_size}]}).encode())
    with open(d + "/index.json", "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest,
            "size": manifest_size, "annotations": {"org.opencontainers.image.ref.name": ref}}]}, f)
    with open(d + "/oci-layout", "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    with tarfile.open(path, "w") as t:
        for name in os.listdir(d):
            t.add(os.path.join(d, name), arcname=name)
    return ref
