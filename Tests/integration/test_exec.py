"""exec: a new process in a live container, with runc's flags."""

import json
import os
import subprocess

import pytest

from helpers import BINARY, IS_RUNC, enable_userns, new_id, rmdir_retry, run_in_pty, swiftrun_only_because, wait_for


@pytest.fixture
def running(rt, bundle):
    b = bundle().args("sleep", "300")
    b.config["process"]["capabilities"] = {k: ["CAP_KILL", "CAP_CHOWN"] for k in
                                           ("bounding", "effective", "permitted")}
    b.config["hostname"] = "exec-host"
    cid = new_id()
    rt.run(b, cid, "--detach")
    return cid


def test_exec_output_and_exit_code(rt, running):
    p = rt("exec", running, "sh", "-c", "echo out; echo err >&2; exit 7", check=False)
    assert p.returncode == 7
    assert p.stdout == "out\n"
    assert "err" in p.stderr


def test_exec_joins_every_namespace(rt, running):
    init = rt.state(running)["pid"]
    script = "for n in mnt pid net ipc uts cgroup; do readlink /proc/self/ns/$n; done; hostname"
    p = rt("exec", running, "sh", "-c", script)
    lines = p.stdout.split()
    for n, got in zip(["mnt", "pid", "net", "ipc", "uts", "cgroup"], lines):
        assert got == os.readlink("/proc/%d/ns/%s" % (init, n)), n
    assert lines[-1] == "exec-host"


def test_exec_sees_container_pid_namespace(rt, running):
    p = rt("exec", running, "sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '")
    assert p.stdout.strip() == "sleep 300"


def test_exec_env_cwd_user_gids(rt, running):
    p = rt("exec", "--env", "FOO=bar", "--cwd", "/tmp", "--user", "1000:1000",
           "--additional-gids", "10", running, "sh", "-c", "echo $FOO; pwd; id -u; id -g; id -G")
    assert p.stdout.split() == ["bar", "/tmp", "1000", "1000", "1000", "10"]


def test_exec_caps_and_no_new_privs(rt, running):
    p = rt("exec", running, "grep", "-E", "CapEff|NoNewPrivs", "/proc/self/status")
    assert "CapEff:\t0000000000000021" in p.stdout
    p = rt("exec", "--cap", "CAP_NET_RAW", "--no-new-privs", running,
           "grep", "-E", "CapEff|NoNewPrivs", "/proc/self/status")
    assert "CapEff:\t0000000000002021" in p.stdout
    assert "NoNewPrivs:\t1" in p.stdout


def test_exec_process_json(rt, running, tmp_path):
    proc = {"args": ["sh", "-c", "echo $A; id -u"], "env": ["A=from-json", "PATH=/bin"],
            "cwd": "/", "user": {"uid": 5, "gid": 5}}
    f = tmp_path / "process.json"
    f.write_text(json.dumps(proc))
    p = rt("exec", "--process", str(f), running)
    assert p.stdout.split() == ["from-json", "5"]


def test_exec_detach_and_pid_file(rt, running, tmp_path):
    pf = tmp_path / "exec.pid"
    rt("exec", "--detach", "--pid-file", str(pf), running, "sleep", "30")
    pid = int(pf.read_text())
    with open("/proc/%d/cmdline" % pid) as f:
        assert f.read().split("\0")[0] == "sleep"
    init = rt.state(running)["pid"]
    assert os.readlink("/proc/%d/ns/pid" % pid) == os.readlink("/proc/%d/ns/pid" % init)


def test_exec_missing_program_is_clear(rt, running):
    p = rt("exec", running, "/nonexistent", check=False)
    assert p.returncode != 0
    assert "/nonexistent" in p.stderr and "no such file or directory" in p.stderr


def test_exec_into_stopped_container_fails(rt, bundle):
    b = bundle().args("true")
    cid = new_id()
    rt.stopped(b, cid)
    p = rt("exec", cid, "true", check=False)
    assert p.returncode != 0
    assert "stopped" in p.stderr


def test_exec_does_not_leak_fds(rt, running):
    r, w = os.pipe()
    try:
        p = subprocess.run([BINARY, "--root", rt.root, "exec", running, "ls", "/proc/self/fd"],
                           capture_output=True, text=True, pass_fds=(r, w), timeout=20)
    finally:
        os.close(r)
        os.close(w)
    assert p.returncode == 0, p.stderr
    assert sorted(p.stdout.split()) == ["0", "1", "2", "3"]  # 3 is ls's own directory fd


def test_exec_runtime_binary_not_reachable(rt, running):
    # CVE-2019-5736 class: once exec'd, /proc/<pid>/exe is the container's program, not the
    # runtime binary.
    p = rt("exec", running, "sh", "-c", "readlink /proc/self/exe; readlink /proc/1/exe")
    assert all(x.startswith("/bin/") for x in p.stdout.split()), p.stdout


@swiftrun_only_because("runs its waiting init from a sealed memfd copy of itself: /proc/1/exe "
                       "is readable there, but writing it cannot reach the host binary")
def test_waiting_init_exe_not_openable_from_container(rt, bundle):
    # Until `start`, the container's init is still the runtime binary. It is non-dumpable, so
    # a container process cannot open its /proc/1/exe (and so cannot overwrite the host binary).
    b = bundle().args("true")
    cid = new_id()
    rt.create(b, cid)
    p = rt("exec", cid, "sh", "-c", "cat /proc/1/exe > /dev/null && echo readable || echo denied",
           check=False)
    assert p.stdout.strip() == "denied", p.stdout + p.stderr


@swiftrun_only_because("is exercised through the console socket only")
def test_exec_tty_in_foreground(rt, running):
    code, out = run_in_pty([BINARY, "--root", rt.root, "exec", "-t", running, "sh", "-c",
                            "tty; echo tty-ok; exit 4"])
    assert b"/dev/pts/" in out and b"tty-ok" in out, out
    assert code == 4


@swiftrun_only_because("hangs on `exec --ignore-paused` into a frozen container")
def test_exec_into_paused_container(rt, running):
    rt("pause", running)
    p = rt("exec", running, "true", check=False)
    assert p.returncode != 0 and "paused" in p.stderr
    p = rt("exec", "--detach", "--ignore-paused", running, "true", check=False)
    assert p.returncode == 0, p.stderr
    rt("resume", running)


@swiftrun_only_because("has no time namespace support")
def test_exec_joins_user_and_time_namespaces_and_cgroup(rt, bundle):
    b = bundle().args("sleep", "300")
    enable_userns(b)
    b.add_ns("time")
    b.config["linux"]["timeOffsets"] = {"monotonic": {"secs": 86400, "nanosecs": 0}}
    cid = new_id()
    rt.run(b, cid, "--detach")
    init = rt.state(cid)["pid"]
    p = rt("exec", "--detach", "--pid-file", os.path.join(b.path, "x.pid"), cid, "sleep", "30")
    with open(os.path.join(b.path, "x.pid")) as f:
        pid = int(f.read())
    for ns in ("user", "time", "mnt", "pid"):
        assert os.readlink("/proc/%d/ns/%s" % (pid, ns)) == os.readlink("/proc/%d/ns/%s" % (init, ns)), ns
    with open("/proc/%d/cgroup" % pid) as f, open("/proc/%d/cgroup" % init) as g:
        assert f.read() == g.read()
    p = rt("exec", cid, "sh", "-c", "id -u; cat /proc/self/uid_map")
    lines = p.stdout.split("\n")
    assert lines[0] == "0"
    assert lines[1].split() == ["0", "100000", "65536"]


def test_exec_gets_rlimits_of_its_process(rt, running, tmp_path):
    proc = {"args": ["sh", "-c", "ulimit -n; ulimit -Hn"], "cwd": "/", "user": {"uid": 0, "gid": 0},
            "env": ["PATH=/bin"], "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 77, "hard": 88}]}
    f = tmp_path / "p.json"
    f.write_text(json.dumps(proc))
    assert rt("exec", "--process", str(f), running).stdout.split() == ["77", "88"]


def test_exec_tty_with_console_socket(rt, running, tmp_path):
    from helpers import ConsoleReceiver, read_until_end as read_all
    recv = ConsoleReceiver(str(tmp_path / "c.sock"))
    try:
        p = rt.popen("exec", "--tty", "--detach", "--console-socket", recv.path, running,
                     "sh", "-c", "tty; echo END")
        master = recv.receive_master()
        p.wait(timeout=20)
        out = read_all(master)
        os.close(master)
    finally:
        recv.close()
    assert p.returncode == 0
    assert "/dev/pts/" in out


@swiftrun_only_because("is not asked for an AppArmor profile here")
def test_exec_apparmor_without_apparmor_is_clear(rt, running):
    if os.path.exists("/sys/module/apparmor/parameters/enabled"):
        with open("/sys/module/apparmor/parameters/enabled") as f:
            if f.read().strip() == "Y":
                pytest.skip("AppArmor is enabled on this host")
    p = rt("exec", "--apparmor", "some-profile", running, "true", check=False)
    assert p.returncode != 0 and "AppArmor" in p.stderr


def test_ptrace_capable_container_sees_only_a_protected_copy(rt, bundle):
    # A container granted CAP_SYS_PTRACE (no user namespace) can open a non-dumpable process's
    # /proc/<pid>/exe: that must never be a writable path to the host's binary (swiftrun and runc
    # 1.1.5 both run from a detached read-only bind mount of it, which readlink shows as "/").
    import hashlib
    with open(BINARY, "rb") as f:
        before = hashlib.sha256(f.read()).hexdigest()
    b = bundle().args("sleep", "100")
    b.config["process"]["capabilities"] = {k: ["CAP_SYS_PTRACE", "CAP_KILL", "CAP_DAC_OVERRIDE"]
                                           for k in ("bounding", "effective", "permitted")}
    cid = new_id()
    rt.create(b, cid)
    p = rt("exec", cid, "sh", "-c", "readlink /proc/1/exe; echo x > /proc/1/exe 2>/dev/null; echo rc=$?")
    lines = p.stdout.split()
    assert lines[0] != BINARY, p.stdout
    assert lines[-1] != "rc=0", p.stdout
    with open(BINARY, "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == before


def test_exec_preserve_fds(rt, running, tmp_path):
    marker = tmp_path / "fd3"
    marker.write_text("through-fd-3\n")
    argv = rt.cmd("exec", "--preserve-fds", "1", running, "sh", "-c", "cat <&3; echo LISTEN_FDS=$LISTEN_FDS")
    # The caller opens fd 3 the way an engine would, then runs the runtime.
    p = subprocess.run(["sh", "-c", 'exec 3<"$0"; exec "$@"', str(marker)] + argv,
                       capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.split()
    assert lines[0] == "through-fd-3"
    if not IS_RUNC:
        assert lines[1] == "LISTEN_FDS=1"


@swiftrun_only_because("is not asked for an SELinux label here")
def test_exec_process_label_without_selinux_is_clear(rt, running):
    if os.path.exists("/sys/fs/selinux/enforce"):
        pytest.skip("SELinux is enabled on this host")
    p = rt("exec", "--process-label", "system_u:system_r:container_t:s0", running, "true", check=False)
    assert p.returncode != 0 and "SELinux" in p.stderr


@swiftrun_only_because("has no execCPUAffinity")
def test_exec_cpu_affinity(rt, running, tmp_path):
    if (os.cpu_count() or 1) < 2:
        pytest.skip("needs two CPUs")
    proc = {"args": ["grep", "Cpus_allowed_list", "/proc/self/status"], "cwd": "/",
            "user": {"uid": 0, "gid": 0}, "env": ["PATH=/bin"],
            "execCPUAffinity": {"initial": "0", "final": "1"}}
    f = tmp_path / "p.json"
    f.write_text(json.dumps(proc))
    assert rt("exec", "--process", str(f), running).stdout.split()[-1] == "1"


def test_exec_env_flag_overrides_config(rt, bundle):
    b = bundle().args("sleep", "300")
    b.config["process"]["env"] += ["KEY=config"]
    cid = new_id()
    rt.run(b, cid, "--detach")
    p = rt("exec", "-e", "KEY=flag", cid, "env")
    env = p.stdout.splitlines()
    assert [e for e in env if e.startswith("KEY=")] == ["KEY=flag"], env


def test_exec_runtime_errors_exit_255(rt, bundle):
    p = rt("exec", new_id(), "true", check=False)
    assert p.returncode == 255, (p.returncode, p.stderr)
    b = bundle().args("sleep", "300")
    cid = new_id()
    rt.run(b, cid, "--detach")
    p = rt("exec", cid, "/no/such/program", check=False)
    assert p.returncode == 255, (p.returncode, p.stderr)
    p = rt("exec", cid, "sh", "-c", "exit 3", check=False)
    assert p.returncode == 3


def test_kill_signal_0_probes_liveness(rt, bundle):
    b = bundle().args("sleep", "300")
    cid = new_id()
    rt.run(b, cid, "--detach")
    p = rt("kill", cid, "0", check=False)
    assert p.returncode == 0, p.stderr
    assert rt.status(cid) == "running"
    rt("kill", cid, "KILL")
    rt.wait_status(cid, "stopped")
    assert rt("kill", cid, "0", check=False).returncode != 0


def test_exec_cap_is_never_inheritable_or_ambient(rt, bundle):
    # CVE-2022-29162: --cap goes to bounding, effective and permitted only.
    b = bundle().args("sleep", "300")
    b.config["process"]["noNewPrivileges"] = False
    cid = new_id()
    rt.run(b, cid, "--detach")
    p = rt("exec", "--cap", "CAP_SYS_ADMIN", cid, "cat", "/proc/self/status")
    caps = {l.split(":")[0]: int(l.split()[1], 16) for l in p.stdout.splitlines() if l.startswith("Cap")}
    bit = 1 << 21
    assert caps["CapEff"] & bit and caps["CapPrm"] & bit and caps["CapBnd"] & bit, caps
    assert not caps["CapInh"] & bit, caps
    assert not caps["CapAmb"] & bit, caps


def test_exec_tty_foreground_output_has_no_carriage_returns(rt, running):
    # As `run`: the pty exec proxies has ONLCR cleared (the outer terminal too, here).
    code, out = run_in_pty([BINARY, "--root", rt.root, "exec", "-t", running, "sh", "-c", "printf 'a\\nb\\n'"],
                           onlcr=False)
    assert code == 0, out
    assert out == b"a\nb\n", out

# --- exec --cgroup (runc: a sub-cgroup of the container's) ---------------------------------------

def _cgroups_of(pid):
    """hierarchy (controllers, or "" for cgroup2) -> path, from /proc/PID/cgroup."""
    out = {}
    for line in open("/proc/%d/cgroup" % pid).read().splitlines():
        _, ctrls, path = line.split(":", 2)
        out[ctrls] = path
    return out


def _hierarchy_dir(ctrls, path):
    if ctrls == "":
        for base in ("/sys/fs/cgroup/unified", "/sys/fs/cgroup"):
            if os.path.exists(base + "/cgroup.controllers"):
                return base + path
        return None
    named = [c.split("=", 1)[1] for c in ctrls.split(",") if c.startswith("name=")]
    if named:
        return "/sys/fs/cgroup/%s%s" % (named[0], path)
    for name in os.listdir("/sys/fs/cgroup"):
        d = "/sys/fs/cgroup/" + name
        if not os.path.islink(d) and set(name.split(",")) == set(c for c in ctrls.split(",") if "=" not in c):
            return d + path
    return None


@pytest.fixture
def in_cgroup(rt, bundle):
    """A running container in its own cgroup, and a sub-cgroup `sub` made in every hierarchy."""
    cid = new_id()
    b = bundle().args("sleep", "300")
    b.config["linux"]["cgroupsPath"] = "/swiftrun-test-" + cid
    rt.run(b, cid, "--detach")
    init = rt.state(cid)["pid"]
    made = []
    for ctrls, path in _cgroups_of(init).items():
        d = _hierarchy_dir(ctrls, path)
        if d and cid in path and os.path.isdir(d):
            os.mkdir(d + "/sub")
            made.append(d + "/sub")
            for f in ("cpuset.cpus", "cpuset.mems"):  # a v1 cpuset child starts empty
                if os.path.exists(d + "/" + f):
                    with open(d + "/sub/" + f, "w") as out:
                        out.write(open(d + "/" + f).read().strip())
    yield cid, init
    for d in made:
        rmdir_retry(d)


def test_exec_cgroup_controller_form_joins_that_sub_cgroup_only(rt, in_cgroup):
    cid, init = in_cgroup
    own = _cgroups_of(init)
    memory = next(k for k in own if "memory" in k.split(","))
    p = rt("exec", "--cgroup", "memory:sub", cid, "cat", "/proc/self/cgroup")
    got = dict((l.split(":", 2)[1], l.split(":", 2)[2]) for l in p.stdout.splitlines())
    host_view = _cgroups_of(init)
    assert got[memory].endswith("/sub"), p.stdout
    for k in own:
        if k != memory and k in got and "pids" in k.split(","):
            assert not got[k].endswith("/sub"), p.stdout
    assert host_view == own


def test_exec_cgroup_bare_path_joins_it_everywhere(rt, in_cgroup):
    cid, init = in_cgroup
    pidfile = "/tmp/%s.pid" % cid
    rt("exec", "--detach", "--pid-file", pidfile, "--cgroup", "sub", cid, "sleep", "30")
    pid = int(open(pidfile).read())
    os.unlink(pidfile)
    try:
        mine = _cgroups_of(pid)
        for k, path in _cgroups_of(init).items():
            if cid in path:
                assert mine[k] == path + "/sub", (k, mine[k])
    finally:
        os.kill(pid, 9)
    # gone (or a zombie of the init) before the fixture removes the sub-cgroups
    assert wait_for(lambda: not os.path.exists("/proc/%d" % pid) or
                    open("/proc/%d/stat" % pid).read().split(")")[1].split()[0] == "Z")


def test_exec_cgroup_missing_sub_cgroup_fails_255(rt, in_cgroup):
    cid, _ = in_cgroup
    p = rt("exec", "--cgroup", "memory:nonexistent", cid, "true", check=False)
    assert p.returncode == 255, p.stderr
    assert "cgroup.procs" in p.stderr and "nonexistent" in p.stderr, p.stderr


def test_exec_cgroup_dotdot_stays_in_the_containers_cgroup(rt, in_cgroup):
    """Attack: `--cgroup memory:../..` must not put the process above the container's cgroup."""
    cid, init = in_cgroup
    own = _cgroups_of(init)
    memory = next(k for k in own if "memory" in k.split(","))
    p = rt("exec", "--cgroup", "memory:../..", cid, "cat", "/proc/self/cgroup", check=False)
    if p.returncode == 0:
        got = dict((l.split(":", 2)[1], l.split(":", 2)[2]) for l in p.stdout.splitlines())
        assert got[memory].startswith(own[memory]), p.stdout
    else:
        assert p.returncode == 255, p.stderr


@swiftrun_only_because("runc 1.1.5 parses --cgroup more loosely (these are runc 1.2's checks)")
@pytest.mark.parametrize("arg,msg", [
    ("a:b:c", "invalid --cgroup argument: a:b:c"),
    (":sub", "empty <controller> prefix"),
])
def test_exec_cgroup_bad_arguments(rt, running, arg, msg):
    p = rt("exec", "--cgroup", arg, running, "true", check=False)
    assert p.returncode != 0 and msg in p.stderr, p.stderr


@swiftrun_only_because("runc 1.1.5 parses --cgroup more loosely (these are runc 1.2's checks)")
def test_exec_cgroup_controller_given_twice(rt, running):
    p = rt("exec", "--cgroup", "memory:a", "--cgroup", "memory:b", running, "true", check=False)
    assert p.returncode != 0 and "controller memory specified multiple times" in p.stderr, p.stderr


# --- --pidfd-socket (runc 1.2) ---------------------------------------------------------------------

def _pidfd_pid(fd):
    assert os.readlink("/proc/self/fd/%d" % fd) == "anon_inode:[pidfd]"
    for line in open("/proc/self/fdinfo/%d" % fd):
        if line.startswith("Pid:"):
            return int(line.split()[1])
    raise AssertionError("no Pid: in fdinfo")


@swiftrun_only_because("runc 1.1.5 has no --pidfd-socket (runc 1.2 does)")
def test_create_pidfd_socket_receives_the_inits_pidfd(rt, bundle, tmp_path):
    from helpers import ConsoleReceiver
    import signal
    b = bundle().args("sleep", "300")
    b.save()
    cid = new_id()
    recv = ConsoleReceiver(str(tmp_path / "pidfd.sock"))
    try:
        p = rt.popen("create", "--bundle", b.path, "--pidfd-socket", recv.path, cid)
        fd = recv.receive_master()
        assert p.wait(timeout=20) == 0, p.stderr.read()
    finally:
        recv.close()
    try:
        assert _pidfd_pid(fd) == rt.state(cid)["pid"]
        signal.pidfd_send_signal(fd, signal.SIGKILL)
        rt.wait_status(cid, "stopped")
    finally:
        os.close(fd)


@swiftrun_only_because("runc 1.1.5 has no --pidfd-socket (runc 1.2 does)")
def test_exec_pidfd_socket_receives_the_processes_pidfd(rt, running, tmp_path):
    from helpers import ConsoleReceiver
    recv = ConsoleReceiver(str(tmp_path / "pidfd.sock"))
    pidfile = str(tmp_path / "exec.pid")
    try:
        p = rt.popen("exec", "--detach", "--pid-file", pidfile, "--pidfd-socket", recv.path, running,
                     "sleep", "30")
        fd = recv.receive_master()
        assert p.wait(timeout=20) == 0, p.stderr.read()
    finally:
        recv.close()
    try:
        assert _pidfd_pid(fd) == int(open(pidfile).read())
    finally:
        os.close(fd)


def test_pidfd_socket_that_does_not_exist_fails_clearly(rt, bundle, tmp_path):
    if IS_RUNC:
        pytest.skip("runc 1.1.5 has no --pidfd-socket")
    b = bundle().args("sleep", "300")
    cid = new_id()
    p = rt.create(b, cid, "--pidfd-socket", str(tmp_path / "nope.sock"), check=False)
    assert p.returncode != 0 and "--pidfd-socket" in p.stderr, p.stderr
    assert not rt.exists(cid)


@swiftrun_only_because("runc accepts global flags only before the verb ('flag provided but not defined: -root')")
def test_exec_and_ps_take_global_flags_after_the_verb(rt, running):
    """As every other swiftrun verb: `exec --root R ID ...` and `ps --root R ID`; what follows the
    ID is the container's command line, untouched (even when it looks like a global flag)."""
    p = subprocess.run([BINARY, "exec", "--root", rt.root, "-e", "X=1", running, "sh", "-c", 'echo "$X $0 $1"',
                        "--root", "--log"], capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    assert (p.returncode, p.stdout) == (0, "1 --root --log\n"), p.stderr
    p = subprocess.run([BINARY, "ps", "--root=" + rt.root, "--format", "json", running], capture_output=True,
                       text=True, timeout=20, stdin=subprocess.DEVNULL)
    assert p.returncode == 0 and json.loads(p.stdout) == [rt.state(running)["pid"]], p.stderr
