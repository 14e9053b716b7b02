"""linux.resources and the cgroup verbs on this host (hybrid: v1 controllers + cgroup2 'unified').

The pure cgroup v2 checks run in a VM (Tests/vm)."""

import json
import os
import signal
import time

import pytest

from helpers import IS_RUNC, new_id, rmdir_retry, swiftrun_only_because, wait_for

MEM_LIMIT = 64 * 1024 * 1024
V1 = "/sys/fs/cgroup"


def _cgroup_dirs(pid):
    """controller -> directory for every hierarchy the process is in."""
    out = {}
    with open("/proc/%d/cgroup" % pid) as f:
        for line in f:
            _, ctrls, path = line.rstrip("\n").split(":", 2)
            if ctrls == "":
                out["unified"] = "/sys/fs/cgroup/unified" + path
            for c in ctrls.split(","):
                if c and not c.startswith("name="):
                    d = "/sys/fs/cgroup/%s%s" % (c, path)
                    if os.path.isdir(d):
                        out[c] = d
    return out


def _read(path):
    with open(path) as f:
        return f.read().strip()


def _no_cgroup_named(cid):
    hits = []
    for top, dirs, _ in os.walk("/sys/fs/cgroup"):
        if cid in dirs:
            hits.append(os.path.join(top, cid))
        if top.count("/") > 8:
            dirs[:] = []
    return hits


def _limited(bundle, **res):
    b = bundle()
    b.config["linux"]["resources"] = res
    return b


def test_limits_written_to_v1_files(rt, bundle):
    b = _limited(bundle, memory={"limit": MEM_LIMIT, "reservation": MEM_LIMIT // 2},
                 pids={"limit": 50}, cpu={"shares": 512, "quota": 50000, "period": 100000})
    b.args("sleep", "100")
    cid = new_id()
    rt.create(b, cid)
    dirs = _cgroup_dirs(rt.state(cid)["pid"])
    assert _read(dirs["memory"] + "/memory.limit_in_bytes") == str(MEM_LIMIT)
    assert _read(dirs["memory"] + "/memory.soft_limit_in_bytes") == str(MEM_LIMIT // 2)
    assert _read(dirs["pids"] + "/pids.max") == "50"
    assert _read(dirs["cpu"] + "/cpu.shares") == "512"
    assert _read(dirs["cpu"] + "/cpu.cfs_quota_us") == "50000"
    assert "unified" in dirs and dirs["unified"].endswith(cid)
    rt("delete", "--force", cid)
    assert wait_for(lambda: not os.path.exists(dirs["memory"]), timeout=5), "cgroup left behind"
    assert _no_cgroup_named(cid) == []


def test_memory_limit_kills_over_allocating_container(rt, bundle):
    b = _limited(bundle, memory={"limit": 32 * 1024 * 1024, "swap": 32 * 1024 * 1024})
    # Keep 100 MiB in a shell variable: far more than the limit.
    b.sh("x=$(head -c 104857600 /dev/zero | tr '\\0' a); echo survived ${#x}")
    p = rt.run(b, new_id(), check=False)
    assert p.returncode != 0 and "survived" not in p.stdout, (p.returncode, p.stdout, p.stderr)


def test_pids_limit_stops_fork_loop(rt, bundle):
    b = _limited(bundle, pids={"limit": 10})
    b.args("sleep", "100")
    cid = new_id()
    rt.run(b, cid, "--detach")
    # The fork loop's shell dies once fork fails; the container's init stays.
    p = rt("exec", cid, "sh", "-c", "while true; do sleep 100 >/dev/null 2>&1 & done", check=False,
           timeout=30)
    assert p.returncode != 0
    pids = json.loads(rt("ps", "--format", "json", cid).stdout)
    assert 1 <= len(pids) <= 10, pids
    dirs = _cgroup_dirs(rt.state(cid)["pid"])
    assert int(_read(dirs["pids"] + "/pids.current")) <= 10


def test_device_rules_enforced(rt, bundle):
    b = _limited(bundle, devices=[{"allow": False, "access": "rwm"}])
    b.config["linux"]["devices"] = [{"path": "/dev/sda-like", "type": "b", "major": 7, "minor": 200,
                                     "fileMode": 0o600}]
    # The node exists (linux.devices) but no rule allows it: deny-all holds, as with runc.
    b.sh("head -c1 /dev/null && echo null-ok; head -c1 /dev/sda-like >/dev/null 2>&1 || echo sda-denied")
    p = rt.run(b, new_id())
    assert p.stdout.split() == ["null-ok", "sda-denied"], p.stdout


def test_pause_resume(rt, bundle):
    b = bundle().args("sleep", "100")
    cid = new_id()
    rt.run(b, cid, "--detach")
    rt("pause", cid)
    assert rt.status(cid) == "paused"
    dirs = _cgroup_dirs(rt.state(cid)["pid"])
    assert _read(dirs["freezer"] + "/freezer.state") == "FROZEN"
    p = rt("pause", cid, check=False)
    assert p.returncode != 0
    rt("resume", cid)
    assert rt.status(cid) == "running"
    assert _read(dirs["freezer"] + "/freezer.state") == "THAWED"


def test_delete_force_of_paused_container(rt, bundle):
    b = bundle().args("sleep", "100")
    cid = new_id()
    rt.run(b, cid, "--detach")
    rt("pause", cid)
    rt("delete", "--force", cid)
    assert not rt.exists(cid)
    assert _no_cgroup_named(cid) == []


def test_update_live_container(rt, bundle, tmp_path):
    b = _limited(bundle, memory={"limit": MEM_LIMIT}, pids={"limit": 50})
    b.args("sleep", "100")
    cid = new_id()
    rt.run(b, cid, "--detach")
    dirs = _cgroup_dirs(rt.state(cid)["pid"])
    rt("update", "--memory", "128M", "--pids-limit", "30", "--cpu-quota", "40000", cid)
    assert _read(dirs["memory"] + "/memory.limit_in_bytes") == str(128 * 1024 * 1024)
    assert _read(dirs["pids"] + "/pids.max") == "30"
    assert _read(dirs["cpu"] + "/cpu.cfs_quota_us") == "40000"
    f = tmp_path / "res.json"
    f.write_text(json.dumps({"pids": {"limit": 40}}))
    rt("update", "--resources", str(f), cid)
    assert _read(dirs["pids"] + "/pids.max") == "40"
    rt("update", "-r", "-", cid, input=json.dumps({"pids": {"limit": 41}}))
    assert _read(dirs["pids"] + "/pids.max") == "41"


def test_ps_lists_container_processes(rt, bundle):
    b = bundle().sh("sleep 100 & sleep 100 & wait")
    cid = new_id()
    rt.run(b, cid, "--detach")
    init = rt.state(cid)["pid"]
    assert wait_for(lambda: len(json.loads(rt("ps", "--format", "json", cid).stdout)) == 3)
    pids = json.loads(rt("ps", "--format", "json", cid).stdout)
    assert init in pids
    table = rt("ps", cid).stdout.splitlines()
    assert table[0].split()[:2] == ["UID", "PID"]
    assert len(table) == 4
    assert all(int(l.split()[1]) in pids for l in table[1:])


def test_kill_all(rt, bundle):
    b = bundle().sh("sleep 100 & sleep 100 & wait")
    b.remove_ns("pid")
    cid = new_id()
    rt.run(b, cid, "--detach")
    assert wait_for(lambda: len(json.loads(rt("ps", "--format", "json", cid).stdout)) == 3)
    pids = json.loads(rt("ps", "--format", "json", cid).stdout)
    rt("kill", "--all", cid, "KILL")
    assert wait_for(lambda: all(not os.path.exists("/proc/%d/cmdline" % p) or
                                open("/proc/%d/stat" % p).read().split(")")[1].split()[0] == "Z"
                                for p in pids), timeout=5)


def _alive(pids):
    return [p for p in pids if os.path.exists("/proc/%d/stat" % p) and
            open("/proc/%d/stat" % p).read().split(")")[1].split()[0] != "Z"]


def test_kill_sigkill_of_init_without_pid_namespace_kills_the_cgroup(rt, bundle):
    """Without a pid namespace the init's children do not die with it: SIGKILL of the init kills
    every process of the container's cgroup (runc 1.2; runc 1.1.5 leaves the children running)."""
    b = bundle().sh("sleep 100 & sleep 100 & wait")
    b.remove_ns("pid")
    cid = new_id()
    rt.run(b, cid, "--detach")
    assert wait_for(lambda: len(json.loads(rt("ps", "--format", "json", cid).stdout)) == 3)
    pids = json.loads(rt("ps", "--format", "json", cid).stdout)
    rt("kill", cid, "KILL")
    assert wait_for(lambda: _alive(pids) == [], timeout=5), _alive(pids)


def test_kill_all_after_the_init_exited_succeeds(rt, bundle):
    """runc: `kill --all` of a container whose init is gone signals what is left in its cgroup (an
    exec'd process of a container without a pid namespace) and exits 0."""
    b = bundle().args("sleep", "100")
    b.remove_ns("pid")
    cid = new_id()
    rt.run(b, cid, "--detach")
    init = rt.state(cid)["pid"]
    left = rt.popen("exec", cid, "sleep", "101")
    assert wait_for(lambda: len(json.loads(rt("ps", "--format", "json", cid).stdout)) == 2)
    pids = json.loads(rt("ps", "--format", "json", cid).stdout)
    os.kill(init, signal.SIGKILL)
    rt.wait_status(cid, "stopped")
    p = rt("kill", "--all", cid, "KILL", check=False)
    assert p.returncode == 0, p.stderr
    assert wait_for(lambda: _alive(pids) == [], timeout=5), _alive(pids)
    left.wait(timeout=10)
    # Once nothing is left it still succeeds; a plain kill still refuses.
    assert rt("kill", "--all", cid, "KILL", check=False).returncode == 0
    assert "not running" in rt("kill", cid, "KILL", check=False).stderr


def test_events_stats(rt, bundle):
    b = _limited(bundle, memory={"limit": MEM_LIMIT}, pids={"limit": 50})
    b.args("sleep", "100")
    cid = new_id()
    rt.run(b, cid, "--detach")
    p = rt("events", "--stats", cid)
    ev = json.loads(p.stdout.strip().splitlines()[0])
    assert ev["type"] == "stats" and ev["id"] == cid
    data = ev["data"]
    for key in ("cpu", "memory", "pids", "blkio"):
        assert key in data, key
    assert data["pids"]["current"] >= 1
    assert data["pids"]["limit"] == 50
    assert data["memory"]["usage"]["limit"] == MEM_LIMIT


def test_failed_create_leaves_no_cgroup(rt, bundle):
    b = _limited(bundle, memory={"limit": MEM_LIMIT}).args("/nonexistent")
    cid = new_id()
    p = rt.create(b, cid, check=False)
    assert p.returncode != 0
    assert _no_cgroup_named(cid) == []


def test_cgroups_path_absolute(rt, bundle):
    cid = new_id()
    b = bundle().args("sleep", "100")
    b.config["linux"]["cgroupsPath"] = "/swiftrun-itest/" + cid
    rt.run(b, cid, "--detach")
    dirs = _cgroup_dirs(rt.state(cid)["pid"])
    assert dirs["pids"] == "/sys/fs/cgroup/pids/swiftrun-itest/" + cid
    rt("delete", "--force", cid)
    assert not os.path.exists(dirs["pids"])
    # The runtime removes the container's cgroup, not the parent the config named: that's ours.
    for c in os.listdir("/sys/fs/cgroup"):
        try:
            os.rmdir("/sys/fs/cgroup/%s/swiftrun-itest" % c)
        except OSError:
            pass


def test_cgroup_namespace_view(rt, bundle):
    b = bundle().sh("cat /proc/self/cgroup")
    b.add_ns("cgroup")
    p = rt.run(b, new_id())
    for line in p.stdout.splitlines():
        assert line.endswith(":/"), p.stdout


def test_events_reports_oom(rt, bundle):
    import subprocess
    from helpers import BINARY
    b = _limited(bundle, memory={"limit": 32 * 1024 * 1024, "swap": 32 * 1024 * 1024})
    # The init (a small shell) survives; each dd allocates 64 MiB and is OOM-killed.
    b.sh("while true; do dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; sleep 0.2; done")
    cid = new_id()
    rt.run(b, cid, "--detach")
    ev = subprocess.Popen([BINARY, "--root", rt.root, "events", "--interval", "1s", cid],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        deadline = time.time() + 15
        import select
        while time.time() < deadline:
            r, _, _ = select.select([ev.stdout], [], [], 0.5)
            if r:
                line = ev.stdout.readline()
                if not line:
                    break
                lines.append(json.loads(line))
                if any(l["type"] == "oom" for l in lines):
                    break
    finally:
        ev.kill()
        ev.wait()
    assert any(l["type"] == "oom" and l["id"] == cid for l in lines), lines[-3:]
    assert any(l["type"] == "stats" for l in lines) or any(l["type"] == "oom" for l in lines)


def test_cgroup_mount_shows_own_cgroups_on_v1(rt, bundle):
    if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
        pytest.skip("this host is pure cgroup v2 (the v2 view is checked in Tests/vm)")
    b = _limited(bundle, memory={"limit": MEM_LIMIT}, pids={"limit": 33})
    b.config["mounts"].append({"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
                               "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]})
    b.sh("cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max; "
         "touch /sys/fs/cgroup/pids/x 2>/dev/null || echo read-only")
    out = rt.run(b, new_id()).stdout.split()
    assert out == [str(MEM_LIMIT), "33", "read-only"], out


@swiftrun_only_because("1.1.5 lacks some of these flags (--cpu-shares, --cpu-burst)")
def test_update_every_runc_flag(rt, bundle):
    b = _limited(bundle, memory={"limit": MEM_LIMIT, "swap": MEM_LIMIT})
    b.args("sleep", "100")
    cid = new_id()
    rt.run(b, cid, "--detach")
    dirs = _cgroup_dirs(rt.state(cid)["pid"])
    rt("update", "--memory", "96m", "--memory-swap", "192m", "--memory-reservation", "32m",
       "--cpu-shares", "256", "--cpu-period", "50000", "--cpu-quota", "25000", "--cpu-burst", "1000",
       "--cpuset-cpus", "0", "--cpuset-mems", "0", cid)
    assert _read(dirs["memory"] + "/memory.limit_in_bytes") == str(96 << 20)
    assert _read(dirs["memory"] + "/memory.memsw.limit_in_bytes") == str(192 << 20)
    assert _read(dirs["memory"] + "/memory.soft_limit_in_bytes") == str(32 << 20)
    assert _read(dirs["cpu"] + "/cpu.shares") == "256"
    assert _read(dirs["cpu"] + "/cpu.cfs_period_us") == "50000"
    assert _read(dirs["cpu"] + "/cpu.cfs_quota_us") == "25000"
    assert _read(dirs["cpu"] + "/cpu.cfs_burst_us") == "1000"
    assert _read(dirs["cpuset"] + "/cpuset.cpus") == "0"
    assert _read(dirs["cpuset"] + "/cpuset.mems") == "0"
    rt("update", "--blkio-weight", "300", cid)
    # blkio.weight with CFQ, blkio.bfq.weight with BFQ (this host)
    weight = [f for f in ("blkio.weight", "blkio.bfq.weight") if os.path.exists(os.path.join(dirs["blkio"], f))]
    assert weight and _read(os.path.join(dirs["blkio"], weight[0])).split()[-1] == "300"


def test_update_runc_spellings_and_negative_values(rt, bundle):
    """runc's own spellings: --cpu-share, and -1 (unlimited) given as a separate argument."""
    b = _limited(bundle, memory={"limit": MEM_LIMIT}, pids={"limit": 50})
    b.args("sleep", "100")
    cid = new_id()
    rt.run(b, cid, "--detach")
    dirs = _cgroup_dirs(rt.state(cid)["pid"])
    rt("update", "--cpu-share", "300", "--pids-limit", "-1", "--cpu-quota", "-1", cid)
    assert _read(dirs["cpu"] + "/cpu.shares") == "300"
    assert _read(dirs["pids"] + "/pids.max") == "max"
    assert _read(dirs["cpu"] + "/cpu.cfs_quota_us") == "-1"
    rt("update", "--memory", "-1", cid)
    assert int(_read(dirs["memory"] + "/memory.limit_in_bytes")) > MEM_LIMIT


@swiftrun_only_because("1.1.5 has no --l3-cache-schema/--mem-bw-schema on a host without resctrl "
                       "to compare with")
def test_update_intel_rdt_schema_without_resctrl_is_clear(rt, bundle):
    if os.path.ismount("/sys/fs/resctrl"):
        pytest.skip("resctrl is mounted on this host: the error path does not apply")
    b = bundle().args("sleep", "100")
    cid = new_id()
    rt.run(b, cid, "--detach")
    p = rt("update", "--l3-cache-schema", "L3:0=f", cid, check=False)
    assert p.returncode != 0 and "linux.intelRdt" in p.stderr and "resctrl" in p.stderr, p.stderr


def _occupied_cgroup(hierarchy, rel):
    """mkdir /sys/fs/cgroup/<hierarchy>/<rel> (and its parents); returns the dirs made, top first."""
    made = []
    cur = "/sys/fs/cgroup/" + hierarchy
    for c in rel.strip("/").split("/"):
        cur += "/" + c
        if not os.path.isdir(cur):
            os.mkdir(cur)
            made.append(cur)
    return made


def _cleanup_cgroups(rt, cid, rel):
    """Delete the container (if it was made), thaw and remove <rel> and its parent everywhere."""
    rt("delete", "--force", cid, check=False)
    top = rel.split("/")[0]
    for c in os.listdir(V1):
        for d in ("%s/%s/%s" % (V1, c, top), "%s/%s/%s" % (V1, c, rel)):
            for f, v in (("freezer.state", "THAWED"), ("cgroup.freeze", "0")):
                if os.path.exists(d + "/" + f):
                    with open(d + "/" + f, "w") as fh:
                        fh.write(v)
        for d in ("%s/%s/%s" % (V1, c, rel), "%s/%s/%s" % (V1, c, top)):
            rmdir_retry(d, tries=100)


@swiftrun_only_because("creates the container in a cgroup that holds processes (1.1.5 at most "
                       "warns 'container's cgroup is not empty', deprecated); runc 1.2 refuses")
@pytest.mark.parametrize("hierarchy", ["pids", "memory", "unified"])
def test_create_into_cgroup_with_live_processes_refused(rt, bundle, hierarchy):
    """A cgroup that already holds processes, in any hierarchy the container uses, is refused
    (runc 1.2: "container's cgroup is not empty"); the foreign process and its cgroup are left
    alone, and nothing of the container remains."""
    import subprocess
    cid = new_id()
    rel = "swiftrun-itest-%s/%s" % (cid, cid)
    leaf = _occupied_cgroup(hierarchy, rel)[-1]
    sleeper = subprocess.Popen(["sleep", "100"])
    try:
        with open(leaf + "/cgroup.procs", "w") as f:
            f.write(str(sleeper.pid))
        b = bundle().args("true")
        b.config["linux"]["cgroupsPath"] = "/" + rel
        p = rt.create(b, cid, check=False)
        assert p.returncode != 0
        assert "cgroup is not empty: 1 process(es) found" in p.stderr, p.stderr
        assert not rt.exists(cid)
        assert sleeper.poll() is None
        assert _read(leaf + "/cgroup.procs") == str(sleeper.pid)
        for c in os.listdir(V1):
            if c != hierarchy:
                assert not os.path.exists("%s/%s/%s" % (V1, c, rel)), c
    finally:
        sleeper.kill()
        sleeper.wait()
        _cleanup_cgroups(rt, cid, rel)


def _frozen_case(rt, bundle, hierarchy, where, freeze_file, value):
    cid = new_id()
    rel = "swiftrun-itest-%s/%s" % (cid, cid)
    frozen = _occupied_cgroup(hierarchy, rel if where == "leaf" else rel.split("/")[0])[-1]
    try:
        with open(frozen + "/" + freeze_file, "w") as f:
            f.write(value)
        b = bundle().args("true")
        b.config["linux"]["cgroupsPath"] = "/" + rel
        p = rt.create(b, cid, check=False, timeout=10)
        assert p.returncode != 0
        assert "cgroup unexpectedly frozen" in p.stderr, p.stderr  # runc's wording
        assert not rt.exists(cid)
        assert _read(frozen + "/" + freeze_file) == value
    finally:
        _cleanup_cgroups(rt, cid, rel)


@pytest.mark.parametrize("where", [
    "leaf", pytest.param("parent", marks=swiftrun_only_because(
        "hangs in create when the parent of its v1 freezer cgroup is frozen"))])
def test_create_into_frozen_cgroup_refused(rt, bundle, where):
    """A frozen v1 freezer cgroup (the container's own, or its parent: a new leaf is then frozen
    too) would freeze the init: create fails (runc: "container's cgroup unexpectedly frozen")."""
    _frozen_case(rt, bundle, "freezer", where, "freezer.state", "FROZEN")


@swiftrun_only_because("checks only the v1 freezer: it hangs when the cgroup2 leaf of a hybrid "
                       "host is frozen")
@pytest.mark.parametrize("where", ["leaf", "parent"])
def test_create_into_frozen_unified_cgroup_refused(rt, bundle, where):
    """Hybrid host: the container joins the cgroup2 leaf too; a frozen one (cgroup.freeze, its
    own or inherited from the parent) must also fail create instead of hanging it."""
    _frozen_case(rt, bundle, "unified", where, "cgroup.freeze", "1")
