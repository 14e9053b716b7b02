"""End to end under containerd: its runc shim (containerd-shim-runc-v2) drives the runtime through
`ctr --runc-binary`. A private containerd (own root, state and socket in a temp dir) is started for
the module and stopped after it. Skipped, with the reason, when containerd is not installed."""

import os
import shutil
import signal
import subprocess
import time

import pytest

from helpers import BINARY, IS_RUNC, new_id, oci_image_archive

# See test_engine_docker.py: joining a pid namespace by path makes swiftrun's init exit.

CONTAINERD = shutil.which("containerd")
CTR = shutil.which("ctr")
pytestmark = pytest.mark.skipif(not (CONTAINERD and CTR and shutil.which("containerd-shim-runc-v2")),
                                reason="containerd is not installed (apt-get install containerd)")


@pytest.fixture(scope="module")
def ctr(tmp_path_factory, rootfs):
    base = tmp_path_factory.mktemp("containerd")
    sock = str(base / "containerd.sock")
    daemon = subprocess.Popen([CONTAINERD, "--root", str(base / "root"), "--state", str(base / "state"),
                               "--address", sock], stdout=subprocess.DEVNULL,
                              stderr=open(base / "containerd.log", "w"), start_new_session=True)
    deadline = time.time() + 20
    while not os.path.exists(sock) and time.time() < deadline:
        time.sleep(0.1)
    ns = "swiftrun-" + new_id()

    def run(*args, check=True, timeout=60):
        p = subprocess.run([CTR, "-a", sock, "-n", ns] + list(args), capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
        if check and p.returncode != 0:
            raise AssertionError("ctr %s failed (%d): %s" % (" ".join(args), p.returncode, p.stderr))
        return p

    try:
        run.image = oci_image_archive(rootfs, base / "image.tar", "localhost/swiftrun-e2e:1")
        run("image", "import", "--snapshotter", "native", str(base / "image.tar"))
        run.runtime = ["--snapshotter", "native", "--runc-binary", BINARY]
        yield run
    finally:
        for line in run("task", "ls", "-q", check=False).stdout.split():
            run("task", "kill", "-s", "SIGKILL", line, check=False)
            time.sleep(0.2)
            run("task", "delete", line, check=False)
        for line in run("container", "ls", "-q", check=False).stdout.split():
            run("container", "delete", line, check=False)
        os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(timeout=20)
        # The shim puts containers under /<namespace>/; like runc, the runtime removes only the
        # container's own cgroup, so the namespace's parent directories are ours to remove.
        for top in os.listdir("/sys/fs/cgroup"):
            d = os.path.join("/sys/fs/cgroup", top, ns)
            if os.path.isdir(d) and not os.path.islink(os.path.join("/sys/fs/cgroup", top)):
                try:
                    os.rmdir(d)
                except OSError:
                    pass


def test_containerd_run_output_and_exit_code(ctr):
    cid = new_id("ctd")
    p = ctr("run", "--rm", *ctr.runtime, ctr.image, cid, "sh", "-c", "echo hello-containerd; exit 5",
            check=False)
    assert p.stdout.splitlines()[0] == "hello-containerd", p.stdout + p.stderr
    assert p.returncode == 5, p.stderr


def test_containerd_task_lifecycle(ctr):
    cid = new_id("ctd")
    ctr("run", "-d", *ctr.runtime, ctr.image, cid, "sleep", "300")
    assert "RUNNING" in ctr("task", "ls").stdout
    assert ctr("task", "exec", "--exec-id", "e1", cid, "sh", "-c", "echo in-exec").stdout.strip() == "in-exec"
    ctr("task", "pause", cid)
    assert "PAUSED" in ctr("task", "ls").stdout
    ctr("task", "resume", cid)
    pids = ctr("task", "ps", cid).stdout.split("\n")[1:]
    assert any(l.strip() for l in pids)
    ctr("task", "kill", "-s", "SIGKILL", cid)
    deadline = time.time() + 10
    while "STOPPED" not in ctr("task", "ls").stdout and time.time() < deadline:
        time.sleep(0.2)
    assert "STOPPED" in ctr("task", "ls").stdout
    ctr("task", "delete", cid)
    ctr("container", "delete", cid)
    assert cid not in ctr("task", "ls").stdout


def _task_pid(ctr, cid):
    for line in ctr("task", "ls").stdout.splitlines()[1:]:
        f = line.split()
        if f and f[0] == cid:
            return int(f[1])
    raise AssertionError("no task %s" % cid)


@pytest.mark.parametrize("kind", ["pid", "network", "ipc"])
def test_containerd_run_with_ns(ctr, kind):
    """`ctr run --with-ns <kind>:/proc/<pid>/ns/<x>` joins another task's namespace."""
    first = new_id("ctd")
    ctr("run", "-d", *ctr.runtime, ctr.image, first, "sleep", "300")
    try:
        pid = _task_pid(ctr, first)
        nsfile = {"pid": "pid", "network": "net", "ipc": "ipc"}[kind]
        want = os.readlink("/proc/%d/ns/%s" % (pid, nsfile))
        second = new_id("ctd")
        p = ctr("run", "--rm", *ctr.runtime, "--with-ns", "%s:/proc/%d/ns/%s" % (kind, pid, nsfile),
                ctr.image, second, "sh", "-c", "readlink /proc/self/ns/%s; ps -o comm" % nsfile,
                check=False)
        assert p.returncode == 0, p.stdout + p.stderr
        assert p.stdout.split()[0] == want, p.stdout
        if kind == "pid":
            assert "sleep" in p.stdout.split(), p.stdout
    finally:
        ctr("task", "kill", "-s", "SIGKILL", first, check=False)
        time.sleep(0.3)
        ctr("task", "delete", first, check=False)
        ctr("container", "delete", first, check=False)
