"""Namespaces: new ones, joined ones, user mappings, sysctl."""

import os

import pytest

from helpers import enable_userns, new_id, swiftrun_only_because


def _run_ok(rt, b):
    p = rt.run(b, new_id())
    assert p.returncode == 0, "rc=%d stderr=%s" % (p.returncode, p.stderr)
    return p.stdout


def _ns(kind, pid="self"):
    return os.readlink("/proc/%s/ns/%s" % (pid, kind))


def test_pid_namespace_init_is_pid1(rt, bundle):
    b = bundle().sh("echo $$; ls /proc | grep -c '^[0-9]'")
    out = _run_ok(rt, b).split()
    assert out[0] == "1"
    assert int(out[1]) <= 3  # sh, ls, grep


def test_without_pid_namespace_sees_host_pids(rt, bundle):
    b = bundle().sh("echo $$; readlink /proc/self/ns/pid")
    b.remove_ns("pid")
    out = _run_ok(rt, b).split()
    assert out[0] != "1"
    assert out[1] == _ns("pid")


def test_uts_hostname(rt, bundle):
    b = bundle().sh("hostname; readlink /proc/self/ns/uts")
    b.config["hostname"] = "box-%s" % new_id()[-6:]
    out = _run_ok(rt, b).split()
    assert out[0] == b.config["hostname"]
    assert out[1] != _ns("uts")


@swiftrun_only_because("ignores the `domainname` field (support came in runc 1.2)")
def test_uts_domainname(rt, bundle):
    b = bundle().sh("hostname; cat /proc/sys/kernel/domainname")
    b.config["hostname"] = "box"
    b.config["domainname"] = "example.test"
    out = _run_ok(rt, b).split()
    assert out == ["box", "example.test"]


def test_ipc_namespace(rt, bundle):
    b = bundle().sh("readlink /proc/self/ns/ipc")
    assert _run_ok(rt, b).strip() != _ns("ipc")


def test_network_namespace_only_lo(rt, bundle):
    b = bundle().sh("readlink /proc/self/ns/net; tail -n +3 /proc/net/dev | cut -d: -f1")
    out = _run_ok(rt, b).split()
    assert out[0] != _ns("net")
    assert out[1:] == ["lo"]


def test_mount_namespace_mounts_invisible_on_host(rt, bundle):
    b = bundle()
    b.add_mount("/mnt/private", "tmpfs", type_="tmpfs", options=["size=1m"])
    b.sh("readlink /proc/self/ns/mnt; grep -c ' /mnt/private ' /proc/self/mountinfo")
    out = _run_ok(rt, b).split()
    assert out[0] != _ns("mnt")
    assert out[1] == "1"
    with open("/proc/self/mountinfo") as f:
        assert os.path.join(b.rootfs, "mnt/private") not in f.read()


def _userns(b):
    enable_userns(b)


def test_user_namespace_mappings(rt, bundle):
    b = bundle()
    _userns(b)
    host = b.hostdir()
    os.mkdir(os.path.join(b.rootfs, "out"))  # mapped root cannot mkdir in the rootfs
    b.add_mount("/out", host, options=["rbind", "rw"])
    b.sh("id -u; id -g; cat /proc/self/uid_map; cat /proc/self/gid_map; "
         "readlink /proc/self/ns/user; touch /out/made-inside")
    out = _run_ok(rt, b).splitlines()
    assert out[0] == "0" and out[1] == "0"
    assert out[2].split() == ["0", "100000", "65536"]
    assert out[3].split() == ["0", "100000", "65536"]
    assert out[4] != _ns("user")
    st = os.stat(os.path.join(host, "made-inside"))
    assert (st.st_uid, st.st_gid) == (100000, 100000)


def test_user_namespace_process_uid_maps_to_host(rt, bundle):
    b = bundle().args("sleep", "100")
    _userns(b)
    b.process["user"] = {"uid": 1000, "gid": 1000}
    cid = new_id()
    rt.create(b, cid)
    pid = rt.state(cid)["pid"]
    rt("start", cid)
    with open("/proc/%d/status" % pid) as f:
        status = dict(l.split(":", 1) for l in f)
    assert status["Uid"].split()[0] == "101000"
    assert status["Gid"].split()[0] == "101000"


def test_cgroup_namespace(rt, bundle):
    b = bundle().sh("readlink /proc/self/ns/cgroup; cat /proc/self/cgroup")
    b.add_ns("cgroup")
    out = _run_ok(rt, b).splitlines()
    assert out[0] != _ns("cgroup")
    lines = [l for l in out[1:] if l.strip()]
    assert lines
    for l in lines:
        assert l.split(":", 2)[2] == "/", "cgroup path not namespaced: %s" % l


@swiftrun_only_because("does not support the time namespace "
                       "(namespace {\"time\" \"\"} does not exist)")
def test_time_namespace_offsets(rt, bundle):
    offset = 100000
    b = bundle().sh("cat /proc/uptime; readlink /proc/self/ns/time")
    b.add_ns("time")
    b.config["linux"]["timeOffsets"] = {
        "boottime": {"secs": offset, "nanosecs": 0},
        "monotonic": {"secs": offset, "nanosecs": 0},
    }
    with open("/proc/uptime") as f:
        before = float(f.read().split()[0])
    out = _run_ok(rt, b).splitlines()
    with open("/proc/uptime") as f:
        after = float(f.read().split()[0])
    inside = float(out[0].split()[0])
    assert before + offset - 1 <= inside <= after + offset + 1
    assert out[1] != _ns("time")


def test_join_network_namespace_by_path(rt, bundle):
    a = bundle().args("sleep", "100")
    ca = new_id("a")
    rt.create(a, ca)
    pid = rt.state(ca)["pid"]
    target = "/proc/%d/ns/net" % pid
    b = bundle().sh("readlink /proc/self/ns/net")
    b.add_ns("network", path=target)
    assert _run_ok(rt, b).strip() == os.readlink(target)


def test_join_pid_namespace_by_path(rt, bundle):
    """docker/podman `--pid container:X`, pods sharing pid, `ctr run --with-ns pid:...`: the
    joining init sees getppid() == 0 (its parent is outside the namespace) and must go on."""
    a = bundle().args("sleep", "100")
    ca = new_id("a")
    rt.create(a, ca)
    rt("start", ca)
    pid = rt.state(ca)["pid"]
    b = bundle().sh("readlink /proc/self/ns/pid; ps -o comm")
    b.remove_ns("pid")
    b.add_ns("pid", path="/proc/%d/ns/pid" % pid)
    out = _run_ok(rt, b).split()
    assert out[0] == _ns("pid", pid)
    assert "sleep" in out, out


def test_join_mount_namespace_by_path(rt, bundle):
    """A mount namespace joined by path (the runtime-tools validation suite's linux_ns_path, with
    one a process made by unshare(1) holds): the rootfs is set up in it as in a new one (pivot_root,
    /proc), and nothing of it appears in the runtime's mount namespace."""
    import subprocess
    holder = subprocess.Popen(["unshare", "-m", "--propagation", "private", "sleep", "100"])
    try:
        target = "/proc/%d/ns/mnt" % holder.pid
        for _ in range(100):
            if os.path.exists(target) and os.readlink(target) != _ns("mnt"):
                break
            import time
            time.sleep(0.05)
        b = bundle().sh("readlink /proc/self/ns/mnt; ls /proc/self/ns >/dev/null && echo proc-ok; "
                        "test -x /bin/sh && echo rootfs-ok")
        b.remove_ns("mount")
        b.add_ns("mount", path=target)
        out = _run_ok(rt, b).split()
        assert out == [os.readlink(target), "proc-ok", "rootfs-ok"], out
        with open("/proc/self/mountinfo") as f:
            assert b.rootfs not in f.read()
    finally:
        holder.kill()
        holder.wait()


def test_join_uts_and_ipc_namespaces_by_path(rt, bundle):
    a = bundle().args("sleep", "100")
    a.config["hostname"] = "first-box"
    ca = new_id("a")
    rt.create(a, ca)
    rt("start", ca)
    pid = rt.state(ca)["pid"]
    b = bundle().sh("readlink /proc/self/ns/uts; readlink /proc/self/ns/ipc; "
                    "cat /proc/sys/kernel/hostname")
    b.add_ns("uts", path="/proc/%d/ns/uts" % pid)
    b.add_ns("ipc", path="/proc/%d/ns/ipc" % pid)
    b.config.pop("hostname", None)
    out = _run_ok(rt, b).split()
    assert out[0] == _ns("uts", pid)
    assert out[1] == _ns("ipc", pid)
    assert out[2] == "first-box"


def test_hostname_set_in_joined_uts_namespace(rt, bundle):
    """config-linux.md: `hostname` needs a UTS namespace, new or joined by path; in a joined
    one it is set there (shared with the namespace's other processes), never on the host."""
    with open("/proc/sys/kernel/hostname") as f:
        host = f.read()
    a = bundle().args("sleep", "100")
    a.config["hostname"] = "first-box"
    ca = new_id("a")
    rt.create(a, ca)
    rt("start", ca)
    pid = rt.state(ca)["pid"]
    b = bundle().sh("readlink /proc/self/ns/uts; hostname")
    b.add_ns("uts", path="/proc/%d/ns/uts" % pid)
    b.config["hostname"] = "second-box"
    out = _run_ok(rt, b).split()
    assert out == [_ns("uts", pid), "second-box"]
    assert rt("exec", ca, "hostname").stdout.strip() == "second-box"
    with open("/proc/sys/kernel/hostname") as f:
        assert f.read() == host


def test_sysctl_in_new_netns(rt, bundle):
    b = bundle().sh("cat /proc/sys/net/ipv4/ip_forward; cat /proc/sys/kernel/shmmni")
    b.config["linux"]["sysctl"] = {"net.ipv4.ip_forward": "1", "kernel.shmmni": "1234"}
    out = _run_ok(rt, b).split()
    assert out == ["1", "1234"]
    with open("/proc/sys/kernel/shmmni") as f:
        assert f.read().strip() != "1234"


def test_sysctl_not_namespaced_refused(rt, bundle):
    """A sysctl that is not namespaced (or whose namespace is the host's)
    must be refused, never written to the host."""
    b = bundle().args("true")
    b.config["linux"]["sysctl"] = {"vm.swappiness": "13"}
    with open("/proc/sys/vm/swappiness") as f:
        before = f.read()
    p = rt.run(b, new_id())
    assert p.returncode != 0
    assert "vm.swappiness" in p.stderr
    with open("/proc/sys/vm/swappiness") as f:
        assert f.read() == before


@pytest.mark.parametrize("userns", [False, True])
def test_loopback_is_up_in_a_new_network_namespace(rt, bundle, userns):
    b = bundle().args("cat", "/sys/class/net/lo/flags")
    if userns:
        enable_userns(b)
    p = rt.run(b, new_id())
    assert p.returncode == 0, p.stderr
    assert int(p.stdout.strip(), 16) & 0x1, p.stdout  # IFF_UP


def _host_mounts():
    with open("/proc/self/mountinfo") as f:
        return set(f.read().splitlines())


def _without_mount_ns(b):
    b.remove_ns("mount")
    # runc: "unable to restrict sys entries without a private MNT namespace"
    del b.config["linux"]["maskedPaths"]
    del b.config["linux"]["readonlyPaths"]
    open(os.path.join(b.rootfs, "marker-in-rootfs"), "w").close()


@swiftrun_only_because("leaves the container's mounts (rootfs bind, /proc, /dev, ...) in the "
                       "host's mount namespace after delete")
def test_without_mount_namespace_inherits_runtime_one(rt, bundle):
    """config-linux.md: a namespace type not listed is inherited from the runtime. Without a
    mount namespace the rootfs is set up in the runtime's one (chroot, as runc); run, exec and
    delete leave no mount behind on the host."""
    before = _host_mounts()
    b = bundle().sh("readlink /proc/self/ns/mnt; ls /marker-in-rootfs; grep -c . /proc/self/mounts >/dev/null"
                    " && echo proc-ok; sleep 100")
    _without_mount_ns(b)
    b.config["root"]["readonly"] = True
    cid = new_id()
    rt.create(b, cid)
    assert any(b.path in l for l in _host_mounts() - before)
    p = rt("exec", cid, "sh", "-c", "readlink /proc/self/ns/mnt; ls /marker-in-rootfs; "
                                     "touch /x 2>/dev/null || echo ro")
    assert p.stdout.split() == [_ns("mnt"), "/marker-in-rootfs", "ro"], p.stdout
    rt("delete", "--force", cid)
    assert [l for l in _host_mounts() - before if b.path in l] == []
    out = _run_ok(rt, b.args("sh", "-c", "readlink /proc/self/ns/mnt; ls /marker-in-rootfs")).split()
    assert out == [_ns("mnt"), "/marker-in-rootfs"]
    assert [l for l in _host_mounts() - before if b.path in l] == []
    # A create that fails once everything is mounted (the program is resolved last) unmounts it.
    cid = new_id()
    assert rt.create(b.args("/no/such/program"), cid, check=False).returncode != 0
    assert not rt.exists(cid)
    assert [l for l in _host_mounts() - before if b.path in l] == []


def test_without_mount_namespace_masked_paths_refused(rt, bundle):
    b = bundle().args("true")
    b.remove_ns("mount")
    del b.config["linux"]["readonlyPaths"]
    p = rt.run(b, new_id())
    assert p.returncode != 0
    assert "without a private MNT namespace" in p.stderr, p.stderr


# --- user namespaces: what the runtime does on the host side (as runc) ----------------------------

def test_userns_bind_source_under_a_private_directory(rt, bundle, tmp_path):
    """A bind source under a 0700 directory of the host's root (podman volumes, kubelet pod dirs):
    the runtime opens it on the host side, so the mapped init need not search the directory."""
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    os.chmod(private, 0o700)
    vol = private / "volume"
    vol.mkdir()
    os.chmod(vol, 0o755)
    (vol / "data").write_text("volume-data\n")
    os.chmod(vol / "data", 0o644)
    b = bundle().args("cat", "/tmp/vol/data")
    enable_userns(b)
    b.config["mounts"].append({"destination": "/tmp/vol", "type": "bind", "source": str(vol),
                               "options": ["rbind", "ro"]})
    cid = new_id()
    p = rt.run(b, cid)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "volume-data\n"


def test_userns_oom_score_adj_is_set(rt, bundle):
    """oomScoreAdj with a user namespace (the kubelet sets it on every container): written with the
    host's credentials before the init enters its namespaces."""
    b = bundle().args("cat", "/proc/self/oom_score_adj")
    enable_userns(b)
    b.process["oomScoreAdj"] = 500
    cid = new_id()
    p = rt.run(b, cid)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "500"
