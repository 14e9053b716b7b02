"""linux.seccomp: rules, a deny-by-default profile, argument filters, notify listeners."""

import array
import json
import os
import socket
import struct
import threading

import pytest

from helpers import REPO, IS_RUNC, new_id, swiftrun_only_because

DOCKER_LIKE = os.path.join(REPO, "Tests", "SeccompTests", "Fixtures", "docker-like-default.json")


def _with_seccomp(bundle, sc, script, nnp=True):
    b = bundle().sh(script)
    b.config["linux"]["seccomp"] = sc
    b.config["process"]["noNewPrivileges"] = nnp
    return b


@pytest.mark.parametrize("nnp", [True, False])
def test_errno_rule(rt, bundle, nnp):
    sc = {"defaultAction": "SCMP_ACT_ALLOW",
          "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}
    b = _with_seccomp(bundle, sc, "mkdir /tmp/x 2>&1; echo rc=$?", nnp=nnp)
    out = rt.run(b, new_id()).stdout
    assert "rc=1" in out and "not implemented" in out.lower(), out


def test_deny_by_default_profile_runs_a_container(rt, bundle):
    with open(DOCKER_LIKE) as f:
        sc = json.load(f)
    assert sc["defaultAction"] != "SCMP_ACT_ALLOW"
    b = _with_seccomp(bundle, sc, "echo hello; ls / >/dev/null && echo ls-ok; "
                                  "unshare -n true 2>/dev/null && echo unshare-allowed || echo unshare-denied")
    out = rt.run(b, new_id()).stdout.split()
    assert out == ["hello", "ls-ok", "unshare-denied"], out


def test_deny_by_default_with_exec(rt, bundle):
    with open(DOCKER_LIKE) as f:
        sc = json.load(f)
    b = bundle().args("sleep", "100")
    b.config["linux"]["seccomp"] = sc
    cid = new_id()
    rt.run(b, cid, "--detach")
    p = rt("exec", cid, "sh", "-c", "echo in-exec; unshare -n true 2>/dev/null || echo denied")
    assert p.stdout.split() == ["in-exec", "denied"]


def test_args_filter(rt, bundle):
    # kill(pid, SIGUSR1) is refused; other signals still work.
    sc = {"defaultAction": "SCMP_ACT_ALLOW",
          "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
                        "args": [{"index": 1, "value": 10, "op": "SCMP_CMP_EQ"}]}]}
    b = _with_seccomp(bundle, sc, "trap '' USR1; kill -USR1 $$ 2>/dev/null; echo usr1=$?; "
                                  "kill -0 $$; echo zero=$?")
    assert rt.run(b, new_id()).stdout.split() == ["usr1=1", "zero=0"]


def test_unknown_syscall_names_are_skipped(rt, bundle):
    sc = {"defaultAction": "SCMP_ACT_ALLOW",
          "syscalls": [{"names": ["no_such_syscall_xyz"], "action": "SCMP_ACT_ERRNO"}]}
    b = _with_seccomp(bundle, sc, "echo fine")
    assert rt.run(b, new_id()).stdout.strip() == "fine"


def test_bad_action_names_the_field(rt, bundle):
    sc = {"defaultAction": "SCMP_ACT_ALLOW",
          "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_BOGUS"}]}
    b = _with_seccomp(bundle, sc, "true")
    cid = new_id()
    p = rt.create(b, cid, check=False)
    assert p.returncode != 0
    assert "SCMP_ACT_BOGUS" in p.stderr
    if not IS_RUNC:  # runc names the value only
        assert "linux.seccomp.syscalls[0].action" in p.stderr
    assert not rt.exists(cid)


SECCOMP_IOCTL_NOTIF_RECV = 0xC0502100
SECCOMP_IOCTL_NOTIF_SEND = 0xC0182101


class Listener(threading.Thread):
    """A seccomp agent: takes the container state and fd, answers one notification with ENOSYS."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(1)
        self.sock.settimeout(20)
        self.state = None
        self.syscall_nr = None
        self.error = None

    def run(self):
        try:
            conn, _ = self.sock.accept()
            fds = array.array("i")
            data = b""
            with conn:
                msg, anc, _, _ = conn.recvmsg(65536, socket.CMSG_LEN(4))
                data += msg
                for level, kind, d in anc:
                    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                        fds.frombytes(d[:4])
                while True:
                    more = conn.recv(65536)
                    if not more:
                        break
                    data += more
            self.state = json.loads(data)
            fd = fds[0]
            import fcntl
            buf = bytearray(80)
            fcntl.ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, buf)
            notif_id, pid, flags, nr = struct.unpack_from("QIIi", buf)
            self.syscall_nr = nr
            resp = struct.pack("QqiI", notif_id, 0, -38, 0)
            fcntl.ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, bytearray(resp))
            os.close(fd)
        except Exception as e:  # reported by the test
            self.error = e


@swiftrun_only_because("(1.1.5) is tested here only for the listener protocol shape swiftrun sends")
def test_notify_listener_receives_fd_and_state(rt, bundle, tmp_path):
    path = str(tmp_path / "agent.sock")
    agent = Listener(path)
    agent.start()
    sc = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": path, "listenerMetadata": "meta-1",
          "syscalls": [{"names": ["mkdirat", "mkdir"], "action": "SCMP_ACT_NOTIFY"}]}
    b = _with_seccomp(bundle, sc, "mkdir /tmp/viaagent 2>&1; echo rc=$?")
    cid = new_id()
    out = rt.run(b, cid).stdout
    agent.join(10)
    assert agent.error is None, agent.error
    assert "rc=1" in out and "not implemented" in out.lower(), out
    st = agent.state
    assert st["fds"] == ["seccompFd"]
    assert st["metadata"] == "meta-1"
    assert st["state"]["id"] == cid
    assert st["pid"] > 0 and "ociVersion" in st


SYSCALL_PROBE = r"""
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        long nr = atol(argv[i]);
        errno = 0;
        long r = syscall(nr, -1L, 0L, 0L, 0L, 0L, 0L);
        printf("%ld:%d\n", nr, r < 0 ? errno : 0);
    }
    return 0;
}
"""


@pytest.fixture
def syscall_probe(tmp_path):
    """A static program that makes raw syscalls by number and prints the errno of each."""
    import shutil
    import subprocess
    if not shutil.which("gcc"):
        pytest.skip("gcc is not installed (make deps installs it)")
    src = tmp_path / "probe.c"
    src.write_text(SYSCALL_PROBE)
    out = str(tmp_path / "probe")
    subprocess.run(["gcc", "-O1", "-static", "-o", out, str(src)], check=True, capture_output=True)
    return out


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="the stub covers the native x86_64 ABI")
def test_enosys_for_syscalls_newer_than_the_profile(rt, bundle, syscall_probe):
    """runc's stub: under a deny-by-default profile, a syscall numbered above every syscall the
    profile names gets ENOSYS (so libc falls back to an older call), while an older syscall the
    profile does not allow keeps the default action (EPERM)."""
    import shutil
    with open(DOCKER_LIKE) as f:
        sc = json.load(f)
    b = bundle()
    shutil.copy(syscall_probe, os.path.join(b.rootfs, "bin", "probe"))
    # 1000: no such syscall (above any the profile names); 139 sysfs(2): old, not in the profile.
    b.args("/bin/probe", "1000", "139")
    b.config["linux"]["seccomp"] = sc
    b.config["process"]["noNewPrivileges"] = True
    p = rt.run(b, new_id())
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["1000:38", "139:1"], p.stdout


@pytest.mark.parametrize("nnp", [True, False])
@pytest.mark.parametrize("exe", ["true", "/bin/true"])
def test_profile_refusing_faccessat2_still_finds_the_program(rt, bundle, exe, nnp):
    # A profile written before faccessat2 existed, with EPERM as its answer (the runtime-tools
    # validation suite's default profile is one): glibc's faccessat is faccessat2, and the
    # executable check must then fall back to the old faccessat, as runc (Go) does, instead of
    # reporting "permission denied" for a program that is executable.
    sc = {"defaultAction": "SCMP_ACT_ALLOW",
          "syscalls": [{"names": ["faccessat2"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
    b = bundle()
    b.config["process"]["args"] = [exe]
    b.config["linux"]["seccomp"] = sc
    # Without no_new_privs the filter is loaded early, while the runtime still has CAP_SYS_ADMIN,
    # so the executable check runs under it.
    b.config["process"]["noNewPrivileges"] = nnp
    r = rt.run(b, new_id(), check=False)
    assert r.returncode == 0, r.stderr


@swiftrun_only_because("(1.1.5) is tested here only for the listener protocol shape swiftrun sends")
@pytest.mark.parametrize("nnp", [True, False])
def test_notify_listener_early_and_late_install(rt, bundle, tmp_path, nnp):
    """The filter goes in right before execve (no_new_privs) or early, before the privileges are
    dropped: either way the agent gets the fd and its connection's EOF (the init's copy of the
    socket is closed once the filter is in, or by execve) and answers the notification."""
    path = str(tmp_path / "agent.sock")
    agent = Listener(path)
    agent.start()
    sc = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": path,
          "syscalls": [{"names": ["mkdirat", "mkdir"], "action": "SCMP_ACT_NOTIFY"}]}
    b = _with_seccomp(bundle, sc, "mkdir /tmp/viaagent 2>&1; echo rc=$?", nnp=nnp)
    if not nnp:  # without CAP_SYS_ADMIN the filter must go in before the capabilities are dropped
        for k in ("bounding", "effective", "permitted"):
            b.config["process"]["capabilities"][k] = [c for c in b.config["process"]["capabilities"][k]
                                                      if c != "CAP_SYS_ADMIN"]
    out = rt.run(b, new_id()).stdout
    agent.join(10)
    assert agent.error is None, agent.error
    assert "rc=1" in out and "not implemented" in out.lower(), out


@swiftrun_only_because("(1.1.5) is tested here only for the listener protocol shape swiftrun sends")
def test_notify_listener_with_exec(rt, bundle, tmp_path):
    """exec's child hands the fd to the agent the same way (its own connection to listenerPath)."""
    path = str(tmp_path / "agent.sock")
    sc = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": path,
          "syscalls": [{"names": ["mkdirat", "mkdir"], "action": "SCMP_ACT_NOTIFY"}]}
    first = Listener(path)  # the container's own process
    first.start()
    b = _with_seccomp(bundle, sc, "sleep 100")
    cid = new_id()
    rt.run(b, cid, "--detach")
    first.join(10)
    assert first.error is None, first.error
    os.unlink(path)
    agent = Listener(path)
    agent.start()
    p = rt("exec", "--detach", cid, "sh", "-c", "mkdir /tmp/viaagent 2>/tmp/err; echo rc=$? >/tmp/rc")
    assert p.returncode == 0, p.stderr
    agent.join(10)
    assert agent.error is None, agent.error
    assert agent.state["state"]["id"] == cid
