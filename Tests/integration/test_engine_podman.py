"""End to end under a real engine: podman + conmon drive the runtime as they drive runc.

Skipped (with the reason) when podman is not installed; `apt-get install podman` enables it.
Podman gets its own storage and run directories in a temp dir, so nothing of a user's podman
state is touched."""

import os
import shutil
import subprocess
import tarfile

import pytest

from helpers import BINARY, IS_RUNC, new_id

# See test_engine_docker.py: joining a pid namespace by path makes swiftrun's init exit.

PODMAN = shutil.which("podman")
pytestmark = pytest.mark.skipif(PODMAN is None, reason="podman is not installed (apt-get install podman)")

# This host's hard RLIMIT_NOFILE/NPROC are below podman's defaults and nobody here holds
# CAP_SYS_RESOURCE to raise them (runc fails the same way), so ask for limits that fit.
LIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096"]


@pytest.fixture(scope="module")
def podman(tmp_path_factory, rootfs):
    base = tmp_path_factory.mktemp("podman")
    argv = [PODMAN, "--root", str(base / "storage"), "--runroot", str(base / "run"),
            "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "file",
            "--runtime", BINARY]
    # A pod's infra container takes no --ulimit: the same limits as defaults for every container.
    conf = base / "containers.conf"
    conf.write_text('[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]\n')
    env = dict(os.environ, CONTAINERS_CONF=str(conf))
    tar = base / "rootfs.tar"
    with tarfile.open(tar, "w") as t:
        t.add(rootfs, arcname=".")
    image = "localhost/swiftrun-e2e:%s" % new_id()
    subprocess.run(argv + ["import", "-q", str(tar), image], check=True, capture_output=True, timeout=120,
                   env=env)

    def run(*args, check=True, timeout=60):
        p = subprocess.run(argv + list(args), capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL, env=env)
        if check and p.returncode != 0:
            raise AssertionError("podman %s failed (%d): %s" % (" ".join(args), p.returncode, p.stderr))
        return p

    run.image = image
    run.pods = []
    yield run
    run("pod", "rm", "--all", "--force", check=False)
    run("rm", "--all", "--force", check=False)
    run("rmi", "--all", "--force", check=False)
    # With cgroupfs podman parks conmon in libpod_parent/conmon and makes libpod_parent/<pod id>
    # for each pod, and leaves them (with runc too); rmdir only removes them when no other podman
    # uses them (a cgroup with processes or children cannot be removed).
    for top in os.listdir("/sys/fs/cgroup"):
        for d in ["libpod_parent/" + p for p in run.pods] + ["libpod_parent/conmon", "libpod_parent"]:
            path = os.path.join("/sys/fs/cgroup", top, d)
            if os.path.isdir(path) and not os.path.islink(os.path.join("/sys/fs/cgroup", top)):
                try:
                    os.rmdir(path)
                except OSError:
                    pass


def test_podman_run_output_and_exit_code(podman):
    p = podman("run", "--rm", "--network", "none", *LIMITS, podman.image, "sh", "-c",
               "echo hello; hostname; exit 7", check=False)
    assert p.returncode == 7, p.stderr
    assert p.stdout.splitlines()[0] == "hello"


def test_podman_detached_exec_pause_stop(podman):
    name = new_id("e2e")
    podman("run", "-d", "--name", name, "--network", "none", *LIMITS, podman.image, "sleep", "300")
    assert podman("exec", name, "sh", "-c", "echo in-exec").stdout.strip() == "in-exec"
    assert "/dev/pts/" in podman("exec", "-t", name, "tty").stdout
    podman("pause", name)
    assert podman("inspect", name, "--format", "{{.State.Status}}").stdout.strip() == "paused"
    podman("unpause", name)
    assert "sleep 300" in podman("top", name).stdout
    podman("stop", "-t", "1", name)
    assert podman("inspect", name, "--format", "{{.State.Status}}").stdout.strip() == "exited"
    podman("rm", name)


def test_podman_limits_mounts_and_users(podman, tmp_path):
    (tmp_path / "f").write_text("hostfile\n")
    p = podman("run", "--rm", "--network", "none", *LIMITS, "--memory", "64m", "--pids-limit", "50",
               "--read-only", "--tmpfs", "/scratch", "-v", "%s:/data:ro" % tmp_path,
               podman.image, "sh", "-c",
               "cat /data/f; touch /x 2>/dev/null || echo ro-root; touch /scratch/y && echo tmpfs-ok; "
               "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max")
    assert p.stdout.split() == ["hostfile", "ro-root", "tmpfs-ok", "50"], p.stdout + p.stderr
    p = podman("run", "--rm", "--network", "none", *LIMITS, "--user", "1000:1000", "-w", "/tmp",
               "-e", "FOO=bar", podman.image, "sh", "-c", "id -u; pwd; echo $FOO")
    assert p.stdout.split() == ["1000", "/tmp", "bar"], p.stdout + p.stderr


def test_podman_user_namespace(podman):
    p = podman("run", "--rm", "--network", "none", *LIMITS, "--uidmap", "0:100000:65536",
               "--gidmap", "0:100000:65536", podman.image, "cat", "/proc/self/uid_map")
    assert p.stdout.split() == ["0", "100000", "65536"]


def test_podman_user_namespace_with_volume_and_oom_score_adj(podman, tmp_path):
    """--uidmap with a volume under a 0700 directory of root (as podman's own volume store and
    the kubelet's pod dirs are), and --oom-score-adj: the runtime opens the source and sets the
    score on the host side (both failed in a user namespace before)."""
    private = tmp_path / "private"
    private.mkdir()
    os.chmod(private, 0o700)
    vol = private / "vol"
    vol.mkdir()
    os.chmod(vol, 0o755)
    (vol / "f").write_text("in-volume\n")
    os.chmod(vol / "f", 0o644)
    p = podman("run", "--rm", "--network", "none", *LIMITS, "--uidmap", "0:100000:65536",
               "--gidmap", "0:100000:65536", "--oom-score-adj", "300", "-v", "%s:/data:ro" % vol,
               podman.image, "sh", "-c", "cat /data/f; cat /proc/self/oom_score_adj")
    assert p.stdout.split() == ["in-volume", "300"], p.stdout + p.stderr


NS_SCRIPT = "for n in pid net ipc; do readlink /proc/self/ns/$n; done; ps -o comm"


def _ns(podman, name):
    return podman("exec", name, "sh", "-c", "for n in pid net ipc; do readlink /proc/self/ns/$n; done"
                  ).stdout.split()


def test_podman_pod_shares_pid_net_ipc(podman):
    """A pod (infra container: podman's catatonit pause image, built locally) sharing pid, net and
    ipc: a second container sees the first one's processes and has the same namespaces."""
    pod = new_id("pod")
    first = new_id("e2e")
    podman.pods.append(podman("pod", "create", "--name", pod, "--share", "pid,net,ipc", "--network",
                              "none").stdout.strip())
    try:
        podman("run", "-d", "--pod", pod, "--name", first, podman.image, "sleep", "300")
        want = _ns(podman, first)
        p = podman("run", "--rm", "--pod", pod, podman.image, "sh", "-c", NS_SCRIPT, check=False)
        assert p.returncode == 0, p.stderr
        out = p.stdout.split()
        assert out[:3] == want, p.stdout
        assert "sleep" in out and "catatonit" in out, p.stdout
    finally:
        podman("pod", "rm", "--force", pod, check=False)


def test_podman_pod_with_a_user_namespace(podman):
    """A pod with a user namespace (--uidmap on the pod, as Kubernetes' hostUsers: false): its
    containers join the infra container's user and network namespaces by path and get pid and
    mount namespaces of their own, which that user namespace must own (/proc is mounted)."""
    pod = new_id("pod")
    podman.pods.append(podman("pod", "create", "--name", pod, "--share", "net,ipc,uts", "--network", "none",
                              "--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536").stdout.strip())
    try:
        p = podman("run", "--rm", "--pod", pod, podman.image, "sh", "-c",
                   "cat /proc/self/uid_map; echo $$; readlink /proc/self/ns/user; readlink /proc/self/ns/net",
                   check=False)
        assert p.returncode == 0, p.stderr
        # The infra container is started with the pod's first container, and keeps running.
        infra = podman("pod", "inspect", pod, "--format", "{{.InfraContainerID}}").stdout.strip()
        infra_pid = podman("inspect", infra, "--format", "{{.State.Pid}}").stdout.strip()
        out = p.stdout.split()
        assert out[:4] == ["0", "100000", "65536", "1"], p.stdout
        assert out[4:] == [os.readlink("/proc/%s/ns/%s" % (infra_pid, n)) for n in ("user", "net")], p.stdout
    finally:
        podman("pod", "rm", "--force", pod, check=False)


@pytest.mark.parametrize("kind", ["pid", "net", "ipc"])
def test_podman_share_namespace_with_container(podman, kind):
    first = new_id("e2e")
    podman("run", "-d", "--name", first, "--network", "none", *LIMITS, podman.image, "sleep", "300")
    try:
        want = dict(zip(["pid", "net", "ipc"], _ns(podman, first)))[kind]
        flag = {"pid": "--pid", "net": "--network", "ipc": "--ipc"}[kind]
        args = ["--network", "none"] if kind != "net" else []
        p = podman("run", "--rm", *args, *LIMITS, flag, "container:" + first, podman.image, "sh", "-c",
                   "readlink /proc/self/ns/%s; ps -o comm" % kind, check=False)
        assert p.returncode == 0, p.stderr
        assert p.stdout.split()[0] == want, p.stdout
        if kind == "pid":
            assert "sleep" in p.stdout.split(), p.stdout
    finally:
        podman("rm", "--force", "--time", "0", first, check=False)
