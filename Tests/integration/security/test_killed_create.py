"""A killed create leaves nothing; start notices a killed init; FIFOs never hang the runtime.

Faults injected here: SIGKILL of `create` right after the container's cgroups appear, once its init
has joined them, while that init is frozen (v1 freezer), and while a prestart or createRuntime hook
runs (the hook starts a background child too); the init killed between create and start and by a
startContainer hook during start; a FIFO as config.json, as the container's /etc/passwd (start and
exec) and under a /proc the config does not mount. Every test names its own linux.cgroupsPath
(/swiftrun-killed/<id>) and looks for it in every hierarchy under /sys/fs/cgroup.
"""

import os
import signal
import subprocess
import time

import pytest

from helpers import (all_pids, rmdir_retry, new_id, pid_alive, suspicious_processes, swiftrun_only_because,
                     wait_for)

CGROOT = "/sys/fs/cgroup"
PARENT = "swiftrun-killed"
FAST = 5  # seconds: a runtime that waits longer than this on a FIFO hangs
HOST_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def hierarchies():
    """Every mounted hierarchy under /sys/fs/cgroup (v1 controllers, name=systemd, unified), once."""
    seen, out = set(), []
    for name in sorted(os.listdir(CGROOT)):
        real = os.path.realpath(os.path.join(CGROOT, name))
        if os.path.isdir(real) and real not in seen:
            seen.add(real)
            out.append(real)
    return out


def cgroup_dirs(cid):
    return [os.path.join(h, PARENT, cid) for h in hierarchies()]


def existing(cid):
    return [d for d in cgroup_dirs(cid) if os.path.isdir(d)]


def procs_in(d):
    pids = set()
    for root, _, files in os.walk(d):
        if "cgroup.procs" in files:
            try:
                with open(os.path.join(root, "cgroup.procs")) as f:
                    pids |= {int(x) for x in f.read().split()}
            except OSError:
                pass
    return pids


def _write(path, text):
    try:
        with open(path, "w") as f:
            f.write(text)
    except OSError:
        pass


def _force_remove(cid):
    """Test cleanup only: whatever the runtime left, so that a failing test leaks nothing."""
    for d in existing(cid):
        if os.path.exists(os.path.join(d, "freezer.state")):
            _write(os.path.join(d, "freezer.state"), "THAWED")
        for p in procs_in(d):
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
    for d in existing(cid):
        rmdir_retry(d)
    for h in hierarchies():
        try:
            os.rmdir(os.path.join(h, PARENT))
        except OSError:
            pass


@pytest.fixture
def ctr(rt, bundle, tmp_path):
    """(cid, bundle) with linux.cgroupsPath /swiftrun-killed/<cid>; afterwards everything the
    container had is removed even when the runtime left it (and the test failed)."""
    cid = new_id("kc")
    b = bundle()
    b.config["linux"]["cgroupsPath"] = "/%s/%s" % (PARENT, cid)
    yield cid, b
    rt.cleanup()
    _force_remove(cid)


def popen_create(rt, b, cid, tmp_path):
    b.save()
    err = open(str(tmp_path / ("create-%s.err" % cid)), "w+")
    p = rt.popen("create", "--bundle", b.path, cid, stdout=subprocess.DEVNULL, stderr=err)
    p.errfile = err
    return p


def kill_create(p):
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=10)
    p.errfile.seek(0)
    err = p.errfile.read()
    p.errfile.close()
    assert p.returncode == -signal.SIGKILL, "create ended on its own (rc=%s) before the kill: %s" % (
        p.returncode, err)


ATTEMPTS = 5


def try_kill_create(p):
    """SIGKILL create; False when it had already ended on its own."""
    if p.poll() is not None:
        p.errfile.close()
        return False
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=10)
    p.errfile.close()
    return p.returncode == -signal.SIGKILL


def retry_after_create_won(rt, p, cid):
    if p.poll() is None:
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=10)
    if not p.errfile.closed:
        p.errfile.close()
    rt("delete", "--force", cid, check=False)
    _force_remove(cid)


def _write_if_dir(path, value):
    if os.path.isdir(os.path.dirname(path)):
        try:
            _write(path, value)
        except OSError:
            pass


def spin_until(pred, p, timeout=10):
    """Busy-wait (no sleep: create takes milliseconds) until pred() or create ends."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        if p.poll() is not None:
            return False
    return False


def assert_all_gone(rt, b, cid, before, pids=()):
    left = existing(cid)
    assert left == [], "cgroups left after delete --force: %s" % left
    assert not rt.exists(cid), "state dir %s left" % os.path.join(rt.root, cid)
    for pid in pids:
        assert wait_for(lambda: not pid_alive(pid), timeout=3), "process %d survived" % pid
    time.sleep(0.1)
    stray = suspicious_processes(before, [cid, b.path, rt.root])
    assert stray == [], "processes left: %s" % stray


# --- SIGKILL of create ----------------------------------------------------------------------


@swiftrun_only_because("keeps the cgroups of a create killed before it saved state.json, "
                       "and `delete --force` exits 0 without removing them")
@pytest.mark.parametrize("point", ["cgroups-appear", "init-joined"])
def test_delete_force_after_create_killed_early(rt, ctr, tmp_path, point):
    cid, b = ctr
    before = all_pids()
    unified = os.path.join(CGROOT, "unified", PARENT, cid)
    freezer = os.path.join(CGROOT, "freezer", PARENT, cid)

    def reached():
        if point == "cgroups-appear":
            # The unified leaf is the last one create makes.
            return os.path.isdir(unified)
        return os.path.isdir(freezer) and procs_in(freezer)

    # The window is milliseconds wide: when create wins the race (it finished, or ran past the
    # point before we saw it), the container is removed and the kill is tried again.
    for attempt in range(ATTEMPTS):
        p = popen_create(rt, b, cid, tmp_path)
        if spin_until(reached, p) and try_kill_create(p):
            break
        retry_after_create_won(rt, p, cid)
    else:
        pytest.fail("create always finished before the kill (%d attempts)" % ATTEMPTS)
    pids = set()
    for d in existing(cid):
        pids |= procs_in(d)
    # A half-made container is shown (stopped), not hidden.
    status, listed = rt.status(cid), cid in rt("list", "-q").stdout.split()
    rt("delete", "--force", cid)
    assert_all_gone(rt, b, cid, before, pids)
    assert status == "stopped"
    assert listed


@swiftrun_only_because("leaves the frozen init and its cgroups of a killed create behind")
def test_delete_force_after_create_killed_with_frozen_init(rt, ctr, tmp_path):
    """The init is frozen (v1 freezer) in its cgroup when create dies: its parent-death SIGKILL
    stays pending until delete thaws it."""
    cid, b = ctr
    before = all_pids()
    freezer = os.path.join(CGROOT, "freezer", PARENT, cid)
    for attempt in range(ATTEMPTS):
        p = popen_create(rt, b, cid, tmp_path)
        if spin_until(lambda: os.path.isdir(freezer), p):
            _write(os.path.join(freezer, "freezer.state"), "FROZEN")
            if wait_for(lambda: procs_in(freezer) or p.poll() is not None, timeout=10) and procs_in(freezer):
                pids = procs_in(freezer)
                time.sleep(0.2)
                # Frozen after the init had already gone past its last sync: create may finish.
                if p.poll() is None and try_kill_create(p):
                    break
        _write_if_dir(os.path.join(freezer, "freezer.state"), "THAWED")
        retry_after_create_won(rt, p, cid)
    else:
        pytest.fail("create always finished before its init was frozen (%d attempts)" % ATTEMPTS)
    time.sleep(0.2)
    assert any(pid_alive(x) for x in pids), "the frozen init died before delete"
    # Plain delete (no --force): the create is dead, so there is nothing to wait for.
    rt("delete", cid)
    assert_all_gone(rt, b, cid, before, pids)


HOOK_SCRIPT = r"""
d=%(dir)s
echo $$ > $d/hook.pid.tmp && mv $d/hook.pid.tmp $d/hook.pid
sleep 1000 &
echo $! > $d/child.pid.tmp && mv $d/child.pid.tmp $d/child.pid
wait
"""


@swiftrun_only_because("lets the hook process (and what it started) of a killed create run on")
@pytest.mark.parametrize("kind", ["prestart", "createRuntime"])
def test_create_killed_during_runtime_hook(rt, ctr, tmp_path, kind):
    cid, b = ctr
    d = tmp_path / ("hook-" + cid)
    d.mkdir()
    b.config["hooks"] = {kind: [{"path": "/bin/sh", "args": ["sh", "-c", HOOK_SCRIPT % {"dir": d}],
                                 "env": [HOST_PATH, "KILLED_CREATE=" + cid]}]}
    before = all_pids()
    p = popen_create(rt, b, cid, tmp_path)
    assert spin_until(lambda: (d / "child.pid").exists(), p, timeout=20), "the hook never ran"
    hook_pids = [int((d / n).read_text()) for n in ("hook.pid", "child.pid")]
    assert all(pid_alive(x) for x in hook_pids)
    cg_pids = set()
    for c in existing(cid):
        cg_pids |= procs_in(c)
    kill_create(p)
    # The hook dies with the runtime that ran it, not only at delete.
    for x in hook_pids:
        assert wait_for(lambda: not pid_alive(x), timeout=3), "hook process %d outlived create" % x
    rt("delete", "--force", cid)
    assert_all_gone(rt, b, cid, before, hook_pids + sorted(cg_pids))


# --- start notices a dead init ----------------------------------------------------------------


def test_start_fails_when_init_killed_after_create(rt, ctr):
    cid, b = ctr
    b.args("sleep", "100")
    rt.create(b, cid)
    pid = rt.state(cid)["pid"]
    os.kill(pid, signal.SIGKILL)
    assert wait_for(lambda: not pid_alive(pid), timeout=5)
    p = rt("start", cid, check=False)
    assert p.returncode != 0, "start of a container whose init was killed exited 0"
    assert rt.status(cid) == "stopped"


@swiftrun_only_because("`start` exits 0 when the init dies in a startContainer hook, before it execs")
def test_start_fails_when_init_killed_during_start(rt, ctr):
    """The startContainer hook runs in the init after `start` connected; without a pid namespace
    it can SIGKILL the init (the state on stdin has its pid)."""
    cid, b = ctr
    b.remove_ns("pid")
    b.args("sleep", "100")
    script = "pid=$(sed -n 's/.*\"pid\": *\\([0-9][0-9]*\\).*/\\1/p'); kill -9 $pid; sleep 5"
    b.config["hooks"] = {"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", script],
                                             "env": [HOST_PATH]}]}
    rt.create(b, cid)
    pid = rt.state(cid)["pid"]
    p = rt("start", cid, check=False, timeout=FAST * 2)
    assert p.returncode != 0, "start exited 0 although the init was killed before exec"
    assert p.stderr.strip(), "no message"
    # start sees EOF as soon as the dying init's fds are closed, a moment before the kernel marks
    # it dead: under load that moment is visible.
    assert wait_for(lambda: not pid_alive(pid), timeout=5), "init %d still alive; start said: %s" % (pid, p.stderr)
    assert rt.status(cid) == "stopped"


# --- FIFOs ------------------------------------------------------------------------------------


def _run_bounded(rt, *args, **kw):
    try:
        return rt(*args, check=False, timeout=FAST, **kw)
    except subprocess.TimeoutExpired:
        pytest.fail("`%s` hung on a FIFO (no answer within %ds)" % (" ".join(args), FAST))


@swiftrun_only_because("blocks for ever opening a FIFO config.json")
def test_fifo_config_json_fails_fast(rt, ctr):
    cid, b = ctr
    cfg = os.path.join(b.path, "config.json")
    os.unlink(cfg)
    os.mkfifo(cfg)
    p = _run_bounded(rt, "create", "--bundle", b.path, cid)
    assert p.returncode != 0
    assert "config.json" in p.stderr, p.stderr
    assert not rt.exists(cid)


def _plant_fifo(b, rel):
    path = os.path.join(b.rootfs, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.lexists(path):
        os.unlink(path)
    os.mkfifo(path)
    return path


@swiftrun_only_because("`start` exits 0 and its init then blocks for ever on a FIFO /etc/passwd (HOME lookup)")
def test_fifo_etc_passwd_start_fails_fast(rt, ctr):
    cid, b = ctr
    b.args("true")  # no HOME in process.env: the runtime looks it up in /etc/passwd
    rt.create(b, cid)
    _plant_fifo(b, "etc/passwd")
    p = _run_bounded(rt, "start", cid)
    assert p.returncode != 0
    assert "/etc/passwd" in p.stderr, p.stderr


@swiftrun_only_because("`exec` blocks for ever reading a FIFO /etc/passwd in the container")
def test_fifo_etc_passwd_exec_fails_fast(rt, ctr):
    cid, b = ctr
    b.args("sleep", "100")
    rt.create(b, cid)
    rt("start", cid)
    # What a container process can do to its own rootfs.
    _plant_fifo(b, "etc/passwd")
    p = _run_bounded(rt, "exec", cid, "true")
    assert p.returncode != 0
    assert "/etc/passwd" in p.stderr, p.stderr
    # The engine can still exec with HOME set, and the container is unharmed.
    ok = _run_bounded(rt, "exec", "--env", "HOME=/", cid, "true")
    assert ok.returncode == 0, ok.stderr
    assert rt.status(cid) == "running"


def test_fifos_under_unmounted_proc_do_not_hang_create(rt, ctr):
    """Without a proc mount the image's own /proc directory shows: the runtime's reads of
    /proc/self/setgroups and /proc/sys/kernel/cap_last_cap in the container must not block."""
    cid, b = ctr
    b.config["mounts"] = [m for m in b.config["mounts"] if m["type"] != "proc"]
    b.config["linux"].pop("maskedPaths", None)
    b.config["linux"].pop("readonlyPaths", None)
    for rel in ("proc/self/setgroups", "proc/sys/kernel/cap_last_cap"):
        _plant_fifo(b, rel)
    b.args("true")
    b.process["env"].append("HOME=/")
    b.save()
    p = _run_bounded(rt, "create", "--bundle", b.path, cid)
    if p.returncode == 0:
        st = _run_bounded(rt, "start", cid)
        assert st.returncode == 0, st.stderr
