"""CVE-2024-21626 class: no host fd may ever be usable as the container's cwd or as a path.

The attacker controls the image, and so `process.cwd` (an image's WORKDIR) and what runs in the
container. Engines leave fds open when they call the runtime, and the runtime has fds of its own
(cgroup directories for CLONE_INTO_CGROUP, the state dir). A directory fd that is still open when
the init or an exec child does chdir("/proc/self/fd/N") puts the container's cwd on the host's
filesystem. The tests leak a real host directory fd into the runtime the way an engine would
(an inherited fd), try every low fd number as the cwd, and look for the host's secret.
"""

import os
import shutil
import subprocess
import time

import pytest

from helpers import IS_RUNC, new_id, swiftrun_only_because, wait_for

LEAK_FD = 40  # high enough not to clobber pytest's own fds
SECRET = "host-secret-d1c3"


@pytest.fixture
def host_dir(tmp_path):
    """A host directory with a secret file, opened as fd LEAK_FD while the test runs."""
    d = tmp_path / "host-only"
    d.mkdir()
    (d / "secret").write_text(SECRET + "\n")
    fd = os.open(str(d), os.O_RDONLY | os.O_DIRECTORY)
    with pytest.raises(OSError):
        os.fstat(LEAK_FD)  # free
    if fd != LEAK_FD:
        os.dup2(fd, LEAK_FD, inheritable=True)
        os.close(fd)
    os.set_inheritable(LEAK_FD, True)
    yield str(d)
    os.close(LEAK_FD)


def leaky(rt, *args, **kw):
    """The runtime called by an engine that leaves LEAK_FD open."""
    kw.setdefault("check", False)
    return rt(*args, pass_fds=(LEAK_FD,), **kw)


def escaped(p, host_dir):
    return SECRET in (p.stdout + p.stderr) or os.path.exists(os.path.join(host_dir, "pwned"))


@pytest.mark.parametrize("fd", [3, 4, 5, 6, 7, 8, LEAK_FD])
def test_cwd_through_a_runtime_or_leaked_fd(rt, bundle, host_dir, fd):
    b = bundle()
    b.process["cwd"] = "/proc/self/fd/%d" % fd
    b.sh("cat secret 2>/dev/null; cat ../secret 2>/dev/null; echo x > pwned 2>/dev/null; pwd")
    b.save()
    p = leaky(rt, "run", "--bundle", b.path, new_id("cwd"), timeout=15)
    assert not escaped(p, host_dir), "container cwd reached the host: rc=%d\n%s%s" % (
        p.returncode, p.stdout, p.stderr)


@pytest.mark.parametrize("fd", [3, 4, 5, 6, 7, 8, LEAK_FD])
def test_exec_cwd_through_a_runtime_or_leaked_fd(rt, bundle, host_dir, fd):
    b = bundle().args("sleep", "30")
    cid = new_id("xcwd")
    rt.run(b, cid, "--detach", check=True)
    p = leaky(rt, "exec", "--cwd", "/proc/self/fd/%d" % fd, cid, "sh", "-c",
              "cat secret 2>/dev/null; echo x > pwned 2>/dev/null; pwd", timeout=15)
    assert not escaped(p, host_dir), "exec cwd reached the host: rc=%d\n%s%s" % (
        p.returncode, p.stdout, p.stderr)


def fd_targets(pid):
    out = {}
    for n in os.listdir("/proc/%d/fd" % pid):
        try:
            out[int(n)] = os.readlink("/proc/%d/fd/%s" % (pid, n))
        except OSError:
            pass
    return out


def test_created_init_holds_no_host_fd(rt, bundle, host_dir, tmp_path):
    """The init waits in the container until `start`: it must not hold the caller's fds, and
    neither may the startContainer hooks it runs there."""
    b = bundle().args("true")
    out = b.hostdir("out")
    os.makedirs(os.path.join(b.rootfs, "out"), exist_ok=True)
    b.add_mount("/out", out, options=["rbind", "rw"])
    b.config["hooks"] = {"startContainer": [
        {"path": "/bin/sh", "args": ["sh", "-c", "ls -l /proc/self/fd/ > /out/hook-fds"]}]}
    cid = new_id("fds")
    b.save()
    leaky(rt, "create", "--bundle", b.path, cid, check=True)
    pid = rt.state(cid)["pid"]
    held = fd_targets(pid)
    assert not [t for t in held.values() if t.startswith(host_dir)], held
    dirs = [n for n in held if n > 2 and os.path.isdir("/proc/%d/fd/%d" % (pid, n))]
    assert not dirs, "the waiting init holds directory fds: %r" % {n: held[n] for n in dirs}
    rt("start", cid)
    assert wait_for(lambda: os.path.exists(os.path.join(out, "hook-fds")))
    time.sleep(0.2)
    listing = open(os.path.join(out, "hook-fds")).read()
    assert host_dir not in listing, listing
    assert " %d -> " % LEAK_FD not in listing, listing


@swiftrun_only_because("hands the runtime's own sockets to the container when --preserve-fds "
                       "exceeds what the caller passed")
def test_preserve_fds_beyond_what_was_passed(rt, bundle):
    b = bundle().sh("ls -l /proc/self/fd/ > /dev/stderr; sleep 30")
    cid = new_id("pfd")
    b.save()
    p = rt("create", "--preserve-fds", "6", "--bundle", b.path, cid, check=False)
    assert p.returncode == 0, p.stderr
    t0 = time.time()
    rt("start", cid, timeout=10)  # must not wait for the container to exit
    assert time.time() - t0 < 5
    pid = rt.state(cid)["pid"]
    held = fd_targets(pid) if wait_for(lambda: os.path.exists("/proc/%d" % pid)) else {}
    socks = [n for n, t in held.items() if n > 2 and t.startswith("socket:")]
    assert not socks, "the container got runtime sockets: %r" % held


def test_absurd_preserve_fds_is_refused_or_cheap(rt, bundle):
    b = bundle().args("true")
    cid = new_id("pfdx")
    b.save()
    t0 = time.time()
    p = rt("run", "--preserve-fds", "100000000", "--bundle", b.path, cid, check=False, timeout=20)
    took = time.time() - t0
    assert took < 5, "took %.1fs (rc=%d): %s" % (took, p.returncode, p.stderr)
    if p.returncode != 0:  # runc: "unable to stat preserved-fd 4 (of 100000000)"
        assert "preserve-fds" in p.stderr or "preserved-fd" in p.stderr, p.stderr


def test_exec_path_never_resolves_through_a_host_procfs(rt, bundle, tmp_path):
    """exec reads and writes its own procfs files through the host's procfs (opened before it
    joins the container). That fd must be gone before the image-controlled PATH is searched:
    PATH=/proc/self/fd/N/<host pid>/root/<dir> would otherwise run the host's binaries in the
    container (and hand them to the container as /proc/<pid>/exe)."""
    tools = tmp_path / "host-tools"
    tools.mkdir()
    os.chmod(str(tmp_path), 0o755)
    shutil.copy("/bin/busybox", str(tools / "busybox"))  # busybox-static: no ELF interpreter
    os.symlink("busybox", str(tools / "echo"))  # only PATH decides which echo runs
    # A host process the container's root may inspect: uid 0 with no capabilities at all.
    host = subprocess.Popen(["setpriv", "--bounding-set=-all", "--inh-caps=-all", "sleep", "60"])
    try:
        b = bundle().args("sleep", "30")
        cid = new_id("xpath")
        rt.run(b, cid, "--detach", check=True)
        rt("exec", cid, "true")  # the container runs; exec works
        for fd in range(3, 12):
            path = "/proc/self/fd/%d/%d/root%s" % (fd, host.pid, tools)
            p = rt("exec", "--env", "PATH=" + path, cid, "echo", "ESCAPED", check=False, timeout=15)
            assert "ESCAPED" not in p.stdout, "exec ran a host binary through fd %d: %s" % (fd, p.stdout)
    finally:
        host.kill()
        host.wait()
