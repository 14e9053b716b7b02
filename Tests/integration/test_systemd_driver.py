"""--systemd-cgroup on a host where it cannot work (this one: systemd is not PID 1, cgroups are
hybrid): create fails naming the reason and leaves nothing; features says systemd false. The
driver itself is tested on a real systemd host by `make vm-systemd-test` (Tests/vm-systemd)."""

import json
import os
import time

import pytest

from helpers import BINARY, IS_RUNC, new_id

pytestmark = pytest.mark.skipif(IS_RUNC, reason="swiftrun's own error wording")

SYSTEMD_RUNNING = os.path.isdir("/run/systemd/system")


def test_features_lists_systemd_only_when_it_works(rt):
    feat = json.loads(rt("features").stdout)
    unified = os.path.exists("/sys/fs/cgroup/cgroup.controllers")
    assert feat["linux"]["cgroup"]["systemd"] is (SYSTEMD_RUNNING and unified)
    assert feat["linux"]["cgroup"]["systemdUser"] is (SYSTEMD_RUNNING and unified)


@pytest.mark.skipif(SYSTEMD_RUNNING, reason="systemd runs here: the refusal is for hosts without it")
@pytest.mark.parametrize("verb", ["create", "run"])
def test_create_without_systemd_fails_cleanly(rt, bundle, verb):
    b = bundle().args("true")
    b.save()
    cid = new_id()
    rt.ids.add(cid)
    args = ["--systemd-cgroup", verb, "--bundle", b.path, cid]
    p = rt(*args, check=False)
    assert p.returncode != 0
    assert "--systemd-cgroup: systemd is not running on this host" in p.stderr, p.stderr
    assert not rt.exists(cid)
    assert not os.path.exists("/sys/fs/cgroup/unified/system.slice/swiftrun-%s.scope" % cid)


def test_other_verbs_accept_the_flag(rt, bundle):
    """Later verbs read the driver from the container's state; the flag is accepted anywhere."""
    b = bundle().args("sleep", "30")
    b.save()
    cid = new_id()
    rt.create(b, cid)
    assert json.loads(rt("--systemd-cgroup", "state", cid).stdout)["status"] == "created"
    rt("--systemd-cgroup", "delete", "--force", cid)
    assert not rt.exists(cid)


def _notify_helper(tmp_path, rootfs_dir):
    """Tests/helpers/sd_notify_send.c, built static into the bundle's rootfs."""
    from helpers import REPO
    import subprocess
    out = os.path.join(rootfs_dir, "bin", "sd_notify_send")
    subprocess.run(["gcc", "-static", "-O2", "-o", out, os.path.join(REPO, "Tests", "helpers", "sd_notify_send.c")],
                   check=True, capture_output=True)
    return out


@pytest.mark.parametrize("verb", ["start", "run-detach"])
def test_notify_socket_relays_ready(rt, bundle, tmp_path, verb):
    """NOTIFY_SOCKET as runc relays it (no systemd needed): the container gets its own socket at
    /run/notify/notify.sock (named by its NOTIFY_SOCKET), STATUS= is dropped, READY=1 reaches the
    caller's socket followed by MAINPID (the init) and a BARRIER=1 that waits for the caller."""
    import socket
    import subprocess
    b = bundle()
    _notify_helper(tmp_path, os.path.join(b.path, "rootfs"))
    b.sh('echo "env=$NOTIFY_SOCKET"; [ -S "$NOTIFY_SOCKET" ] && echo is-socket; sleep 0.5; '
         'sd_notify_send STATUS=starting; sd_notify_send READY=1; echo sent; sleep 30')
    b.save()
    caller = str(tmp_path / "caller.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    srv.bind(caller)
    srv.settimeout(20)
    env = dict(os.environ, NOTIFY_SOCKET=caller)
    cid = new_id()
    rt.ids.add(cid)
    log = open(tmp_path / "ctr.log", "w")
    if verb == "start":
        c = subprocess.run(rt.cmd("create", "--bundle", b.path, cid), env=env, stdin=subprocess.DEVNULL,
                           stdout=log, stderr=log, timeout=30)
        assert c.returncode == 0, open(tmp_path / "ctr.log").read()
        assert os.path.isdir(os.path.join(rt.root, cid, "notify"))
        p = subprocess.Popen(rt.cmd("start", cid), env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    else:
        # The detached container keeps the runtime's stdio: files, not pipes.
        p = subprocess.Popen(rt.cmd("run", "--detach", "--bundle", b.path, cid), env=env,
                             stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    msgs = [srv.recv(4096) for _ in range(3)]
    pid = rt.state(cid)["pid"]
    assert msgs == [b"READY=1\n", b"MAINPID=%d\n" % pid, b"BARRIER=1"], msgs
    # recv without ancillary space closed the barrier's pipe: the runtime is done.
    assert p.wait(timeout=15) == 0, open(tmp_path / "ctr.log").read()
    # The container's "sent" follows its READY=1 and may land after the runtime returned.
    for _ in range(100):
        out = open(tmp_path / "ctr.log").read()
        if "sent" in out:
            break
        time.sleep(0.1)
    assert "env=/run/notify/notify.sock" in out and "is-socket" in out and "sent" in out, out
    assert rt.status(cid) == "running"
    srv.close()
    rt("delete", "--force", cid)
    assert not rt.exists(cid)


def test_without_notify_socket_nothing_is_added(rt, bundle):
    b = bundle().sh('echo "env=${NOTIFY_SOCKET:-none}"; [ -e /run/notify ] && echo has-notify || echo no-notify')
    b.save()
    cid = new_id()
    env = {k: v for k, v in os.environ.items() if k != "NOTIFY_SOCKET"}
    p = rt("run", "--bundle", b.path, cid, env=env)
    assert "env=none" in p.stdout and "no-notify" in p.stdout, p.stdout
