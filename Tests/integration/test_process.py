"""The container process: args, env, cwd, user, umask, rlimits, capabilities,
noNewPrivileges, oomScoreAdj, inherited file descriptors."""

import os
import shutil
import subprocess

import pytest

from helpers import BINARY, IS_RUNC, last_json_line, new_id, swiftrun_only_because


def _run_ok(rt, b, *extra, **kw):
    p = rt.run(b, new_id(), *extra, **kw)
    assert p.returncode == 0, "rc=%d stdout=%s stderr=%s" % (p.returncode, p.stdout, p.stderr)
    return p


def _status(out):
    d = {}
    for l in out.splitlines():
        if ":" in l:
            k, v = l.split(":", 1)
            d[k.strip()] = v.strip()
    return d


def test_args_resolved_via_container_path(rt, bundle):
    b = bundle().args("echo", "one", "two  three")
    assert _run_ok(rt, b).stdout == "one two  three\n"


def test_args_resolved_via_custom_path(rt, bundle):
    os_dir = "opt/tools"
    b = bundle()
    os.makedirs(os.path.join(b.rootfs, os_dir))
    tool = os.path.join(b.rootfs, os_dir, "mytool")
    with open(tool, "w") as f:
        f.write("#!/bin/sh\necho via-custom-path\n")
    os.chmod(tool, 0o755)
    b.args("mytool")
    b.process["env"] = ["PATH=/opt/tools"]
    assert _run_ok(rt, b).stdout == "via-custom-path\n"


def test_env_passed_exactly(rt, bundle):
    b = bundle().args("env")
    b.process["env"] = ["PATH=/bin:/usr/bin", "FOO=bar baz", "EMPTY="]
    out = set(_run_ok(rt, b).stdout.splitlines())
    assert {"PATH=/bin:/usr/bin", "FOO=bar baz", "EMPTY="} <= out
    assert not any(l.startswith("SWIFTRUN") or l.startswith("_LIBCONTAINER") for l in out)
    assert not any(l.startswith("PYTEST") for l in out)


def test_cwd(rt, bundle):
    b = bundle().args("pwd")
    b.process["cwd"] = "/tmp"
    assert _run_ok(rt, b).stdout.strip() == "/tmp"


def test_cwd_created_when_missing(rt, bundle):
    b = bundle().args("pwd")
    b.process["cwd"] = "/new/work/dir"
    assert _run_ok(rt, b).stdout.strip() == "/new/work/dir"


def test_user_uid_gid_additional_gids(rt, bundle):
    b = bundle().sh("id -u; id -g; id -G")
    b.process["user"] = {"uid": 1000, "gid": 1001, "additionalGids": [10, 20]}
    out = _run_ok(rt, b).stdout.splitlines()
    assert out[0] == "1000" and out[1] == "1001"
    groups = set(out[2].split())
    assert {"1001", "10", "20"} <= groups or {"10", "20"} <= groups
    assert "0" not in groups


def test_user_without_additional_gids_has_no_root_group(rt, bundle):
    b = bundle().sh("id -G")
    b.process["user"] = {"uid": 1000, "gid": 1000}
    assert set(_run_ok(rt, b).stdout.split()) <= {"1000"}


def test_umask(rt, bundle):
    b = bundle().sh("umask; touch /tmp/f; stat -c %a /tmp/f")
    b.process["user"]["umask"] = 0o077
    out = _run_ok(rt, b).stdout.split()
    assert out == ["0077", "600"]


def test_default_umask_0022(rt, bundle):
    b = bundle().args("sh", "-c", "umask")
    assert _run_ok(rt, b).stdout.strip() == "0022"


def test_rlimit_nofile(rt, bundle):
    b = bundle().sh("ulimit -n; ulimit -Hn")
    b.process["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 256, "hard": 512}]
    assert _run_ok(rt, b).stdout.split() == ["256", "512"]


def test_rlimit_nproc_and_core(rt, bundle):
    b = bundle().sh("grep -E 'Max (processes|core file size)' /proc/self/limits")
    b.process["rlimits"] = [{"type": "RLIMIT_NPROC", "soft": 100, "hard": 200},
                            {"type": "RLIMIT_CORE", "soft": 0, "hard": 0}]
    out = _run_ok(rt, b).stdout
    proc = [l for l in out.splitlines() if "processes" in l][0].split()
    core = [l for l in out.splitlines() if "core" in l][0].split()
    assert proc[2:4] == ["100", "200"]
    assert core[4:6] == ["0", "0"]


def test_capabilities_only_cap_kill(rt, bundle):
    b = bundle().args("cat", "/proc/self/status")
    b.process["capabilities"] = {k: ["CAP_KILL"] for k in
                                 ("bounding", "effective", "permitted", "inheritable",
                                  "ambient")}
    st = _status(_run_ok(rt, b).stdout)
    for k in ("CapBnd", "CapEff", "CapPrm", "CapInh", "CapAmb"):
        assert st[k] == "0000000000000020", (k, st[k])


def test_capabilities_default_sets(rt, bundle):
    b = bundle().args("cat", "/proc/self/status")
    st = _status(_run_ok(rt, b).stdout)
    # CAP_AUDIT_WRITE(29) | CAP_KILL(5) | CAP_NET_BIND_SERVICE(10)
    want = "%016x" % ((1 << 29) | (1 << 5) | (1 << 10))
    assert st["CapBnd"] == want
    assert st["CapEff"] == want
    assert st["CapPrm"] == want


def test_capabilities_empty(rt, bundle):
    b = bundle().args("cat", "/proc/self/status")
    b.process["capabilities"] = {}
    st = _status(_run_ok(rt, b).stdout)
    assert st["CapEff"] == "0000000000000000"
    assert st["CapBnd"] == "0000000000000000"


def test_capabilities_non_root_user(rt, bundle):
    b = bundle().args("cat", "/proc/self/status")
    b.process["user"] = {"uid": 1000, "gid": 1000}
    b.process["capabilities"] = {k: ["CAP_NET_BIND_SERVICE"] for k in
                                 ("bounding", "effective", "permitted", "inheritable",
                                  "ambient")}
    st = _status(_run_ok(rt, b).stdout)
    want = "%016x" % (1 << 10)
    assert st["CapEff"] == want and st["CapAmb"] == want


def test_unknown_capability_is_a_warning(rt, bundle, tmp_path):
    b = bundle().args("cat", "/proc/self/status")
    b.process["capabilities"]["bounding"].append("CAP_FOO")
    b.process["capabilities"]["effective"].append("CAP_FOO")
    log = tmp_path / "log.json"
    p = _run_ok(rt, b, log=log)
    st = _status(p.stdout)
    want = "%016x" % ((1 << 29) | (1 << 5) | (1 << 10))
    assert st["CapBnd"] == want
    text = log.read_text() + p.stderr
    assert "CAP_FOO" in text
    assert any('"warn' in l and "CAP_FOO" in l for l in log.read_text().splitlines())


@swiftrun_only_because("fails with 'unable to apply caps: operation not permitted' "
                       "when asked for CAP_SYS_RESOURCE, which this host cannot grant")
def test_unavailable_capability_is_a_warning(rt, bundle, tmp_path):
    b = bundle().args("cat", "/proc/self/status")
    for k in ("bounding", "effective", "permitted"):
        b.process["capabilities"][k].append("CAP_SYS_RESOURCE")
    log = tmp_path / "log.json"
    p = _run_ok(rt, b, log=log)
    st = _status(p.stdout)
    assert int(st["CapEff"], 16) & (1 << 5)
    assert "CAP_SYS_RESOURCE" in log.read_text()


@pytest.mark.parametrize("nnp", [True, False], ids=["nnp-on", "nnp-off"])
def test_no_new_privileges(rt, bundle, nnp):
    b = bundle().args("cat", "/proc/self/status")
    b.process["noNewPrivileges"] = nnp
    assert _status(_run_ok(rt, b).stdout)["NoNewPrivs"] == ("1" if nnp else "0")


def test_oom_score_adj(rt, bundle):
    b = bundle().args("cat", "/proc/self/oom_score_adj")
    b.process["oomScoreAdj"] = 500
    assert _run_ok(rt, b).stdout.strip() == "500"


# --- file descriptors -------------------------------------------------------

FD_LIST = "for f in /proc/self/fd/*; do echo \"${f##*/} $(readlink $f)\"; done"


def _fd3_marker(tmp_path, content="fd3-content\n"):
    """The file the tests open on the runtime's fd 3."""
    marker = tmp_path / "fd3-marker-file"
    marker.write_text(content)
    return str(marker)


def _run_with_fd3(rt, b, tmp_path, *extra, env=""):
    """Invoke the runtime with an extra open file on fd 3 (and env, shell assignments, set for it)."""
    return rt.run_via_shell(b, 'exec 3<"$0"; %s exec "$@"' % env, _fd3_marker(tmp_path), extra=extra)


def test_caller_extra_fd_not_leaked(rt, bundle, tmp_path):
    # a glob keeps the shell itself from opening a directory fd
    b = bundle().sh(FD_LIST)
    p = _run_with_fd3(rt, b, tmp_path)
    assert p.returncode == 0, p.stderr
    fds = dict(l.split(" ", 1) for l in p.stdout.splitlines() if l.strip())
    assert "fd3-marker-file" not in p.stdout, p.stdout
    assert set(fds) <= {"0", "1", "2", "3"}, fds


def test_preserve_fds_passes_fd3(rt, bundle, tmp_path):
    b = bundle().sh("cat <&3; " + FD_LIST)
    p = _run_with_fd3(rt, b, tmp_path, "--preserve-fds", "1")
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[0] == "fd3-content"
    assert "fd3-marker-file" in p.stdout


@swiftrun_only_because("passes the fds but does not set LISTEN_FDS itself")
def test_preserve_fds_sets_listen_fds(rt, bundle, tmp_path):
    b = bundle().sh("echo LISTEN_FDS=$LISTEN_FDS")
    p = _run_with_fd3(rt, b, tmp_path, "--preserve-fds", "1")
    assert p.returncode == 0, p.stderr
    assert "LISTEN_FDS=1" in p.stdout


def test_socket_activation_fds_pass_into_the_container(rt, bundle, tmp_path):
    """A runtime started by systemd socket activation (LISTEN_FDS=1, LISTEN_PID = its pid) hands fd 3
    to the container, which gets LISTEN_FDS=1 and LISTEN_PID = its own pid (as runc)."""
    b = bundle().sh("cat <&3; echo LISTEN_FDS=$LISTEN_FDS LISTEN_PID=$LISTEN_PID; echo self=$$")
    # The shell execs the runtime, so LISTEN_PID=$$ names the runtime's pid.
    p = _run_with_fd3(rt, b, tmp_path, env="LISTEN_FDS=1 LISTEN_PID=$$")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0] == "fd3-content", p.stdout
    assert lines[1] == "LISTEN_FDS=1 LISTEN_PID=%s" % lines[2].split("=")[1], p.stdout


def test_listen_fds_for_another_process_are_not_passed(rt, bundle, tmp_path):
    """LISTEN_PID naming some other process: the fds are not the runtime's to hand over."""
    b = bundle().sh("echo LISTEN_FDS=$LISTEN_FDS; " + FD_LIST)
    p = _run_with_fd3(rt, b, tmp_path, env="LISTEN_FDS=1 LISTEN_PID=1")
    assert p.returncode == 0, p.stderr
    assert "fd3-marker-file" not in p.stdout and "LISTEN_FDS=\n" in p.stdout + "\n", p.stdout


def test_stdio_pipes_belong_to_the_process_user(rt, bundle):
    # A non-root program that reopens its stdio (/dev/stdout, /proc/self/fd/N) needs to own the
    # pipes; /dev/null is never chowned.
    b = bundle().sh("echo out > /dev/stdout && echo err > /proc/self/fd/2 && cat /dev/stdin")
    b.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    b.save()
    cid = new_id()
    p = rt.popen("run", "--bundle", b.path, cid, stdin=subprocess.PIPE)
    out, err = p.communicate("in\n", timeout=20)
    assert p.returncode == 0, err
    assert out == "out\nin\n"
    assert "err" in err
    null = os.stat("/dev/null")
    b.sh("ls -ln /proc/self/fd/0 >/dev/null")
    assert rt.run(b, new_id()).returncode == 0
    assert (os.stat("/dev/null").st_uid, os.stat("/dev/null").st_gid) == (null.st_uid, null.st_gid)
    # exec: the same for the pipes it is given.
    b.args("sleep", "300")
    cid = new_id()
    rt.run(b, cid, "--detach")
    p = rt.popen("exec", "--user", "1000:1000", cid, "sh", "-c", "echo out > /dev/stdout")
    out, err = p.communicate(timeout=20)
    assert (p.returncode, out) == (0, "out\n"), err


def test_env_empty_home_and_duplicates(rt, bundle):
    b = bundle().args("env")
    b.config["process"]["env"] += ["HOME=", "DUP=first", "OTHER=x", "DUP=last"]
    p = rt.run(b, new_id())
    assert p.returncode == 0, p.stderr
    env = p.stdout.splitlines()
    assert [e for e in env if e.startswith("HOME=")] == ["HOME=/root"], env
    assert [e for e in env if e.startswith("DUP=")] == ["DUP=last"], env
    assert "OTHER=x" in env


def test_exec_permission_check_honours_cap_dac_override(rt, bundle):
    """A program only its owner (root) may execute, run by uid 1000 holding CAP_DAC_OVERRIDE:
    execve allows it (one x bit set), so the runtime's pre-check must too (runc alike)."""
    b = bundle()
    opt = os.path.join(b.rootfs, "opt")
    os.makedirs(opt, exist_ok=True)
    shutil.copy(os.path.join(b.rootfs, "bin", "busybox"), os.path.join(opt, "echo"))
    os.chown(os.path.join(opt, "echo"), 0, 0)
    os.chmod(os.path.join(opt, "echo"), 0o700)
    b.args("/opt/echo", "dac-ok")
    b.process["user"] = {"uid": 1000, "gid": 1000}
    b.process["capabilities"] = {k: ["CAP_DAC_OVERRIDE"] for k in ("bounding", "effective", "permitted")}
    p = rt.run(b, new_id())
    assert p.returncode == 0, p.stderr
    assert p.stdout == "dac-ok\n"
    # Without the capability it is refused with runc's wording.
    b.process["capabilities"] = {k: [] for k in ("bounding", "effective", "permitted")}
    p = rt.run(b, new_id())
    assert p.returncode != 0 and "permission denied" in p.stderr, p.stderr


def test_oom_score_adj_back_down_to_the_kernels_minimum(rt, bundle):
    """A runtime started at oom_score_adj 1 (containerd's shim runs at containerd's + 1) asked for 0
    (the CRI plugin's restrict_oom_score_adj): the kernel allows it without CAP_SYS_RESOURCE (down
    to oom_score_adj_min), so the runtime must not refuse it itself (runc alike)."""
    b = bundle().args("cat", "/proc/self/oom_score_adj")
    b.process["oomScoreAdj"] = 0
    p = rt.run_via_shell(b, 'echo 1 > /proc/self/oom_score_adj && exec "$@"')
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "0"
