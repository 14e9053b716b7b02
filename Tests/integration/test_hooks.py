"""OCI hooks: which run, in what order, with what input, and failures."""

import json
import os
import shutil
import time

import pytest

from helpers import (IS_RUNC, swiftrun_only_because, all_pids, last_json_line, mounts_mentioning, new_id, pid_alive,
                     suspicious_processes, wait_for)

# $1 = hook name, $2 = log file. Appends one JSON-ish record per call:
# name, uts ns, mnt ns, hostname, args, HOOKVAR env, state JSON from stdin.
HOOK = r"""#!/bin/sh
name=$1
log=$2
state=$(cat)
printf '{"name":"%s","uts":"%s","mnt":"%s","hostname":"%s","argc":%d,"args":"%s","env":"%s","state":%s}\n' \
  "$name" "$(readlink /proc/self/ns/uts)" "$(readlink /proc/self/ns/mnt)" \
  "$(cat /proc/sys/kernel/hostname)" "$#" "$*" "$HOOKVAR" "$state" >> "$log"
exit ${HOOK_EXIT:-0}
"""

ALL = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart",
       "poststop"]


def _setup(b, tmp_path, names=ALL, extra_env=None):
    """Host hooks log to <tmp>/hooks/log; the startContainer hook lives in the
    rootfs and logs through a bind mount of the same dir at /hooklog."""
    hostdir = tmp_path / "hooks"
    hostdir.mkdir(exist_ok=True)
    os.chmod(hostdir, 0o777)
    script = hostdir / "hook.sh"
    script.write_text(HOOK)
    os.chmod(script, 0o755)
    shutil.copy(script, os.path.join(b.rootfs, "hook.sh"))
    os.chmod(os.path.join(b.rootfs, "hook.sh"), 0o755)
    b.add_mount("/hooklog", str(hostdir), options=["rbind", "rw"])
    log = str(hostdir / "log")
    hooks = {}
    for n in names:
        if n == "startContainer":
            h = {"path": "/hook.sh", "args": ["hook.sh", n, "/hooklog/log"]}
        else:
            h = {"path": str(script), "args": ["hook.sh", n, log]}
        h["env"] = ["HOOKVAR=val-" + n] + (extra_env or [])
        hooks.setdefault(n, []).append(h)
    b.config["hooks"] = hooks
    return log


def _records(log):
    if not os.path.exists(log):
        return []
    with open(log) as f:
        return [json.loads(l) for l in f if l.strip()]


def _lifecycle_with_hooks(rt, b, tmp_path):
    log = _setup(b, tmp_path)
    cid = new_id()
    rt.create(b, cid)
    pid = rt.state(cid)["pid"]
    after_create = [r["name"] for r in _records(log)]
    rt("start", cid)
    assert wait_for(lambda: len(_records(log)) >= 5)
    rt("kill", cid, "KILL")
    rt.wait_status(cid, "stopped")
    rt("delete", cid)
    return cid, pid, after_create, _records(log)


def test_all_hooks_run_once_with_state(rt, bundle, tmp_path):
    b = bundle().args("sleep", "100")
    cid, pid, after_create, recs = _lifecycle_with_hooks(rt, b, tmp_path)
    names = [r["name"] for r in recs]
    assert sorted(names) == sorted(ALL), names
    assert names[:3] == ["prestart", "createRuntime", "createContainer"], names
    assert after_create[:3] == ["prestart", "createRuntime", "createContainer"]
    assert "startContainer" not in after_create
    assert names[-1] == "poststop"
    for r in recs:
        st = r["state"]
        assert st["id"] == cid, r
        assert os.path.samefile(st["bundle"], b.path)
        assert "status" in st and "ociVersion" in st
        assert r["argc"] == 2, r  # args[0] is argv0, then name and log path
        assert r["args"].split()[0] == r["name"]
        assert r["env"] == "val-" + r["name"]
        if r["name"] in ("createContainer", "startContainer"):
            # runc 1.1.5 reports the pid as seen inside the container (1).
            assert st["pid"] in (pid, 1), r
        elif r["name"] != "poststop":
            assert st["pid"] == pid, r
    by = {r["name"]: r for r in recs}
    assert by["createRuntime"]["state"]["status"] == "creating"
    assert by["poststop"]["state"]["status"] == "stopped"


@swiftrun_only_because("runs poststart hooks during `create` (before startContainer), "
                       "not after the user program starts as the spec requires")
def test_hooks_exact_spec_order(rt, bundle, tmp_path):
    b = bundle().args("sleep", "100")
    cid, pid, after_create, recs = _lifecycle_with_hooks(rt, b, tmp_path)
    assert after_create == ["prestart", "createRuntime", "createContainer"]
    assert [r["name"] for r in recs] == ALL
    by = {r["name"]: r for r in recs}
    assert by["poststart"]["state"]["status"] == "running"
    # config.md: hooks in the runtime namespace see the host pid, hooks in the container
    # namespace (createContainer, startContainer) the pid as seen in the container: 1.
    for n in ("prestart", "createRuntime", "poststart"):
        assert by[n]["state"]["pid"] == pid, "%s saw pid %s, not the host pid %s" % (
            n, by[n]["state"]["pid"], pid)
    for n in ("createContainer", "startContainer"):
        assert by[n]["state"]["pid"] == 1, "%s saw pid %s, not the container's pid 1" % (
            n, by[n]["state"]["pid"])


def test_container_hooks_run_in_container_namespaces(rt, bundle, tmp_path):
    b = bundle().args("sleep", "100")
    log = _setup(b, tmp_path)
    cid = new_id()
    rt.create(b, cid)
    pid = rt.state(cid)["pid"]
    c_uts = os.readlink("/proc/%d/ns/uts" % pid)
    c_mnt = os.readlink("/proc/%d/ns/mnt" % pid)
    h_uts = os.readlink("/proc/self/ns/uts")
    h_mnt = os.readlink("/proc/self/ns/mnt")
    rt("start", cid)
    assert wait_for(lambda: len(_records(log)) >= 5)
    by = {r["name"]: r for r in _records(log)}
    for n in ("createContainer", "startContainer"):
        assert by[n]["uts"] == c_uts, (n, by[n])
        assert by[n]["mnt"] == c_mnt, (n, by[n])
    # startContainer runs after the hostname is set, in the container.
    assert by["startContainer"]["hostname"] == "itest"
    for n in ("prestart", "createRuntime", "poststart"):
        assert by[n]["uts"] == h_uts, (n, by[n])
        assert by[n]["mnt"] == h_mnt, (n, by[n])


def test_hooks_run_for_run_verb(rt, bundle, tmp_path):
    b = bundle().args("true")
    log = _setup(b, tmp_path)
    p = rt.run(b, new_id())
    assert p.returncode == 0, p.stderr
    assert sorted(r["name"] for r in _records(log)) == sorted(ALL)


@pytest.mark.parametrize("which", ["createRuntime", "prestart", "createContainer"])
def test_failing_create_hook_fails_create_and_cleans_up(rt, bundle, tmp_path, which):
    b = bundle().args("sleep", "100")
    log = _setup(b, tmp_path, names=[which], extra_env=["HOOK_EXIT=3"])
    cid = new_id()
    jlog = tmp_path / "rt.json"
    before = all_pids()
    p = rt.create(b, cid, check=False, log=jlog)
    assert p.returncode != 0
    assert [r["name"] for r in _records(log)] == [which]
    assert not rt.exists(cid)
    assert rt("state", cid, check=False).returncode != 0
    time.sleep(0.1)
    assert suspicious_processes(before, [cid, b.path, rt.root]) == []
    assert mounts_mentioning(b.path) == []
    assert last_json_line(jlog)["level"] == "error"


def test_failing_poststop_hook_is_only_a_warning(rt, bundle, tmp_path):
    b = bundle().args("true")
    log = _setup(b, tmp_path, names=["poststop"], extra_env=["HOOK_EXIT=1"])
    cid = new_id()
    rt.stopped(b, cid)
    p = rt("delete", cid, check=False)
    assert p.returncode == 0, p.stderr
    assert [r["name"] for r in _records(log)] == ["poststop"]
    assert not rt.exists(cid)


@swiftrun_only_because("runs poststart hooks during `create` (before startContainer), "
                       "so a failing one fails `create`")
def test_failing_poststart_hook_destroys_container_and_runs_poststop(rt, bundle, tmp_path):
    # runtime.md v1.3.0, lifecycle step 9: a failing poststart hook is an error, the container
    # is stopped, and the lifecycle continues at step 12 (destroyed) and 13 (poststop hooks).
    b = bundle().args("sleep", "100")
    log = _setup(b, tmp_path, names=["poststart", "poststop"])
    b.config["hooks"]["poststart"][0]["env"].append("HOOK_EXIT=1")
    cid = new_id()
    before = all_pids()
    rt.create(b, cid)
    pid = rt.state(cid)["pid"]
    p = rt("start", cid, check=False)
    assert p.returncode != 0
    assert "poststart" in p.stderr
    assert [r["name"] for r in _records(log)] == ["poststart", "poststop"]
    assert _records(log)[1]["state"]["status"] == "stopped"
    assert not pid_alive(pid)
    assert not rt.exists(cid)
    assert rt("state", cid, check=False).returncode != 0
    assert suspicious_processes(before, [cid, b.path, rt.root]) == []
    assert mounts_mentioning(b.path) == []
    assert _cgroup_dirs(cid) == []  # in every hierarchy


def _cgroup_dirs(cid):
    """The container's cgroup directories left anywhere under /sys/fs/cgroup."""
    found = []
    for root, dirs, _ in os.walk("/sys/fs/cgroup"):
        for d in dirs:
            if cid in d:
                found.append(os.path.join(root, d))
    return found


def test_hook_timeout_enforced(rt, bundle, tmp_path):
    b = bundle().args("sleep", "100")
    b.config["hooks"] = {"createRuntime": [
        {"path": "/bin/sh", "args": ["sh", "-c", "exec sleep 10"], "timeout": 1}]}
    cid = new_id()
    before = all_pids()
    t0 = time.time()
    p = rt.create(b, cid, check=False)
    elapsed = time.time() - t0
    assert p.returncode != 0
    assert elapsed < 6, "hook timeout not enforced (%.1fs)" % elapsed
    assert "timeout" in p.stderr.lower() or "timed out" in p.stderr.lower()
    assert not rt.exists(cid)
    time.sleep(0.1)
    assert suspicious_processes(before, [cid, b.path, rt.root]) == []


def test_start_container_hook_without_env_inherits_process_env(rt, bundle, tmp_path):
    b = bundle().args("true")
    hostdir = tmp_path / "h"
    hostdir.mkdir()
    b.add_mount("/hooklog", str(hostdir), options=["rbind", "rw"])
    b.config["process"]["env"] += ["FROMPROC=yes"]
    b.config["hooks"] = {"startContainer": [
        {"path": "/bin/sh", "args": ["sh", "-c", "echo \"$FROMPROC\" > /hooklog/env"]}]}
    p = rt.run(b, new_id())
    assert p.returncode == 0, p.stderr
    assert (hostdir / "env").read_text() == "yes\n"


def test_create_container_hook_runs_in_the_rootfs(rt, bundle, tmp_path):
    b = bundle().args("true")
    hostdir = tmp_path / "h"
    hostdir.mkdir()
    b.add_mount("/hooklog", str(hostdir), options=["rbind", "rw"])
    open(os.path.join(b.rootfs, "marker"), "w").close()
    b.config["hooks"] = {
        "createContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "ls marker > hooklog/create"]}]}
    p = rt.run(b, new_id())
    assert p.returncode == 0, p.stderr
    assert (hostdir / "create").read_text() == "marker\n"


@swiftrun_only_because("runs startContainer hooks in process.cwd")
def test_start_container_hook_runs_in_the_container_root(rt, bundle, tmp_path):
    b = bundle().args("true")
    hostdir = tmp_path / "h"
    hostdir.mkdir()
    b.add_mount("/hooklog", str(hostdir), options=["rbind", "rw"])
    b.config["process"]["cwd"] = "/tmp"
    b.config["hooks"] = {
        "startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "pwd > /hooklog/start"]}]}
    p = rt.run(b, new_id())
    assert p.returncode == 0, p.stderr
    assert (hostdir / "start").read_text() == "/\n"


@pytest.mark.parametrize("kind", ["createRuntime", "createContainer", "startContainer"])
def test_failing_hook_output_is_in_the_error(rt, bundle, kind):
    b = bundle().args("true")
    b.config["hooks"] = {kind: [
        {"path": "/bin/sh", "args": ["sh", "-c", "echo hook-said-out; echo hook-said-err >&2; exit 3"]}]}
    p = rt.run(b, new_id())
    assert p.returncode != 0
    assert "hook-said-out" in p.stderr and "hook-said-err" in p.stderr, p.stderr
    assert "hook-said" not in p.stdout


@swiftrun_only_because("exits 0 from `start` when a startContainer hook fails with terminal: true")
def test_failing_hook_output_is_in_the_error_with_a_terminal(rt, bundle, tmp_path):
    from helpers import ConsoleReceiver
    b = bundle().args("true")
    b.config["process"]["terminal"] = True
    b.config["hooks"] = {"startContainer": [
        {"path": "/bin/sh", "args": ["sh", "-c", "echo hook-said-out; echo hook-said-err >&2; exit 3"]}]}
    recv = ConsoleReceiver(str(tmp_path / "console.sock"))
    cid = new_id()
    try:
        rt.create(b, cid, "--console-socket", recv.path)
        master = recv.receive_master()
        p = rt("start", cid, check=False)
        os.close(master)
    finally:
        recv.close()
    assert p.returncode != 0
    assert "hook-said-out" in p.stderr and "hook-said-err" in p.stderr, p.stderr


def test_start_container_hook_sees_status_created(rt, bundle, tmp_path):
    b = bundle().args("true")
    hostdir = tmp_path / "h"
    hostdir.mkdir()
    b.add_mount("/hooklog", str(hostdir), options=["rbind", "rw"])
    b.config["hooks"] = {"startContainer": [
        {"path": "/bin/sh", "args": ["sh", "-c", "cat > /hooklog/state"]}]}
    p = rt.run(b, new_id())
    assert p.returncode == 0, p.stderr
    assert json.loads((hostdir / "state").read_text())["status"] == "created"
