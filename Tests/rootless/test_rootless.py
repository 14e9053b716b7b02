"""An ordinary user runs containers: default state root, lifecycle, exec, kill, list, terminals,
id mappings (own id alone, and a subuid range through newuidmap), bind mounts of its own files,
and the fallbacks and refusals of runc's rootless mode."""

import json
import os
import pty
import select
import shutil
import stat
import subprocess
import time

import pytest

TIMEOUT = int(os.environ.get("SWIFTRUN_TIMEOUT", "30"))


def wait_status(rt, cid, want, timeout=10):
    end = time.time() + timeout
    s = None
    while time.time() < end:
        s = rt.state(cid)["status"]
        if s == want:
            return
        time.sleep(0.05)
    raise AssertionError("status of %s is %s, waited for %s" % (cid, s, want))


def test_spec_rootless_matches_runc_and_runs(user, rt, bundle):
    d = user.mkdir(os.path.join(user.base, "spec-cmp"))
    try:
        rt("spec", "--rootless", cwd=d)
        ours = json.load(open(os.path.join(d, "config.json")))
        assert ours["linux"]["uidMappings"] == [{"containerID": 0, "hostID": user.uid, "size": 1}]
        assert ours["linux"]["gidMappings"] == [{"containerID": 0, "hostID": user.gid, "size": 1}]
        assert "resources" not in ours["linux"]
        assert {"type": "user"} in ours["linux"]["namespaces"]
        assert {"type": "network"} not in ours["linux"]["namespaces"]
        if shutil.which("runc"):
            os.rename(os.path.join(d, "config.json"), os.path.join(d, "ours.json"))
            user.run(["runc", "spec", "--rootless"], cwd=d)
            theirs = json.load(open(os.path.join(d, "config.json")))
            ours.pop("ociVersion")
            theirs.pop("ociVersion")
            assert ours == theirs
    finally:
        shutil.rmtree(d, ignore_errors=True)
    # Unchanged but for args and terminal, it runs.
    b = bundle().sh("id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; ls /sys/kernel >/dev/null && echo sys").save()
    p = rt("run", "--bundle", b.path, "spec-rt")
    assert p.stdout.split() == ["0", "0", "0", str(user.uid), "1", "0", str(user.gid), "1", "sys"], p.stderr


def test_default_root_is_xdg_runtime_dir(user, rt, bundle):
    b = bundle(["sleep", "100"])
    rt("create", "--bundle", b.path, "xdg1")
    d = os.path.join(rt.state_root, "xdg1")
    st = os.stat(rt.state_root)
    assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (user.uid, 0o1700)
    assert os.stat(d).st_uid == user.uid
    assert [c["id"] for c in json.loads(rt("list", "--format", "json").stdout)] == ["xdg1"]
    # --root still wins.
    other = user.mkdir(os.path.join(rt.xdg, "other"), 0o700)
    assert json.loads(rt("--root", other, "list", "--format", "json").stdout or "[]") in ([], None)
    rt("delete", "--force", "xdg1")
    assert not os.path.exists(d)


def test_refuses_without_usable_state_root(user, rt, bundle):
    b = bundle(["true"])
    env = user.env(None)
    p = rt("run", "--bundle", b.path, "noroot", check=False, env=env)
    assert p.returncode != 0
    assert "XDG_RUNTIME_DIR" in p.stderr and "--root" in p.stderr, p.stderr
    p = rt("run", "--bundle", b.path, "noroot", check=False, env=user.env("/proc/nonexistent"))
    assert p.returncode != 0
    assert "XDG_RUNTIME_DIR must be writable by the user" in p.stderr, p.stderr
    assert not os.path.exists("/proc/nonexistent")


def test_lifecycle_kill_delete_list(user, rt, bundle):
    b = bundle(["sleep", "100"])
    rt("create", "--bundle", b.path, "life")
    s = rt.state("life")
    assert s["status"] == "created"
    pid = s["pid"]
    # The init is the user's on the host (its only mapped id), holding no capability there.
    status = open("/proc/%d/status" % pid).read()
    uids = [l.split()[1:] for l in status.splitlines() if l.startswith(("Uid:", "Gid:"))]
    assert uids == [[str(user.uid)] * 4, [str(user.gid)] * 4]
    rt("start", "life")
    wait_status(rt, "life", "running")
    listed = {c["id"]: c for c in json.loads(rt("list", "--format", "json").stdout)}
    assert listed["life"]["status"] == "running"
    assert rt("list", "-q").stdout.split() == ["life"]
    rt("kill", "life", "KILL")
    wait_status(rt, "life", "stopped")
    rt("delete", "life")
    assert rt("state", "life", check=False).returncode != 0
    assert not os.path.exists(os.path.join(rt.state_root, "life"))


def test_exec_and_kill_all(user, rt, bundle):
    b = bundle(["sleep", "100"])
    rt("run", "--detach", "--bundle", b.path, "ex")
    p = rt("exec", "ex", "sh", "-c", "id -u; cat /proc/self/uid_map")
    assert p.stdout.split() == ["0", "0", str(user.uid), "1"]
    assert rt("exec", "ex", "sh", "-c", "exit 3", check=False).returncode == 3
    rt("exec", "--detach", "ex", "sleep", "50")
    # Without a cgroup, ps knows the init only; the container's pid namespace shows both.
    assert rt.state("ex")["pid"] in json.loads(rt("ps", "--format", "json", "ex").stdout)
    assert rt("exec", "ex", "sh", "-c", "ps -o comm | grep -c sleep").stdout.strip() == "2"
    rt("kill", "--all", "ex", "KILL")
    wait_status(rt, "ex", "stopped")
    rt("delete", "ex")


def _pty_run(user, argv, env, timeout=TIMEOUT):
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvpe("setpriv", user.argv(argv), env)
        finally:
            os._exit(127)
    out = b""
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    _, st = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(st), out.decode("utf-8", "replace")


def test_terminal_foreground_and_exec_tty(user, rt, bundle):
    b = bundle()
    b.config["process"]["terminal"] = True
    b.sh("tty; stty size >/dev/null && echo term-ok; exit 4").save()
    code, out = _pty_run(user, [user.binary, "run", "--bundle", b.path, "tty1"], user.env(rt.xdg))
    rt.ids.add("tty1")
    assert code == 4, out
    assert "/dev/pts/0" in out and "term-ok" in out, out
    b2 = bundle(["sleep", "100"])
    rt("run", "--detach", "--bundle", b2.path, "tty2")
    code, out = _pty_run(user, [user.binary, "exec", "--tty", "tty2", "tty"], user.env(rt.xdg))
    assert code == 0 and "/dev/pts/" in out, out


def test_single_id_mapping_and_own_bind_mount(user, rt, bundle):
    b = bundle()
    data = b.hostdir("data")
    with open(os.path.join(data, "mine"), "w") as f:
        f.write("users-file\n")
    os.chown(os.path.join(data, "mine"), user.uid, user.gid)
    b.config["mounts"].append({"destination": "/home", "type": "bind", "source": data, "options": ["rbind", "rw"]})
    b.sh("cat /home/mine; echo new > /home/made; cat /proc/self/setgroups; id -G").save()
    p = rt("run", "--bundle", b.path, "single")
    assert p.stdout.split() == ["users-file", "deny", "0"], p.stderr
    st = os.stat(os.path.join(data, "made"))
    assert (st.st_uid, st.st_gid) == (user.uid, user.gid)


def test_subuid_range_through_newuidmap(user, rt, bundle):
    b = bundle(own_rootfs=True)
    data = b.hostdir("data", 0o777)
    b.linux["uidMappings"] = [{"containerID": 0, "hostID": user.uid, "size": 1},
                              {"containerID": 1, "hostID": user.subuid, "size": 65536}]
    b.linux["gidMappings"] = [{"containerID": 0, "hostID": user.gid, "size": 1},
                              {"containerID": 1, "hostID": user.subgid, "size": 65536}]
    b.config["process"]["user"] = {"uid": 0, "gid": 0, "additionalGids": [5]}
    for k in ("bounding", "effective", "permitted"):
        b.config["process"]["capabilities"][k].append("CAP_CHOWN")
    b.config["mounts"].append({"destination": "/home", "type": "bind", "source": data, "options": ["rbind", "rw"]})
    b.sh("cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; id -G; "
         "touch /home/f && chown 1000:1000 /home/f && echo chowned; "
         "su -s /bin/sh -c 'id -u' nobody 2>/dev/null || true").save()
    p = rt("run", "--bundle", b.path, "range")
    words = p.stdout.split()
    assert words[:13] == ["0", str(user.uid), "1", "1", str(user.subuid), "65536",
                          "0", str(user.gid), "1", "1", str(user.subgid), "65536", "allow"], p.stdout + p.stderr
    assert "5" in words[13:15] and "chowned" in words, p.stdout
    st = os.stat(os.path.join(data, "f"))
    assert (st.st_uid, st.st_gid) == (user.subuid + 999, user.subgid + 999)
    # A process as container uid 1000 is subuid+999 on the host.
    b.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    b.config["process"]["args"] = ["sleep", "100"]
    b.save()
    rt("run", "--detach", "--bundle", b.path, "range2")
    pid = rt.state("range2")["pid"]
    uid_line = [l for l in open("/proc/%d/status" % pid).read().splitlines() if l.startswith("Uid:")][0]
    assert uid_line.split()[1:] == [str(user.subuid + 999)] * 4


def test_subuid_range_not_delegated_is_refused(user, rt, bundle):
    b = bundle()
    b.linux["uidMappings"] = [{"containerID": 0, "hostID": user.uid, "size": 1},
                              {"containerID": 1, "hostID": user.subuid + user.subuid_count, "size": 1000}]
    b.save()
    p = rt("run", "--bundle", b.path, "badrange", check=False)
    assert p.returncode != 0
    assert "linux.uidMappings" in p.stderr and "newuidmap" in p.stderr and "not allowed" in p.stderr, p.stderr
    assert not os.path.exists(os.path.join(rt.state_root, "badrange"))


def test_without_delegated_cgroup_runs_without_one(user, rt, bundle):
    b = bundle(["sleep", "100"])
    rt("run", "--detach", "--bundle", b.path, "nocg")
    s = json.load(open(os.path.join(rt.state_root, "nocg", "state.json")))
    # Nothing of the user's can be made under this host's root-owned cgroup hierarchies.
    assert not s.get("cgroupPaths"), s
    pid = rt.state("nocg")["pid"]
    # It stays where its creator is.
    assert open("/proc/%d/cgroup" % pid).read() == open("/proc/self/cgroup").read()
    rt("delete", "--force", "nocg")


@pytest.mark.parametrize("resources,want", [
    ({"memory": {"limit": 67108864}}, ("cannot set memory limit: container could not join or create cgroup",
                                       "rootless needs no limits + no cgrouppath")),
    ({"pids": {"limit": 50}}, ("cannot set pids limit: container could not join or create cgroup",
                               "rootless needs no limits + no cgrouppath")),
])
def test_limits_without_delegated_cgroup_fail_like_runc(user, rt, bundle, resources, want):
    b = bundle()
    b.linux["resources"] = resources
    b.save()
    p = rt("run", "--bundle", b.path, "lim", check=False)
    assert p.returncode != 0
    assert any(w in p.stderr for w in want), p.stderr
    assert not os.path.exists(os.path.join(rt.state_root, "lim"))


def test_device_rules_are_ignored_and_devices_bound(user, rt, bundle):
    b = bundle()
    b.linux["resources"] = {"devices": [{"allow": False, "access": "rwm"}]}
    b.sh("echo x > /dev/null && head -c 4 /dev/zero | wc -c; stat -c %F /dev/null").save()
    p = rt("run", "--bundle", b.path, "dev")
    assert p.stdout.split("\n")[:2] == ["4", "character special file"], p.stdout + p.stderr


def test_explicit_cgroups_path_not_permitted_fails(user, rt, bundle):
    b = bundle()
    b.linux["cgroupsPath"] = "/swiftrun-rootless-denied"
    b.save()
    p = rt("run", "--bundle", b.path, "cgp", check=False)
    assert p.returncode != 0 and "permission denied" in p.stderr, p.stderr
    assert not os.path.exists(os.path.join(rt.state_root, "cgp"))


@pytest.mark.skipif(os.path.isdir("/run/systemd/system"), reason="systemd runs here: the refusal is for hosts without it")
def test_systemd_cgroup_without_systemd_fails_cleanly(user, rt, bundle):
    """Rootless --systemd-cgroup uses the user's systemd instance (tested in the systemd VM:
    user_bus); where systemd is not running it fails saying so and leaves no state."""
    b = bundle(["true"])
    p = rt("--systemd-cgroup", "run", "--bundle", b.path, "sdu", check=False)
    assert p.returncode != 0
    assert "--systemd-cgroup: systemd is not running on this host" in p.stderr, p.stderr
    assert not os.path.exists(os.path.join(rt.state_root, "sdu"))


def test_oom_score_adj_below_current_refused(user, rt, bundle):
    b = bundle()
    b.config["process"]["oomScoreAdj"] = -500
    b.save()
    p = rt("run", "--bundle", b.path, "oom", check=False)
    assert p.returncode != 0 and "process.oomScoreAdj" in p.stderr, p.stderr
    assert not os.path.exists(os.path.join(rt.state_root, "oom"))
    b.config["process"]["oomScoreAdj"] = 900
    b.sh("cat /proc/self/oom_score_adj").save()
    assert rt("run", "--bundle", b.path, "oom2").stdout.strip() == "900"


def test_rlimit_above_hard_refused(user, rt, bundle):
    import resource
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    b = bundle()
    b.config["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 64, "hard": hard + 1}]
    b.save()
    p = rt("run", "--bundle", b.path, "rlim", check=False)
    assert p.returncode != 0 and "process.rlimits" in p.stderr and "RLIMIT_NOFILE" in p.stderr, p.stderr
    assert not os.path.exists(os.path.join(rt.state_root, "rlim"))
    b.config["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 64, "hard": 128}]
    b.sh("ulimit -n; ulimit -Hn").save()
    assert rt("run", "--bundle", b.path, "rlim2").stdout.split() == ["64", "128"]


def test_requires_user_namespace(user, rt, bundle):
    b = bundle()
    b.linux["namespaces"] = [n for n in b.linux["namespaces"] if n["type"] != "user"]
    b.linux.pop("uidMappings")
    b.linux.pop("gidMappings")
    b.save()
    p = rt("run", "--bundle", b.path, "nouserns", check=False)
    assert p.returncode != 0 and "rootless container requires user namespaces" in p.stderr, p.stderr
    assert not os.path.exists(os.path.join(rt.state_root, "nouserns"))


def sysfs_instead_of_bind(b):
    for m in b.config["mounts"]:
        if m["destination"] == "/sys":
            m.update({"type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]})


def test_network_namespace_has_only_lo(user, rt, bundle):
    b = bundle()
    b.linux["namespaces"].append({"type": "network"})
    # With its own network namespace the user namespace owns it, so sysfs itself mounts.
    sysfs_instead_of_bind(b)
    b.sh("ls /sys/class/net; cat /sys/class/net/lo/operstate; ip -o link show lo | grep -c LOWER_UP").save()
    p = rt("run", "--bundle", b.path, "net")
    assert p.stdout.split() == ["lo", "unknown", "1"], p.stdout + p.stderr


def test_sysfs_falls_back_to_bind_without_netns(user, rt, bundle):
    b = bundle()
    sysfs_instead_of_bind(b)
    b.sh("ls /sys/class/net | grep -c . ; ls /sys/kernel >/dev/null && echo sys").save()
    p = rt("run", "--bundle", b.path, "sysbind")
    n, word = p.stdout.split()
    assert int(n) >= 2 and word == "sys", p.stdout + p.stderr  # the host's interfaces: a bind of the host's /sys


def test_rootless_flag_false_makes_cgroup_errors_fatal(user, rt, bundle):
    """runc's --rootless false: cgroup permission errors are no longer ignored."""
    b = bundle()
    p = rt("--rootless", "false", "run", "--bundle", b.path, "strict", check=False)
    assert p.returncode != 0 and "permission denied" in p.stderr, p.stderr
    assert not os.path.exists(os.path.join(rt.state_root, "strict"))
    # The same config under the default (auto) runs.
    rt("--rootless", "auto", "run", "--bundle", b.path, "auto1")
    rt("run", "--rootless=true", "--bundle", b.path, "auto2")
