"""Rootless podman with swiftrun as its OCI runtime: the test user's own podman (its storage and
XDG_RUNTIME_DIR in the user's temp home, its /etc/subuid range, the network and storage driver
podman picks) runs, execs, stops and removes containers. cgroupfs manager: there is no systemd
here; on a host whose cgroups the user may not write, containers then run without one, as with
runc."""

import os
import shutil
import subprocess
import tarfile
import uuid

import pytest

PODMAN = shutil.which("podman")
pytestmark = pytest.mark.skipif(PODMAN is None, reason="podman is not installed (make deps installs it)")


@pytest.fixture(scope="module")
def podman(user):
    home = user.mkdir(os.path.join(user.base, "podman-" + uuid.uuid4().hex[:6]), 0o700)
    xdg = user.mkdir(os.path.join(home, "run"), 0o700)
    env = user.env(xdg, HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"),
                   XDG_DATA_HOME=os.path.join(home, ".local", "share"))
    argv = [PODMAN, "--runtime", user.binary, "--cgroup-manager", "cgroupfs", "--events-backend", "file"]
    tar = os.path.join(home, "rootfs.tar")
    with tarfile.open(tar, "w") as t:
        t.add(user.rootfs, arcname=".")
    os.chown(tar, user.uid, user.gid)

    def run(*args, check=True, timeout=120):
        p = user.run(argv + list(args), env=env, check=False, timeout=timeout, cwd=home)
        if check and p.returncode != 0:
            raise AssertionError("podman %s failed (%d): %s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
        return p

    run("import", "-q", tar, "localhost/swiftrun-rootless")
    run.image = "localhost/swiftrun-rootless"
    info = run("info", "--format", "{{.Host.Security.Rootless}} {{.Store.GraphDriverName}} {{.Host.OCIRuntime.Path}}")
    run.info = info.stdout.split()
    yield run
    run("rm", "--all", "--force", check=False)
    run("rmi", "--all", "--force", check=False)
    # podman's storage has files of the user's subordinate ids, which only podman may remove.
    run("system", "reset", "--force", check=False)
    # podman's pause process (holder of its user namespace) and any conmon: the user's, by pid.
    for pid in os.listdir("/proc"):
        try:
            if pid.isdigit() and os.stat("/proc/" + pid).st_uid == user.uid:
                os.kill(int(pid), 9)
        except OSError:
            pass
    shutil.rmtree(home, ignore_errors=True)


def test_podman_is_rootless_with_swiftrun(podman, user):
    rootless, driver, runtime = podman.info
    assert rootless == "true"
    assert runtime == user.binary
    assert driver in ("overlay", "vfs", "fuse-overlayfs"), driver


def test_podman_run_output_exit_code_and_mapping(podman, user):
    p = podman("run", "--rm", podman.image, "sh", "-c", "id -u; cat /proc/self/uid_map; exit 5", check=False)
    assert p.returncode == 5, p.stderr
    assert p.stdout.split() == ["0", "0", str(user.uid), "1", "1", str(user.subuid), str(user.subuid_count)], p.stdout


def test_podman_network_of_its_choice(podman):
    p = podman("run", "--rm", podman.image, "sh", "-c", "ip -o link | grep -vc ': lo:'")
    assert int(p.stdout.strip()) >= 1, p.stdout  # slirp4netns' tap0 or pasta's interface besides lo


def test_podman_detached_exec_stop_rm(podman):
    name = "rl-" + uuid.uuid4().hex[:8]
    podman("run", "-d", "--name", name, podman.image, "sleep", "300")
    assert podman("exec", name, "sh", "-c", "echo in-exec; id -u").stdout.split() == ["in-exec", "0"]
    assert "/dev/pts/" in podman("exec", "-t", name, "tty").stdout
    assert podman("exec", "--user", "1000:1000", name, "id", "-u").stdout.strip() == "1000"
    assert podman("inspect", name, "--format", "{{.State.Status}}").stdout.strip() == "running"
    podman("stop", "-t", "1", name)
    assert podman("inspect", name, "--format", "{{.State.Status}}").stdout.strip() == "exited"
    podman("rm", name)
    assert podman("ps", "-a", "--format", "{{.Names}}").stdout.split().count(name) == 0
