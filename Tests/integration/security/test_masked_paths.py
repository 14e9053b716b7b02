"""Attacks on what the runtime mounts over, opens or writes in the container's filesystem.

- the /dev/null bound over linux.maskedPaths (CVE-2025-31133 class),
- /dev/console and /dev/pts/ptmx of a container with a terminal (CVE-2025-52565 class),
- procfs reads and writes the runtime makes, and mounts into /proc (CVE-2025-52881 class),
- /proc or /sys being a symlink in the rootfs (CVE-2019-19921 class).

Each test builds a malicious rootfs or config and checks that no host file changed, nothing
writable was exposed, and that a refused create names the offending path and leaves nothing
behind. A createRuntime hook (it runs on the host, after the devices are made and before the
masked paths are applied) stands in for a concurrent attacker who can write to the rootfs, e.g.
another container sharing it. Every attack aims at temp files the test made, never at real host
files; the procfs targets are only read, never written.
"""

import ctypes
import os
import struct
import subprocess
import time

import pytest

from helpers import (IS_RUNC, all_pids, last_json_line, mounts_mentioning, new_id,
                     suspicious_processes, swiftrun_only_because)

ORIGINAL = "host file, must stay unchanged\n"
# Masked files of the default config that exist on this kernel, written to from inside.
MASKED_FILES = [p for p in ("/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug")
                if os.path.exists(p)]
WRITE_MASKED = "".join("echo pwned > %s 2>/dev/null; " % p for p in MASKED_FILES)


# --- building the attacks ----------------------------------------------------------------

def _host_file(tmp_path, name="host-target"):
    """A host file outside every rootfs, on the same filesystem (so it can be hard-linked)."""
    path = tmp_path / name
    path.write_text(ORIGINAL)
    os.chmod(path, 0o666)
    return str(path)


def _image_dev(b, keep_devpts=True):
    """Use the image's own /dev: no tmpfs on /dev (and optionally no devpts on /dev/pts)."""
    drop = {"/dev"} if keep_devpts else {"/dev", "/dev/pts"}
    b.config["mounts"] = [m for m in b.config["mounts"] if m["destination"] not in drop]


def _host_pid_namespace(b):
    """No pid namespace: the container's /proc/1 is the host's init, /proc/1/root the host's /."""
    b.remove_ns("pid")


def _plant(path, kind, target=None):
    """Replace `path` (in a rootfs, from the host) by a symlink, a hard link, a file or a node."""
    if os.path.lexists(path):
        os.unlink(path)
    if kind == "symlink":
        os.symlink(target, path)
    elif kind == "hardlink":
        os.link(target, path)
    elif kind == "file":
        with open(path, "w") as f:
            f.write(ORIGINAL)
    else:
        raise ValueError(kind)


def _create_runtime_hook(b, script):
    b.config.setdefault("hooks", {})["createRuntime"] = [
        {"path": "/bin/sh", "args": ["sh", "-c", script]}]


def _terminal(b):
    b.config["process"]["terminal"] = True


# --- running them ----------------------------------------------------------------------------

class Attempt:
    def __init__(self, cid, log, before, proc):
        self.cid, self.log, self.before, self.proc = cid, log, before, proc

    @property
    def accepted(self):
        return self.proc.returncode == 0


def _attack(rt, b, tmp_path, *extra):
    """create the container; when the runtime accepts it, start it and wait until it is done,
    so whatever the container does through the planted path really happens."""
    cid = new_id()
    log = str(tmp_path / ("log-%s.json" % cid))
    before = all_pids()
    p = rt.create(b, cid, *extra, check=False, log=log)
    a = Attempt(cid, log, before, p)
    if a.accepted and not extra:
        rt("start", cid, check=False)
        try:
            rt.wait_status(cid, "stopped", timeout=15)
        except AssertionError:
            pass
    return a


def _assert_refused(rt, b, a, *needles):
    """The create failed, said why (naming `needles`), and left nothing behind."""
    assert not a.accepted, "the runtime accepted the malicious bundle"
    assert not rt.exists(a.cid), "state dir left behind"
    assert rt("state", a.cid, check=False).returncode != 0
    time.sleep(0.1)
    assert suspicious_processes(a.before, [a.cid, b.path, rt.root]) == []
    assert mounts_mentioning(b.path) == [], "mounts left behind"
    msg = last_json_line(a.log).get("msg", "")
    for n in needles:
        assert n in msg or n in a.proc.stderr, "error %r does not name %r" % (msg, n)
    return msg


def _unchanged(path):
    with open(path) as f:
        return f.read() == ORIGINAL


class Inotify:
    """Watches one file for opens (the runtime must never open a planted decoy)."""
    IN_OPEN, IN_CLOSE_WRITE = 0x20, 0x08

    def __init__(self, path):
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.fd = self.libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        assert self.fd >= 0
        wd = self.libc.inotify_add_watch(self.fd, path.encode(), self.IN_OPEN | self.IN_CLOSE_WRITE)
        assert wd >= 0, os.strerror(ctypes.get_errno())

    def events(self):
        try:
            data = os.read(self.fd, 4096)
        except BlockingIOError:
            return []
        out, off = [], 0
        while off + 16 <= len(data):
            _, mask, _, n = struct.unpack_from("iIII", data, off)
            out.append(mask)
            off += 16 + n
        return out

    def close(self):
        os.close(self.fd)


# --- CVE-2025-31133: the /dev/null bound over masked paths ---------------------------------

@swiftrun_only_because("keeps the image's /dev/null and binds it over the masked paths: a "
                       "regular file there is exposed read-write (CVE-2025-31133)")
@pytest.mark.parametrize("kind", ["symlink-to-host-file", "regular-file"])
def test_image_dev_null_never_masks_with_anything_but_the_null_device(rt, bundle, tmp_path, kind):
    host = _host_file(tmp_path)
    b = bundle()
    _image_dev(b)
    _host_pid_namespace(b)
    null = os.path.join(b.rootfs, "dev", "null")
    if kind == "symlink-to-host-file":
        _plant(null, "symlink", "/proc/1/root" + host)
    else:
        # A regular file; hard-linked to `host` only so that the test can still read it if
        # the runtime replaces /dev/null.
        _plant(null, "hardlink", host)
    b.sh(WRITE_MASKED + "for f in %s; do stat -c '%%n %%F %%t:%%T' $f; done" % " ".join(MASKED_FILES))
    cid = new_id()
    p = rt.run(b, cid)
    assert _unchanged(host), "the container wrote through a masked path into the planted file"
    if p.returncode == 0:
        # The runtime replaced the planted file with the real device before masking.
        for line in p.stdout.splitlines():
            assert line.endswith(" character special file 1:3"), p.stdout
    else:
        assert "/dev/null" in p.stderr, p.stderr
    assert mounts_mentioning(b.path) == []


DEV_NULL_SWAPS = {
    # a hard link to a host file outside the rootfs: binding it exposes that file read-write
    "hardlink-to-host-file": ("hardlink", None, True),
    # through the host's init (no pid namespace): /proc/1/root is the host's /
    "symlink-to-host-file": ("symlink", "/proc/1/root{host}", True),
    # a procfs file that is not namespaced (only ever read here)
    "symlink-to-core_pattern": ("symlink", "/proc/sys/kernel/core_pattern", False),
    "regular-file": ("file", None, True),
    "char-device-1:5": ("mknod", None, False),
}


@swiftrun_only_because("binds whatever /dev/null has become over the masked paths "
                       "(CVE-2025-31133)")
@pytest.mark.parametrize("variant", sorted(DEV_NULL_SWAPS))
def test_dev_null_swapped_before_masking_is_refused(rt, bundle, tmp_path, variant):
    kind, target, writes = DEV_NULL_SWAPS[variant]
    host = _host_file(tmp_path)
    b = bundle()
    _image_dev(b)
    _host_pid_namespace(b)
    null = os.path.join(b.rootfs, "dev", "null")
    if kind == "hardlink":
        script = "rm -f %s && ln %s %s" % (null, host, null)
    elif kind == "symlink":
        script = "rm -f %s && ln -s %s %s" % (null, target.format(host=host), null)
    elif kind == "file":
        script = "rm -f %s && cp %s %s" % (null, host, null)
    else:
        script = "rm -f %s && mknod -m 666 %s c 1 5" % (null, null)
    _create_runtime_hook(b, script)
    probe = "for f in %s; do head -c 64 $f | wc -c; done" % " ".join(MASKED_FILES)
    b.sh((WRITE_MASKED if writes else "") + probe)
    a = _attack(rt, b, tmp_path)
    assert _unchanged(host), "the container wrote to the host file through a masked path"
    if kind == "file":
        assert _unchanged(null), "the container wrote through a masked path into the rootfs"
    _assert_refused(rt, b, a, "linux.maskedPaths", "/dev/null")


# --- CVE-2025-52565: /dev/console and /dev/pts/ptmx ----------------------------------------

def _console_attempt(rt, b, tmp_path):
    from helpers import ConsoleReceiver, read_until_end as read_all
    recv = ConsoleReceiver(str(tmp_path / "console.sock"))
    cid = new_id()
    log = str(tmp_path / ("log-%s.json" % cid))
    before = all_pids()
    out = ""
    try:
        p = rt.create(b, cid, "--console-socket", recv.path, check=False, log=log)
        if p.returncode == 0:
            master = recv.receive_master()
            rt("start", cid)
            out = read_all(master)
            os.close(master)
    finally:
        recv.close()
    return Attempt(cid, log, before, p), out


@swiftrun_only_because("creates /dev/console through the symlink (truncating its target) and "
                       "mounts the console over the target (CVE-2025-52565)")
def test_image_dev_console_symlink_is_refused(rt, bundle, tmp_path):
    b = bundle()
    _image_dev(b)
    _terminal(b)
    decoy = os.path.join(b.rootfs, "etc", "console-decoy")
    with open(decoy, "w") as f:
        f.write(ORIGINAL)
    _plant(os.path.join(b.rootfs, "dev", "console"), "symlink", "/etc/console-decoy")
    b.sh("stat -c %F /etc/console-decoy; echo END")
    a, out = _console_attempt(rt, b, tmp_path)
    assert _unchanged(decoy), "the symlink's target was written"
    assert "character special" not in out, "the console was mounted over the symlink's target"
    _assert_refused(rt, b, a, "/dev/console")


@swiftrun_only_because("opens the image's /dev/pts/ptmx read-write whatever it is "
                       "(CVE-2025-52565)")
def test_image_ptmx_symlink_is_never_opened(rt, bundle, tmp_path):
    b = bundle()
    _image_dev(b, keep_devpts=False)
    _terminal(b)
    decoy = os.path.join(b.rootfs, "etc", "ptmx-decoy")
    with open(decoy, "w") as f:
        f.write(ORIGINAL)
    os.makedirs(os.path.join(b.rootfs, "dev", "pts"), exist_ok=True)
    _plant(os.path.join(b.rootfs, "dev", "pts", "ptmx"), "symlink", "/etc/ptmx-decoy")
    b.sh("echo END")
    watch = Inotify(decoy)
    try:
        a, _ = _console_attempt(rt, b, tmp_path)
        opened = watch.events()
    finally:
        watch.close()
    assert opened == [], "the runtime opened the planted decoy (inotify masks %s)" % opened
    _assert_refused(rt, b, a, "/dev/pts")


@swiftrun_only_because("opens the container's /dev/ptmx for exec --tty, whatever the container "
                       "made it (CVE-2025-52565)")
def test_exec_tty_ignores_a_ptmx_the_container_planted(rt, bundle, tmp_path):
    from helpers import ConsoleReceiver, read_until_end as read_all
    b = bundle().sh("ln -sf /ptmx-decoy /dev/ptmx && touch /tmp/ready && exec sleep 100")
    decoy = os.path.join(b.rootfs, "ptmx-decoy")
    with open(decoy, "w") as f:
        f.write(ORIGINAL)
    cid = new_id()
    rt.run(b, cid, "--detach", check=True)
    ready = os.path.join(b.rootfs, "tmp", "ready")
    deadline = time.time() + 10
    while not os.path.exists(ready) and time.time() < deadline:
        time.sleep(0.05)
    assert os.path.exists(ready)
    watch = Inotify(decoy)
    recv = ConsoleReceiver(str(tmp_path / "c.sock"))
    out = ""
    try:
        p = rt.popen("exec", "--tty", "--detach", "--console-socket", recv.path, cid,
                     "sh", "-c", "tty; echo END")
        try:
            recv.sock.settimeout(5)
            master = recv.receive_master()
            out = read_all(master)
            os.close(master)
        except (OSError, AssertionError):
            pass  # no pty came: the assertions below say why
        p.wait(timeout=20)
        opened = watch.events()
    finally:
        recv.close()
        watch.close()
    assert opened == [], "the runtime opened the container's planted ptmx (inotify masks %s)" % opened
    assert _unchanged(decoy)
    # The pty comes from the container's own devpts instance.
    assert p.returncode == 0 and "/dev/pts/" in out, (p.returncode, out, p.stderr.read())


# --- CVE-2025-52881: procfs the runtime reads or writes, and mounts into /proc ------------

# Each destination would put a bind of a host file where the runtime later reads or writes
# (LSM attributes, setgroups, oom_score_adj), or in a process's own /proc directory.
PROC_DESTINATIONS = {
    "self-attr-exec": ("/proc/self/attr/exec", None),
    "thread-self-attr-exec": ("/proc/thread-self/attr/exec", None),
    "pid-dir-setgroups": ("/proc/1/setgroups", None),
    "self-oom_score_adj": ("/proc/self/oom_score_adj", None),
    "rootfs-symlink-into-proc": ("/evil/setgroups", "/proc/self"),
    "tmpfs-over-proc": ("/proc", None),
}


@pytest.mark.parametrize("variant", sorted(PROC_DESTINATIONS))
def test_mount_destination_inside_proc_is_refused(rt, bundle, tmp_path, variant):
    dest, link = PROC_DESTINATIONS[variant]
    host = _host_file(tmp_path)
    b = bundle()
    if link:
        _plant(os.path.join(b.rootfs, dest.split("/")[1]), "symlink", link)
    index = len(b.config["mounts"])
    if variant == "tmpfs-over-proc":
        b.add_mount(dest, "tmpfs", "tmpfs", ["nosuid"])
    else:
        b.add_mount(dest, host, "bind", ["bind"])
    b.sh("cat /proc/self/setgroups /proc/self/oom_score_adj")
    a = _attack(rt, b, tmp_path)
    assert _unchanged(host)
    # runc 1.1.5 names the joined host path, swiftrun the config field and the destination.
    needles = ["/proc"] if IS_RUNC else ["mounts[%d].destination" % index, dest]
    _assert_refused(rt, b, a, *needles)


def test_bind_over_an_ordinary_proc_file_still_works(rt, bundle, tmp_path):
    """lxcfs-style binds (a host file over /proc/cpuinfo) are an ordinary file of the fresh
    procfs, reached without symlinks: allowed."""
    host = tmp_path / "cpuinfo"
    host.write_text("fake cpuinfo\n")
    b = bundle().sh("cat /proc/cpuinfo")
    b.add_mount("/proc/cpuinfo", str(host), "bind", ["bind", "ro"])
    p = rt.run(b, new_id())
    assert p.returncode == 0, p.stderr
    assert p.stdout == "fake cpuinfo\n"


def test_exec_ignores_a_fake_proc_in_the_container(rt, bundle, tmp_path):
    # A container allowed to mount replaces its /proc with a tmpfs that says setgroups is
    # denied and that the last capability is 20. An exec must neither keep the runtime's own
    # supplementary groups nor leave capabilities above 20 in the bounding set. (runc 1.1.5
    # refuses the exec because it cannot list /proc/self/fd there, which passes too.)
    caps = ["CAP_SYS_ADMIN", "CAP_KILL", "CAP_AUDIT_WRITE", "CAP_NET_BIND_SERVICE"]
    b = bundle().sh("mount -t tmpfs fakeproc /proc && mkdir -p /proc/self /proc/sys/kernel && "
                    "echo deny > /proc/self/setgroups && echo 20 > /proc/sys/kernel/cap_last_cap && "
                    "touch /tmp/ready && exec sleep 100")
    b.config["process"]["capabilities"] = {k: list(caps) for k in
                                           ("bounding", "effective", "permitted")}
    cid = new_id()
    rt.run(b, cid, "--detach", check=True)
    ready = os.path.join(b.rootfs, "tmp", "ready")
    deadline = time.time() + 10
    while not os.path.exists(ready) and time.time() < deadline:
        time.sleep(0.05)
    assert os.path.exists(ready)
    p = rt("exec", cid, "sh", "-c", "id -G; umount /proc && grep CapBnd /proc/self/status",
           check=False, preexec_fn=lambda: os.setgroups([0, 4242]))
    lines = p.stdout.split("\n")
    if p.returncode != 0:
        # Refusing is fine too, as long as nothing ran with the leaked credentials.
        assert "4242" not in p.stdout and "CapBnd" not in p.stdout, p.stdout
        return
    assert lines[0].split() == ["0"], "the exec'd process kept the runtime's groups: %r" % lines[0]
    want = sum(1 << bit for bit in (21, 5, 29, 10))
    assert lines[1].split() == ["CapBnd:", "%016x" % want], lines[1]


# --- CVE-2019-19921: /proc or /sys a symlink in the rootfs ---------------------------------

@pytest.mark.parametrize("fs,dest", [("proc", "proc"), ("sysfs", "sys")])
def test_proc_or_sys_symlink_in_rootfs_is_refused(rt, bundle, tmp_path, fs, dest):
    b = bundle()
    real = os.path.join(b.rootfs, dest)
    subprocess.run(["rm", "-rf", real], check=True)
    os.makedirs(os.path.join(b.rootfs, "tmp", "x"))
    os.symlink("/tmp/x", real)
    index = next(i for i, m in enumerate(b.config["mounts"]) if m["destination"] == "/" + dest)
    a = _attack(rt, b, tmp_path)
    needles = ['filesystem "%s" must be mounted on ordinary directory' % fs]
    if not IS_RUNC:
        needles.append("mounts[%d].destination" % index)
    _assert_refused(rt, b, a, *needles)
    assert os.listdir(os.path.join(b.rootfs, "tmp", "x")) == []
