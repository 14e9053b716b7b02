"""create / start / state / kill / delete / list / run."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from helpers import (IS_RUNC, new_id, pid_alive, mounts_mentioning, wait_for, readline, stop,
                     swiftrun_only_because)

LOOP = "trap 'exit 0' TERM; while :; do sleep 0.1; done"


def test_create_does_not_run_program_until_start(rt, bundle):
    b = bundle()
    host = b.hostdir()
    b.add_mount("/out", host, options=["rbind", "rw"])
    b.sh("echo ran > /out/marker")
    cid = new_id()
    rt.create(b, cid)
    time.sleep(0.3)
    assert not os.path.exists(os.path.join(host, "marker")), "program ran before start"
    assert rt.state(cid)["status"] == "created"
    rt("start", cid)
    assert wait_for(lambda: os.path.exists(os.path.join(host, "marker")))
    rt.wait_status(cid, "stopped")


def test_pid_file_holds_init_host_pid(rt, bundle, tmp_path):
    b = bundle().args("sleep", "30")
    cid = new_id()
    pidfile = tmp_path / "pidfile"
    rt.create(b, cid, "--pid-file", str(pidfile))
    pid = int(pidfile.read_text().strip())
    assert os.path.exists("/proc/%d" % pid)
    assert rt.state(cid)["pid"] == pid
    with open("/proc/%d/status" % pid) as f:
        nspid = [l for l in f if l.startswith("NSpid:")][0].split()
    assert nspid[-1] == "1", "init is not PID 1 in its pid namespace: %s" % nspid


def test_state_fields_and_transitions(rt, bundle):
    b = bundle().sh("read x < /dev/null; sleep 0.5")
    b.config["annotations"] = {"org.example.key": "value", "other": "2"}
    cid = new_id()
    rt.create(b, cid)
    st = rt.state(cid)
    for key in ("ociVersion", "id", "status", "pid", "bundle"):
        assert key in st, "state lacks %s: %s" % (key, st)
    assert st["id"] == cid
    assert st["status"] == "created"
    assert st["pid"] > 0
    assert os.path.isabs(st["bundle"]) and os.path.samefile(st["bundle"], b.path)
    assert st.get("annotations") == {"org.example.key": "value", "other": "2"}
    rt("start", cid)
    assert rt.state(cid)["status"] == "running"
    rt.wait_status(cid, "stopped")
    assert rt.state(cid)["status"] == "stopped"


def test_state_with_relative_bundle_is_absolute(rt, bundle):
    b = bundle().args("sleep", "10")
    b.save()
    cid = new_id()
    rt("create", "--bundle", os.path.basename(b.path), cid, cwd=os.path.dirname(b.path))
    st = rt.state(cid)
    assert os.path.isabs(st["bundle"])
    assert os.path.samefile(st["bundle"], b.path)


REAPER_SCRIPT = textwrap.dedent("""
    import ctypes, json, subprocess, sys, time
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_CHILD_SUBREAPER = 36
    assert libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    rt = sys.argv[1:4]; bundle = sys.argv[4]; cid = sys.argv[5]
    def run(*a):
        # stdio to files: the container inherits them and pipes never close.
        with open(sys.argv[6], "w+") as o, open(sys.argv[6] + ".err", "w+") as e:
            p = subprocess.run(rt + list(a), stdout=o, stderr=e, text=True,
                               stdin=subprocess.DEVNULL)
            o.seek(0); e.seek(0)
            p.stdout = o.read(); p.stderr = e.read()
        return p
    out = []
    p = run("create", "--bundle", bundle, cid); assert p.returncode == 0, p.stderr
    p = run("start", cid); assert p.returncode == 0, p.stderr
    out.append(json.loads(run("state", cid).stdout)["status"])
    # The init is now our (unreaped) child. Never call wait().
    deadline = time.time() + 10
    st = None
    while time.time() < deadline:
        st = json.loads(run("state", cid).stdout)["status"]
        if st == "stopped":
            break
        time.sleep(0.05)
    out.append(st)
    print(json.dumps(out))
""")


def test_state_stopped_even_when_nobody_reaps(rt, bundle, tmp_path):
    """The init outlives the runtime that forked it; we are its subreaper and
    never reap it, so it stays a zombie: state must still say stopped."""
    b = bundle().args("sleep", "0.5")
    b.save()
    cid = new_id()
    rt.ids.add(cid)
    script = tmp_path / "reaper.py"
    script.write_text(REAPER_SCRIPT)
    p = subprocess.run([sys.executable, str(script), rt.binary, "--root", rt.root,
                        b.path, cid, str(tmp_path / "out")],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    states = json.loads(p.stdout)
    assert states == ["running", "stopped"]


def test_state_stopped_after_reparenting(rt, bundle):
    b = bundle().args("sleep", "0.3")
    cid = new_id()
    rt.stopped(b, cid)


# --- refusals leave the container untouched -------------------------------

def test_start_of_running_container_fails(rt, bundle):
    b = bundle().sh(LOOP)
    cid = new_id()
    rt.create(b, cid)
    rt("start", cid)
    p = rt("start", cid, check=False)
    assert p.returncode != 0
    assert "running" in p.stderr, p.stderr  # runc: cannot start an already running container
    assert rt.status(cid) == "running"


def test_start_of_stopped_container_fails(rt, bundle):
    b = bundle().args("true")
    cid = new_id()
    rt.stopped(b, cid)
    p = rt("start", cid, check=False)
    assert p.returncode != 0
    assert "stopped" in p.stderr, p.stderr  # runc: cannot start a container that has stopped
    assert rt.status(cid) == "stopped"


def test_start_of_nonexistent_container_fails(rt):
    p = rt("start", new_id(), check=False)
    assert p.returncode != 0
    assert "does not exist" in p.stderr or "not exist" in p.stderr or "not found" in p.stderr


def test_delete_running_without_force_fails(rt, bundle):
    b = bundle().sh(LOOP)
    cid = new_id()
    rt.create(b, cid)
    rt("start", cid)
    pid = rt.state(cid)["pid"]
    p = rt("delete", cid, check=False)
    assert p.returncode != 0
    assert "running" in p.stderr or "not stopped" in p.stderr
    assert rt.status(cid) == "running"
    assert pid_alive(pid)


def test_delete_created_without_force_removes_it(rt, bundle):
    """runc 1.1.5 treats a created (never started) container as deletable
    without --force: it kills the waiting init and removes the container."""
    b = bundle().args("sleep", "100")
    cid = new_id()
    rt.create(b, cid)
    pid = rt.state(cid)["pid"]
    rt("delete", cid)
    assert not rt.exists(cid)
    assert wait_for(lambda: not pid_alive(pid), timeout=5)


def test_kill_of_stopped_container_fails(rt, bundle):
    b = bundle().args("true")
    cid = new_id()
    rt.stopped(b, cid)
    p = rt("kill", cid, "KILL", check=False)
    assert p.returncode != 0
    assert "not running" in p.stderr, p.stderr
    assert rt.status(cid) == "stopped"
    assert rt.exists(cid)


def test_delete_force_running_kills_and_removes(rt, bundle):
    b = bundle().args("sleep", "100")
    cid = new_id()
    rt.create(b, cid)
    rt("start", cid)
    pid = rt.state(cid)["pid"]
    rt("delete", "--force", cid)
    assert wait_for(lambda: not pid_alive(pid), timeout=5)
    assert not rt.exists(cid)
    assert rt("state", cid, check=False).returncode != 0


def test_delete_force_created_container(rt, bundle):
    b = bundle().args("sleep", "100")
    cid = new_id()
    rt.create(b, cid)
    pid = rt.state(cid)["pid"]
    rt("delete", "-f", cid)
    assert wait_for(lambda: not pid_alive(pid), timeout=5)
    assert not rt.exists(cid)


def test_delete_force_nonexistent_exits_zero(rt):
    p = rt("delete", "--force", new_id(), check=False)
    assert p.returncode == 0, p.stderr


def test_delete_nonexistent_without_force_fails(rt):
    p = rt("delete", new_id(), check=False)
    assert p.returncode != 0
    assert "not exist" in p.stderr or "not found" in p.stderr


def test_duplicate_id_refused(rt, bundle):
    b = bundle().args("sleep", "100")
    cid = new_id()
    rt.create(b, cid)
    pid = rt.state(cid)["pid"]
    p = rt.create(b, cid, check=False)
    assert p.returncode != 0
    assert "exist" in p.stderr
    st = rt.state(cid)
    assert st["pid"] == pid and st["status"] == "created"


@pytest.mark.parametrize("bad", ["", "/", "..", "a/b", "../x"],
                         ids=["empty", "slash", "dotdot", "a-slash-b", "dotdot-slash-x"])
def test_invalid_container_id_refused(rt, bundle, bad):
    b = bundle().args("true")
    p = rt.create(b, bad, check=False)
    assert p.returncode != 0
    assert p.stderr.strip()
    assert os.listdir(rt.root) == []
    assert not os.path.exists(os.path.join(os.path.dirname(rt.root), "x"))


# --- kill -----------------------------------------------------------------

@pytest.mark.parametrize("sig", ["15", "TERM", "SIGTERM", None],
                         ids=["numeric", "name", "sig-name", "default"])
def test_kill_sigterm_forms(rt, bundle, sig):
    b = bundle()
    host = b.hostdir()
    b.add_mount("/out", host, options=["rbind"])
    b.sh("trap 'echo term > /out/got; exit 0' TERM; echo up > /out/up; "
         "while :; do sleep 0.1; done")
    cid = new_id()
    rt.create(b, cid)
    rt("start", cid)
    assert wait_for(lambda: os.path.exists(os.path.join(host, "up")))
    args = ["kill", cid] + ([sig] if sig else [])
    rt(*args)
    rt.wait_status(cid, "stopped")
    with open(os.path.join(host, "got")) as f:
        assert f.read().strip() == "term"


def test_kill_sigkill(rt, bundle):
    b = bundle().args("sleep", "100")
    cid = new_id()
    rt.create(b, cid)
    rt("start", cid)
    pid = rt.state(cid)["pid"]
    rt("kill", cid, "KILL")
    rt.wait_status(cid, "stopped")
    assert wait_for(lambda: not pid_alive(pid), timeout=5)


def test_kill_unknown_signal_refused(rt, bundle):
    b = bundle().args("sleep", "100")
    cid = new_id()
    rt.create(b, cid)
    rt("start", cid)
    p = rt("kill", cid, "BOGUS", check=False)
    assert p.returncode != 0
    assert "BOGUS" in p.stderr
    assert rt.status(cid) == "running"


def test_kill_created_container(rt, bundle):
    b = bundle().args("sleep", "100")
    cid = new_id()
    rt.create(b, cid)
    rt("kill", cid, "KILL")
    rt.wait_status(cid, "stopped")


# --- delete leaves nothing --------------------------------------------------

def test_delete_removes_state_dir_process_and_mounts(rt, bundle):
    b = bundle().args("sleep", "100")
    cid = new_id()
    rt.create(b, cid)
    rt("start", cid)
    assert rt.exists(cid)
    pid = rt.state(cid)["pid"]
    rt("kill", cid, "KILL")
    rt.wait_status(cid, "stopped")
    rt("delete", cid)
    assert not rt.exists(cid)
    assert not pid_alive(pid)
    assert mounts_mentioning(b.path) == []
    assert rt("list", "-q").stdout.split() == []


# --- list -------------------------------------------------------------------

def test_list_table_json_and_quiet(rt, bundle):
    b = bundle().args("sleep", "100")
    c1, c2 = new_id("a"), new_id("b")
    rt.create(b, c1)
    rt.create(b, c2)
    rt("start", c2)
    out = rt("list").stdout.splitlines()
    assert out[0].split() == ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]
    rows = {l.split()[0]: l.split() for l in out[1:] if l.strip()}
    assert set(rows) == {c1, c2}
    assert rows[c1][2] == "created" and rows[c2][2] == "running"
    assert rows[c1][3] == b.path or os.path.samefile(rows[c1][3], b.path)

    arr = json.loads(rt("list", "--format", "json").stdout)
    assert isinstance(arr, list) and len(arr) == 2
    by_id = {o["id"]: o for o in arr}
    for o in arr:
        for key in ("id", "pid", "status", "bundle", "rootfs", "created", "owner"):
            assert key in o, "list json lacks %s: %s" % (key, o)
    assert by_id[c1]["status"] == "created"
    assert by_id[c2]["status"] == "running"
    assert by_id[c2]["pid"] == rt.state(c2)["pid"]
    assert os.path.samefile(by_id[c1]["rootfs"], b.rootfs)

    assert sorted(rt("list", "-q").stdout.split()) == sorted([c1, c2])


def test_list_empty_root(rt):
    out = rt("list").stdout.splitlines()
    assert out[0].split() == ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]
    assert [l for l in out[1:] if l.strip()] == []
    assert json.loads(rt("list", "--format", "json").stdout or "[]") in ([], None)


# --- run --------------------------------------------------------------------

def test_run_foreground_stdout_and_exit_code(rt, bundle):
    b = bundle().sh("echo hello-from-container; echo to-stderr >&2; exit 3")
    cid = new_id()
    p = rt.run(b, cid)
    assert p.returncode == 3, p.stderr
    assert "hello-from-container" in p.stdout
    assert "to-stderr" in p.stderr


def test_run_exit_zero(rt, bundle):
    b = bundle().args("true")
    assert rt.run(b, new_id()).returncode == 0


def test_run_stdin_passes_through(rt, bundle):
    b = bundle().args("cat")
    p = rt.run(b, new_id(), input="piped-in\n")
    assert p.returncode == 0
    assert p.stdout == "piped-in\n"


def test_run_killed_by_signal_exit_code(rt, bundle):
    # Outside a pid namespace, the shell is not a pid-1 and SIGKILL kills it.
    b = bundle().sh("kill -9 $$")
    b.remove_ns("pid")
    p = rt.run(b, new_id())
    assert p.returncode == 137, (p.returncode, p.stderr)


def test_run_killed_by_runtime_kill_exit_code(rt, bundle):
    b = bundle().sh("echo ready; exec sleep 100")
    b.save()
    cid = new_id()
    proc = rt.popen("run", "--bundle", b.path, cid)
    try:
        assert readline(proc).strip() == "ready"
        rt("kill", cid, "KILL")
        assert proc.wait(timeout=10) == 137
    finally:
        stop(proc)


def test_run_forwards_sigterm(rt, bundle):
    b = bundle().sh("trap 'echo got-term; exit 42' TERM; echo ready; "
                    "while :; do sleep 0.1; done")
    b.save()
    cid = new_id()
    proc = rt.popen("run", "--bundle", b.path, cid)
    try:
        assert readline(proc).strip() == "ready"
        time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=10)
        out = proc.stdout.read()
        assert rc == 42, (rc, proc.stderr.read())
        assert "got-term" in out
    finally:
        stop(proc)


def test_run_detach(rt, bundle):
    b = bundle().args("sleep", "100")
    cid = new_id()
    p = rt.run(b, cid, "--detach", timeout=15)
    assert p.returncode == 0, p.stderr
    assert rt.status(cid) == "running"
    pid = rt.state(cid)["pid"]
    assert pid_alive(pid)


def test_run_removes_container_after_exit(rt, bundle):
    b = bundle().args("true")
    cid = new_id()
    assert rt.run(b, cid).returncode == 0
    assert rt("state", cid, check=False).returncode != 0
    assert not rt.exists(cid)


def test_run_empty_env_absolute_program(rt, bundle):
    b = bundle().args("/bin/sh", "-c", "echo ok; env | grep -c PATH= || true")
    b.process["env"] = []
    p = rt.run(b, new_id())
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[0] == "ok"


@swiftrun_only_because("fails with 'exec: \"sh\": executable file not found in $PATH' "
                       "when the container env has no PATH; swiftrun follows execvp "
                       "and falls back to the default search path")
def test_run_empty_env_bare_program_name(rt, bundle):
    b = bundle().args("sh", "-c", "echo ok")
    b.process["env"] = []
    p = rt.run(b, new_id())
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "ok"


def test_oci_version_1_3_0_accepted(rt, bundle):
    b = bundle().args("true")
    b.config["ociVersion"] = "1.3.0"
    p = rt.run(b, new_id())
    assert p.returncode == 0, p.stderr


@swiftrun_only_because("refuses `create` without `process` "
                       "('process property must not be empty')")
def test_create_without_process_then_start_fails(rt, bundle):
    """config.md: `process` is REQUIRED only when `start` is called. `create` without it builds
    the container; `start` then fails naming the field and the container stays `created`."""
    b = bundle()
    del b.config["process"]
    cid = new_id()
    rt.create(b, cid)
    st = rt.state(cid)
    assert st["status"] == "created"
    assert pid_alive(st["pid"])
    p = rt("start", cid, check=False)
    assert p.returncode != 0
    assert "process" in p.stderr and "start" in p.stderr, p.stderr
    assert rt.status(cid) == "created"
    rt("delete", cid)
    assert not rt.exists(cid)
    assert wait_for(lambda: not pid_alive(st["pid"]))


def _orphan_parent_script():
    # A double fork orphans `sleep 7`; print the pid of whoever adopted it.
    return ("(sleep 7 &); sleep 0.3; for p in /proc/[0-9]*; do "
            "if [ \"$(cat $p/cmdline 2>/dev/null | tr '\\0' ' ')\" = 'sleep 7 ' ]; then "
            "awk '{print $4}' $p/stat; fi; done")


def test_run_is_the_subreaper_of_orphans(rt, bundle):
    """As runc: the foreground `run` is PR_SET_CHILD_SUBREAPER, so what a container without a pid
    namespace orphans is reparented to it (and reaped), not to the host's init."""
    b = bundle().sh(_orphan_parent_script())
    b.remove_ns("pid")
    cid = new_id()
    p = rt.popen("run", "--bundle", b.save() or b.path, cid)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    assert out.split() == [str(p.pid)], (out, p.pid)


def test_run_no_subreaper(rt, bundle):
    b = bundle().sh(_orphan_parent_script())
    b.remove_ns("pid")
    cid = new_id()
    p = rt.popen("run", "--no-subreaper", "--bundle", b.save() or b.path, cid)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    assert out.split() and out.split() != [str(p.pid)], (out, p.pid)


@swiftrun_only_because("(its waiting init holds its exec fifo instead of a start socket)")
def test_created_init_holds_only_stdio_and_its_start_socket(rt, bundle, tmp_path):
    """What the waiting init took over across clone3 it has closed by the time create returns:
    the sync socket, the --log file, the runtime's fds; only 0-2 and the start socket are left
    (Docs/SECURITY.md, Docs/ARCHITECTURE.md's hand-over)."""
    log = tmp_path / "runtime.log"
    cid = new_id()
    rt.create(bundle().args("true"), cid, log=log)
    pid = rt.state(cid)["pid"]
    fds = {int(n): os.readlink("/proc/%d/fd/%s" % (pid, n)) for n in os.listdir("/proc/%d/fd" % pid)}
    above = {n: t for n, t in fds.items() if n > 2}
    assert len(above) == 1 and list(above.values())[0].startswith("socket:"), fds
    assert str(log) not in fds.values(), fds
    rt("delete", "--force", cid)
