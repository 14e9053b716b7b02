"""End to end under docker: a private dockerd (with its own containerd) runs every container with
the runtime under test, registered as `--add-runtime swiftrun=<helpers.BINARY>` and made the
default runtime. The daemon gets its own data root, exec root, pid file, socket and cgroup parent
in a temp dir, an empty config file, no registry, `--iptables=false --ip-masq=false
--ip-forward=false --bridge=none`; the only host network change is the bridge of the one network
the port-publishing test creates (removed after it), and requests go to 127.0.0.1 only.
Everything is stopped and removed after the module, also when a test fails.

Skipped, with the reason, when dockerd is not installed (`apt-get install docker.io`)."""

import fcntl
import json
import os
import random
import select
import shutil
import signal
import socket
import struct
import subprocess
import tarfile
import tempfile
import termios
import time
import urllib.request

import pytest

from helpers import BINARY, IS_RUNC, new_id, wait_for

DOCKERD = shutil.which("dockerd") or ("/usr/sbin/dockerd" if os.path.exists("/usr/sbin/dockerd") else None)
# The client of the same package as the daemon (a newer one elsewhere in PATH would also do).
DOCKER = (os.path.join("/usr/bin", "docker") if os.path.exists("/usr/bin/docker")
          else shutil.which("docker"))
pytestmark = pytest.mark.skipif(not (DOCKERD and DOCKER),
                                reason="docker is not installed (apt-get install docker.io)")

# Joining another container's pid namespace by path: the container's init sees getppid() == 0
# (its parent is outside the joined namespace) and exits 1 (Sources/Runtime/ContainerInit.swift:
# `if !c.plan.newPid && getppid() != c.parentPid { _exit(1) }`).


def _cgroup_dirs(name):
    """Every directory `name` (a top-level cgroup) in this host's cgroup hierarchies."""
    found = []
    for top in sorted(os.listdir("/sys/fs/cgroup")):
        mnt = os.path.join("/sys/fs/cgroup", top)
        if os.path.islink(mnt) or not os.path.isdir(mnt):
            continue
        if os.path.isdir(os.path.join(mnt, name)):
            found.append(os.path.join(mnt, name))
    if os.path.isdir(os.path.join("/sys/fs/cgroup", name)):
        found.append(os.path.join("/sys/fs/cgroup", name))
    return found


def _rmdir_tree(path):
    for dirpath, dirnames, _ in sorted(os.walk(path, topdown=False), key=lambda t: -len(t[0])):
        try:
            os.rmdir(dirpath)
        except OSError:
            pass


def _umount_under(base):
    with open("/proc/self/mountinfo") as f:
        points = [l.split()[4] for l in f]
    for p in sorted((p for p in points if p.startswith(base + "/")), key=len, reverse=True):
        subprocess.run(["umount", "-l", p], capture_output=True)


@pytest.fixture(scope="module")
def docker(rootfs):
    # Short paths: containerd's sockets live under the exec root and unix socket paths are short.
    base = tempfile.mkdtemp(prefix="swd-", dir="/tmp")
    sock = os.path.join(base, "docker.sock")
    cgroup_parent = "swiftrun-docker-" + new_id("")[1:]
    with open(os.path.join(base, "daemon.json"), "w") as f:
        f.write("{}\n")
    os.makedirs(os.path.join(base, "client"))
    log = open(os.path.join(base, "dockerd.log"), "w")
    daemon = subprocess.Popen(
        [DOCKERD, "--config-file", os.path.join(base, "daemon.json"),
         "--data-root", os.path.join(base, "data"), "--exec-root", os.path.join(base, "exec"),
         "--pidfile", os.path.join(base, "dockerd.pid"), "-H", "unix://" + sock,
         "--iptables=false", "--ip6tables=false", "--ip-masq=false", "--ip-forward=false",
         "--bridge=none", "--storage-driver", "vfs", "--exec-opt", "native.cgroupdriver=cgroupfs",
         "--cgroup-parent", "/" + cgroup_parent, "--add-runtime", "swiftrun=" + BINARY,
         "--default-runtime", "swiftrun"],
        stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    env = dict(os.environ, DOCKER_HOST="unix://" + sock, DOCKER_CONFIG=os.path.join(base, "client"))

    def run(*args, check=True, timeout=60, input=None):
        p = subprocess.run([DOCKER] + list(args), capture_output=True, text=True, timeout=timeout,
                           env=env, input=input, stdin=None if input is not None else subprocess.DEVNULL)
        if check and p.returncode != 0:
            raise AssertionError("docker %s failed (%d): %s%s" % (" ".join(args), p.returncode,
                                                                  p.stdout, p.stderr))
        return p

    run.env = env
    run.base = base
    try:
        up = wait_for(lambda: daemon.poll() is None and run("version", check=False, timeout=10).returncode == 0,
                      timeout=60, interval=0.3)
        if not up:
            with open(os.path.join(base, "dockerd.log")) as f:
                raise AssertionError("dockerd did not come up:\n" + f.read()[-3000:])
        tar = os.path.join(base, "rootfs.tar")
        with tarfile.open(tar, "w") as t:
            t.add(rootfs, arcname=".")
        run.image = "localhost/swiftrun-e2e:%s" % new_id()
        run("import", tar, run.image, timeout=120)
        # The runtime docker hands containers to is the one under test.
        info = json.loads(run("info", "--format", "{{json .}}").stdout)
        assert info["DefaultRuntime"] == "swiftrun"
        assert info["Runtimes"]["swiftrun"]["path"] == BINARY
        yield run
    finally:
        ids = run("ps", "-aq", check=False).stdout.split()
        if ids:
            run("rm", "-f", *ids, check=False)
        for net in run("network", "ls", "-q", "--filter", "label=swiftrun-e2e", check=False).stdout.split():
            run("network", "rm", net, check=False)
        if daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        try:  # dockerd's containerd and any shim left are in the daemon's session
            os.killpg(daemon.pid, signal.SIGKILL)
        except OSError:
            pass
        daemon.wait()
        log.close()
        for d in _cgroup_dirs(cgroup_parent):
            _rmdir_tree(d)
        _umount_under(base)
        shutil.rmtree(base, ignore_errors=True)


def _name():
    return new_id("dk")


def _state(docker, name, field):
    return docker("inspect", "--format", "{{.State.%s}}" % field, name).stdout.strip()


def _ns(docker, name, kind):
    return docker("exec", name, "readlink", "/proc/self/ns/" + kind).stdout.strip()


def _through_pty(docker, args, typed, size=None):
    """Run the docker client on a pty (as a user's terminal), type `typed`, read until it exits."""
    master, slave = os.openpty()
    if size:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[0], size[1], 0, 0))
    p = subprocess.Popen([DOCKER] + args, stdin=slave, stdout=slave, stderr=slave, env=docker.env,
                         start_new_session=True)
    os.close(slave)
    out = b""
    try:
        os.write(master, typed)
        deadline = time.time() + 60
        while time.time() < deadline:
            r, _, _ = select.select([master], [], [], 0.5)
            if r:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the client closed its side
                    break
                if not chunk:
                    break
                out += chunk
            elif p.poll() is not None:
                break
        rc = p.wait(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        os.close(master)
    return rc, out.decode("utf-8", "replace")


# ----------------------------------------------------------------- run, exit codes, logs

def test_docker_run_output_and_exit_codes(docker):
    p = docker("run", "--rm", "--network", "none", docker.image, "sh", "-c",
               "echo hello-docker; echo to-stderr >&2; exit 7", check=False)
    assert p.returncode == 7, p.stderr
    assert p.stdout == "hello-docker\n"
    assert "to-stderr" in p.stderr
    # docker maps the runtime's "not found" error to 127 and "not executable" to 126.
    p = docker("run", "--rm", "--network", "none", docker.image, "/no/such/program", check=False)
    assert p.returncode == 127, p.stderr
    p = docker("run", "--rm", "--network", "none", docker.image, "/etc/passwd", check=False)
    assert p.returncode == 126, p.stderr
    # stdin is passed through with -i.
    p = docker("run", "--rm", "-i", "--network", "none", docker.image, "sh", "-c", "read l; echo got-$l",
               input="line\n")
    assert p.stdout == "got-line\n"


def test_docker_detached_exec_logs_stop(docker):
    name = _name()
    docker("run", "-d", "--name", name, "--network", "none", docker.image, "sh", "-c",
           "trap 'echo got-term; exit 0' TERM; echo started; while :; do sleep 0.1; done")
    assert wait_for(lambda: "started" in docker("logs", name).stdout)
    assert _state(docker, name, "Status") == "running"
    assert docker("exec", name, "sh", "-c", "echo in-exec; echo $$").stdout.split()[0] == "in-exec"
    p = docker("exec", name, "sh", "-c", "exit 3", check=False)
    assert p.returncode == 3
    assert docker("exec", "-t", name, "tty").stdout.strip().startswith("/dev/pts/")
    assert docker("exec", "--user", "1000:1000", "-w", "/tmp", "-e", "X=y", name, "sh", "-c",
                  "id -u; pwd; echo $X").stdout.split() == ["1000", "/tmp", "y"]
    docker("stop", "-t", "10", name)
    assert _state(docker, name, "Status") == "exited"
    assert _state(docker, name, "ExitCode") == "0"
    assert docker("logs", name).stdout.split() == ["started", "got-term"]
    docker("rm", name)


def test_docker_run_it_through_a_pty(docker):
    rc, text = _through_pty(docker, ["run", "-it", "--rm", "--network", "none", docker.image, "sh"],
                            b"sleep 1; tty; stty size; echo pty-$((6*7)); exit 4\n", size=(33, 101))
    assert "pty-42" in text, text
    assert "/dev/pts/0" in text, text
    assert "33 101" in text, text
    assert rc == 4, text


def test_docker_kill_pause_unpause(docker):
    name = _name()
    docker("run", "-d", "--name", name, "--network", "none", docker.image, "sh", "-c",
           "trap 'echo got-usr1' USR1; while :; do sleep 0.1; done")
    docker("pause", name)
    assert _state(docker, name, "Status") == "paused"
    p = docker("exec", name, "true", check=False)
    assert p.returncode != 0 and "paused" in p.stderr
    docker("unpause", name)
    assert _state(docker, name, "Status") == "running"
    docker("kill", "--signal", "USR1", name)
    assert wait_for(lambda: "got-usr1" in docker("logs", name).stdout)
    assert _state(docker, name, "Status") == "running"
    docker("kill", name)
    assert wait_for(lambda: _state(docker, name, "Status") == "exited")
    assert _state(docker, name, "ExitCode") == "137"
    docker("rm", name)


# ----------------------------------------------------------------- resources

def test_docker_memory_limit_oom_killed(docker):
    name = _name()
    p = docker("run", "--name", name, "--network", "none", "--memory", "32m", "--memory-swap", "32m",
               docker.image, "sh", "-c",
               "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max; "
               "dd if=/dev/zero of=/dev/null bs=128M count=1", check=False)
    assert p.stdout.split()[0] == str(32 << 20), p.stdout + p.stderr
    assert p.returncode == 137, p.stdout + p.stderr
    assert _state(docker, name, "OOMKilled") == "true"
    docker("rm", name)


def test_docker_pids_limit(docker):
    p = docker("run", "--rm", "--network", "none", "--pids-limit", "20", docker.image, "sh", "-c",
               "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max; "
               "for i in $(seq 1 40); do sleep 30 & done; echo spawned", check=False)
    assert p.stdout.split()[0] == "20", p.stdout + p.stderr
    assert "fork" in p.stderr.lower() or "resource temporarily unavailable" in p.stderr.lower(), p.stderr


def test_docker_update_stats_top(docker):
    name = _name()
    docker("run", "-d", "--name", name, "--network", "none", "--memory", "128m", docker.image,
           "sleep", "300")
    docker("update", "--memory", "64m", "--memory-swap", "96m", name)
    limit = docker("exec", name, "sh", "-c",
                   "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max")
    assert limit.stdout.strip() == str(64 << 20)
    assert docker("inspect", "--format", "{{.HostConfig.Memory}}", name).stdout.strip() == str(64 << 20)
    stats = docker("stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}} {{.PIDs}}", name).stdout
    assert stats.split()[0] == name and "64MiB" in stats and stats.split()[-1] == "1", stats
    top = docker("top", name).stdout
    assert "sleep 300" in top, top
    docker("rm", "-f", name)


# ----------------------------------------------------------------- process, mounts, security

def test_docker_read_only_tmpfs_volume_user(docker, tmp_path):
    (tmp_path / "f").write_text("hostfile\n")
    os.chmod(tmp_path, 0o755)
    p = docker("run", "--rm", "--network", "none", "--read-only", "--tmpfs", "/scratch",
               "-v", "%s:/data:ro" % tmp_path, "-v", "%s:/rw" % tmp_path, docker.image, "sh", "-c",
               "cat /data/f; touch /x 2>/dev/null || echo ro-root; touch /data/y 2>/dev/null || echo ro-vol; "
               "touch /scratch/y && echo tmpfs-ok; echo from-container > /rw/out")
    assert p.stdout.split() == ["hostfile", "ro-root", "ro-vol", "tmpfs-ok"], p.stdout + p.stderr
    assert (tmp_path / "out").read_text() == "from-container\n"
    p = docker("run", "--rm", "--network", "none", "--user", "1000:1000", "--group-add", "44",
               docker.image, "id")
    assert p.stdout.split()[:2] == ["uid=1000", "gid=1000"] and "44" in p.stdout, p.stdout


def test_docker_init(docker):
    p = docker("run", "--rm", "--init", "--network", "none", docker.image, "sh", "-c",
               "cat /proc/1/cmdline | tr '\\0' ' '; echo; exit 9", check=False)
    assert p.returncode == 9, p.stderr
    assert "docker-init" in p.stdout.split()[0], p.stdout


def test_docker_capabilities(docker):
    p = docker("run", "--rm", "--network", "none", "--cap-drop", "ALL", "--cap-add", "NET_RAW",
               docker.image, "grep", "^Cap", "/proc/self/status")
    caps = dict(l.split(":\t") for l in p.stdout.splitlines())
    assert caps["CapEff"] == caps["CapPrm"] == caps["CapBnd"] == "%016x" % (1 << 13), p.stdout
    p = docker("run", "--rm", "--network", "none", "--cap-drop", "CHOWN", docker.image, "sh", "-c",
               "chown 1:1 /tmp && echo chowned || echo denied")
    assert p.stdout.strip() == "denied"
    p = docker("run", "--rm", "--network", "none", "--cap-add", "SYS_ADMIN", docker.image, "sh", "-c",
               "mount -t tmpfs none /tmp && echo mounted")
    assert p.stdout.strip() == "mounted", p.stderr


# ----------------------------------------------------------------- network and sharing

def _free_subnet():
    routes = subprocess.run(["ip", "-4", "route"], capture_output=True, text=True).stdout
    for _ in range(50):
        n = random.randint(16, 250)
        if "10.213.%d." % n not in routes:
            return "10.213.%d.0/24" % n
    pytest.skip("no free 10.213.x.0/24 subnet for a test network")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_docker_publish_port_on_loopback(docker):
    net = "swr-" + new_id("")[1:9]
    docker("network", "create", "--driver", "bridge", "--subnet", _free_subnet(), "--label", "swiftrun-e2e",
           "-o", "com.docker.network.bridge.enable_ip_masquerade=false",
           "-o", "com.docker.network.bridge.name=" + net, net)
    name = _name()
    port = _free_port()
    try:
        docker("run", "-d", "--name", name, "--network", net, "-p", "127.0.0.1:%d:80" % port,
               docker.image, "sh", "-c",
               "mkdir -p /www && echo hello-from-%s > /www/index.html && exec httpd -f -p 80 -h /www" % name)

        def fetch():
            try:
                return urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=2).read().decode()
            except OSError:
                return None
        body = wait_for(fetch, timeout=20, interval=0.3)
        assert body == "hello-from-%s\n" % name
    finally:
        docker("rm", "-f", name, check=False)
        docker("network", "rm", net, check=False)


@pytest.mark.parametrize("kind", ["pid", "net", "ipc"])
def test_docker_share_namespace_with_container(docker, kind):
    first = _name()
    flag = {"pid": "--pid", "net": "--network", "ipc": "--ipc"}[kind]
    extra = ["--ipc", "shareable"] if kind == "ipc" else []
    docker("run", "-d", "--name", first, "--network", "none", *extra, docker.image, "sleep", "300")
    try:
        want = _ns(docker, first, kind)
        args = ["--network", "none"] if kind != "net" else []
        p = docker("run", "--rm", *args, flag, "container:" + first, docker.image, "sh", "-c",
                   "readlink /proc/self/ns/%s; ps -o comm" % kind, check=False)
        assert p.returncode == 0, p.stderr
        assert p.stdout.split()[0] == want, p.stdout
        if kind == "pid":
            assert "sleep" in p.stdout.split(), p.stdout
    finally:
        docker("rm", "-f", first, check=False)


def test_docker_more_run_options(docker):
    """Options docker turns into other parts of config.json: hostname, sysctl, shm size, rlimits,
    devices, no_new_privs, seccomp."""
    p = docker("run", "--rm", "--network", "none", "--hostname", "dkhost", "--sysctl", "kernel.shmmax=123456789",
               "--shm-size", "16m", "--ulimit", "nofile=512:640", "--device", "/dev/null:/dev/xnull",
               "--security-opt", "no-new-privileges", docker.image, "sh", "-c",
               "hostname; cat /proc/sys/kernel/shmmax; df -k /dev/shm | tail -1 | awk '{print $2}'; "
               "ulimit -n; ulimit -Hn; echo x > /dev/xnull && echo dev-ok; grep NoNewPrivs /proc/self/status")
    assert p.stdout.split() == ["dkhost", "123456789", "16384", "512", "640", "dev-ok", "NoNewPrivs:", "1"], \
        p.stdout + p.stderr
    # docker's default seccomp profile is on otherwise.
    p = docker("run", "--rm", "--network", "none", docker.image, "grep", "^Seccomp:", "/proc/self/status")
    assert p.stdout.split() == ["Seccomp:", "2"], p.stdout


def test_docker_restart_cp_exec_it(docker, tmp_path):
    name = _name()
    docker("run", "-d", "--name", name, "--network", "none", docker.image, "sh", "-c",
           "echo run >> /count; while :; do sleep 0.1; done")
    docker("restart", "-t", "1", name)
    assert _state(docker, name, "Status") == "running"
    assert docker("exec", name, "cat", "/count").stdout.split() == ["run", "run"]
    (tmp_path / "in").write_text("copied-in\n")
    docker("cp", str(tmp_path / "in"), name + ":/in")
    docker("cp", name + ":/count", str(tmp_path / "out"))
    assert (tmp_path / "out").read_text() == "run\nrun\n"
    assert docker("exec", name, "cat", "/in").stdout == "copied-in\n"
    docker("rm", "-f", name)


def _host_bounding_set():
    with open("/proc/self/status") as f:
        return int(next(l for l in f if l.startswith("CapBnd:")).split()[1], 16)


ALL_CAPS = (1 << 41) - 1  # up to CAP_CHECKPOINT_RESTORE (40)


@pytest.mark.skipif(IS_RUNC and _host_bounding_set() & ALL_CAPS != ALL_CAPS,
                    reason="this host's bounding set lacks capabilities (CAP_SYS_RESOURCE): runc 1.1.5 "
                           "fails --privileged with 'unable to apply caps: operation not permitted'")
def test_docker_privileged(docker):
    """--privileged: every capability the host can grant (swiftrun warns about and drops the
    others), no seccomp, the host's devices."""
    p = docker("run", "--rm", "--network", "none", "--privileged", docker.image, "sh", "-c",
               "grep -E '^(CapEff|Seccomp):' /proc/self/status; test -c /dev/kmsg && echo host-devs")
    fields = dict(l.split(":\t") for l in p.stdout.splitlines() if ":\t" in l)
    eff, bnd, known = int(fields["CapEff"], 16), _host_bounding_set(), (1 << 38) - 1
    # docker 20.10 knows the capabilities up to CAP_AUDIT_READ (37).
    assert eff & known == bnd & known and eff & ~bnd == 0, p.stdout
    assert fields["Seccomp"] == "0", p.stdout
    assert "host-devs" in p.stdout, p.stdout


def test_docker_cpu_cgroupns_update(docker):
    name = _name()
    docker("run", "-d", "--name", name, "--network", "none", "--cpuset-cpus", "0", "--cpu-shares", "512",
           "--oom-score-adj", "200", "--cgroupns", "private", docker.image, "sleep", "300")
    try:
        p = docker("exec", name, "sh", "-c",
                   "cat /sys/fs/cgroup/cpuset/cpuset.cpus /sys/fs/cgroup/cpu/cpu.shares /proc/1/oom_score_adj; "
                   "grep -c :/$ /proc/1/cgroup")
        out = p.stdout.split()
        assert out[:3] == ["0", "512", "200"], p.stdout
        assert int(out[3]) >= 5, p.stdout  # private cgroup ns: every hierarchy is / inside
        docker("update", "--cpus", "0.5", "--pids-limit", "33", name)
        p = docker("exec", name, "cat", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us",
                   "/sys/fs/cgroup/cpu/cpu.cfs_period_us", "/sys/fs/cgroup/pids/pids.max")
        assert p.stdout.split() == ["50000", "100000", "33"], p.stdout
    finally:
        docker("rm", "-f", name, check=False)


def test_docker_exec_it_through_a_pty(docker):
    name = _name()
    docker("run", "-d", "--name", name, "--network", "none", docker.image, "sleep", "300")
    try:
        rc, text = _through_pty(docker, ["exec", "-it", name, "sh"],
                                b"tty; echo exec-$((6*7)); exit 5\n")
    finally:
        docker("rm", "-f", name, check=False)
    assert "exec-42" in text and "/dev/pts/" in text, text
    assert rc == 5, text


def test_docker_healthcheck_attach_wait(docker):
    """A health check (an exec every interval), `wait` for the exit code, and `attach`."""
    name = _name()
    docker("run", "-d", "--name", name, "--network", "none", "--health-cmd", "test -e /ready",
           "--health-interval", "1s", "--health-retries", "1", "--stop-signal", "USR2", docker.image,
           "sh", "-c", "trap 'echo got-usr2; exit 21' USR2; touch /ready; while :; do sleep 0.1; done")
    try:
        assert wait_for(lambda: _state(docker, name, "Health.Status") == "healthy", timeout=30), \
            docker("inspect", "--format", "{{json .State.Health}}", name).stdout
        docker("exec", name, "rm", "/ready")
        assert wait_for(lambda: _state(docker, name, "Health.Status") == "unhealthy", timeout=30)
        attach = subprocess.Popen([DOCKER, "attach", "--no-stdin", name], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=docker.env,
                                  text=True)
        time.sleep(1)
        docker("stop", "-t", "10", name)
        out, _ = attach.communicate(timeout=30)
        assert "got-usr2" in out
        assert docker("wait", name).stdout.strip() == "21"
    finally:
        docker("rm", "-f", name, check=False)
