"""Joining a user namespace by path (Kubernetes pods with user namespaces do this: every container
of the pod joins the sandbox's user namespace, and usually its network namespace, and gets new
pid, mount, ipc and uts namespaces of its own).

The namespaces a container creates must belong to the joined user namespace, so that its root can
mount /proc, set its hostname and so on; a namespace joined by path that belongs to another user
namespace (the host's, say) must still be joinable (runc joins it before the user namespace)."""

import fcntl
import os
import signal
import subprocess
import time

from helpers import (all_pids, enable_userns, mounts_mentioning, new_id, pid_alive, suspicious_processes,
                     swiftrun_only_because, wait_for)

NS_GET_USERNS = 0xB701  # <linux/nsfs.h>: _IO(0xb7, 0x1)


def _ns(kind, pid="self"):
    return os.readlink("/proc/%s/ns/%s" % (pid, kind))


def _owner(path):
    """The user namespace that owns the namespace at path ("user:[inode]")."""
    fd = os.open(path, os.O_RDONLY)
    try:
        ufd = fcntl.ioctl(fd, NS_GET_USERNS)
        try:
            return os.readlink("/proc/self/fd/%d" % ufd)
        finally:
            os.close(ufd)
    finally:
        os.close(fd)


def _read(path):
    with open(path) as f:
        return f.read()


def _sandbox(rt, bundle, host_id=200000):
    """A running container with its own user namespace (container 0 = host host_id) and its own
    network namespace: the pod sandbox. Returns its pid."""
    a = bundle().args("sleep", "1000")
    enable_userns(a, host_id=host_id)
    ca = new_id("sandbox")
    rt.create(a, ca)
    rt("start", ca)
    return rt.state(ca)["pid"]


def _joining(bundle, sandbox_pid, script):
    """A bundle joining the sandbox's user namespace by path, with new pid, mount, ipc, uts and
    network namespaces. Like containerd's CRI plugin, it names the namespace's mappings too."""
    b = bundle().sh(script)
    enable_userns(b, host_id=200000)
    b.add_ns("user", path="/proc/%d/ns/user" % sandbox_pid)
    return b


def _run_ok(rt, b):
    p = rt.run(b, new_id())
    assert p.returncode == 0, "rc=%d stderr=%s" % (p.returncode, p.stderr)
    return p.stdout


def test_join_userns_with_new_pid_and_mount_namespaces(rt, bundle):
    """The new pid namespace belongs to the joined user namespace, so /proc can be mounted: the
    container's shell is pid 1 and /proc lists only the container's processes."""
    sandbox = _sandbox(rt, bundle)
    b = _joining(bundle, sandbox, "echo $$; readlink /proc/self/ns/user; readlink /proc/self/ns/pid; "
                                  "cat /proc/self/uid_map; grep -c ' /proc proc ' /proc/mounts; "
                                  "ls /proc | grep '^[0-9]' | sort -n | head -1; id -u")
    out = _run_ok(rt, b).splitlines()
    assert out[0] == "1", out
    assert out[1] == _ns("user", sandbox)
    assert out[2] not in (_ns("pid"), _ns("pid", sandbox))
    # The joined namespace's map, not one of the bundle's (none is written to a joined namespace).
    assert out[3].split() == _read("/proc/%d/uid_map" % sandbox).split() == ["0", "200000", "65536"]
    assert out[4] == "1"
    assert out[5] == "1"
    assert out[6] == "0"


def test_join_userns_new_namespaces_belong_to_it(rt, bundle):
    """Every namespace the container creates is owned by the joined user namespace (as with runc),
    never by the host's; exec into it lands in all of them."""
    sandbox = _sandbox(rt, bundle)
    b = _joining(bundle, sandbox, "sleep 1000")
    b.config["hostname"] = "pod-member"
    cid = new_id()
    rt.create(b, cid)
    rt("start", cid)
    pid = rt.state(cid)["pid"]
    userns = _ns("user", sandbox)
    assert _ns("user", pid) == userns
    for kind in ("pid", "mnt", "net", "ipc", "uts"):
        assert _ns(kind, pid) != _ns(kind, sandbox), kind
        assert _owner("/proc/%d/ns/%s" % (pid, kind)) == userns, kind
    assert _read("/proc/%d/uid_map" % pid) == _read("/proc/%d/uid_map" % sandbox)

    # exec: the same namespaces, and the container's sleep is pid 1.
    p = rt("exec", cid, "sh", "-c", "for n in user pid net; do readlink /proc/self/ns/$n; done; "
                                    "hostname; cat /proc/1/comm; id -u")
    assert p.stdout.split() == [userns, _ns("pid", pid), _ns("net", pid), "pod-member", "sleep", "0"]


def test_join_userns_and_its_netns_by_path(rt, bundle):
    """Kubernetes' pod: the sandbox's user and network namespaces joined by path, with new pid and
    mount namespaces: lo of the sandbox's network namespace is there."""
    sandbox = _sandbox(rt, bundle)
    b = _joining(bundle, sandbox, "readlink /proc/self/ns/net; echo $$; "
                                  "grep -c '^ *lo:' /proc/net/dev; cat /sys/class/net/lo/operstate")
    b.add_ns("network", path="/proc/%d/ns/net" % sandbox)
    out = _run_ok(rt, b).split()
    assert out[0] == _ns("net", sandbox)
    assert out[1] == "1"
    assert out[2] == "1"
    assert out[3] in ("unknown", "up")  # lo is up (the sandbox's runtime brought it up)


@swiftrun_only_because("joins the user namespace first and then may not join a network namespace the "
                       "host's user namespace owns (EPERM); runc 1.2 first joins the others, as swiftrun does")
def test_join_userns_with_a_netns_it_does_not_own(rt, bundle):
    """A network namespace owned by the host's user namespace (another container's, made without
    a user namespace) joined together with the sandbox's user namespace: joined before the user
    namespace, while the runtime still has the host's capabilities (as runc does)."""
    sandbox = _sandbox(rt, bundle)
    other = bundle().args("sleep", "1000")
    co = new_id("netholder")
    rt.create(other, co)
    netpid = rt.state(co)["pid"]
    assert _owner("/proc/%d/ns/net" % netpid) == _ns("user")
    b = _joining(bundle, sandbox, "readlink /proc/self/ns/net; readlink /proc/self/ns/user; echo $$; "
                                  "grep -c '^ *lo:' /proc/net/dev")
    b.add_ns("network", path="/proc/%d/ns/net" % netpid)
    out = _run_ok(rt, b).split()
    assert out == [_ns("net", netpid), _ns("user", sandbox), "1", "1"]


def test_join_userns_with_a_new_netns(rt, bundle):
    """The user namespace joined by path and a new network namespace: the new one is the
    container's own (not the sandbox's, not the host's), with lo up."""
    sandbox = _sandbox(rt, bundle)
    b = _joining(bundle, sandbox, "readlink /proc/self/ns/net; cat /sys/class/net/lo/operstate; "
                                  "ls /sys/class/net")
    out = _run_ok(rt, b).split()
    assert out[0] not in (_ns("net"), _ns("net", sandbox))
    assert out[1] in ("unknown", "up")
    assert out[2:] == ["lo"]


def test_join_userns_and_pid_namespace_by_path(rt, bundle):
    """Both the user and the pid namespace of the sandbox joined by path (a pod sharing its pid
    namespace), with a new mount namespace: the sandbox's sleep is pid 1 here."""
    sandbox = _sandbox(rt, bundle)
    b = _joining(bundle, sandbox, "readlink /proc/self/ns/pid; cat /proc/1/comm")
    b.add_ns("pid", path="/proc/%d/ns/pid" % sandbox)
    out = _run_ok(rt, b).split()
    assert out == [_ns("pid", sandbox), "sleep"]


def test_join_userns_with_a_new_time_namespace(rt, bundle):
    """A new time namespace with offsets, with the user namespace joined by path: it belongs to
    the joined user namespace too, and the offsets apply."""
    sandbox = _sandbox(rt, bundle)
    offset = 100000
    b = _joining(bundle, sandbox, "cat /proc/uptime; sleep 1000")
    b.add_ns("time")
    b.config["linux"]["timeOffsets"] = {"boottime": {"secs": offset, "nanosecs": 0},
                                        "monotonic": {"secs": offset, "nanosecs": 0}}
    cid = new_id()
    rt.create(b, cid)
    pid = rt.state(cid)["pid"]
    assert _ns("time", pid) not in (_ns("time"), _ns("time", sandbox))
    assert _owner("/proc/%d/ns/time" % pid) == _ns("user", sandbox)
    with open("/proc/uptime") as f:
        host = float(f.read().split()[0])
    inside = float(rt("exec", cid, "cat", "/proc/uptime").stdout.split()[0])
    assert host + offset - 1 <= inside <= host + offset + 5


@swiftrun_only_because("says only 'failed to setns into user namespace: Invalid argument'")
def test_join_userns_path_that_is_not_a_user_namespace(rt, bundle):
    """A `user` path naming another kind of namespace: a clear error naming the field and the path,
    a non-zero exit, and nothing left behind."""
    sandbox = _sandbox(rt, bundle)
    b = _joining(bundle, sandbox, "true")
    path = "/proc/%d/ns/net" % sandbox
    b.add_ns("user", path=path)
    cid = new_id()
    before = all_pids()
    p = rt.create(b, cid, check=False)
    assert p.returncode != 0
    assert "linux.namespaces" in p.stderr and path in p.stderr, p.stderr
    assert "not a user namespace" in p.stderr, p.stderr
    assert not rt.exists(cid)
    time.sleep(0.1)
    assert suspicious_processes(before, [cid, b.path]) == []
    assert mounts_mentioning(b.path) == []


def test_join_userns_create_killed_leaves_nothing(rt, bundle, tmp_path):
    """`create` SIGKILLed while a createRuntime hook runs (the init, cloned by the joining child,
    waits in the joined user namespace): the init dies with it (it is the runtime's child), and
    `delete --force` leaves no state, process or mount."""
    sandbox = _sandbox(rt, bundle)
    b = _joining(bundle, sandbox, "true")
    d = tmp_path / "hook"
    d.mkdir()
    b.config["hooks"] = {"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", "touch %s/ran; sleep 1000" % d],
                                            "env": ["PATH=/usr/bin:/bin"]}]}
    cid = new_id()
    before = all_pids()
    b.save()
    p = rt.popen("create", "--bundle", b.path, cid, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: (d / "ran").exists(), timeout=20), "the hook never ran"
        init = rt.state(cid)["pid"]
        assert pid_alive(init)
    finally:
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=10)
    assert wait_for(lambda: not pid_alive(init), timeout=5), "init %d outlived create" % init
    rt("delete", "--force", cid)
    assert not rt.exists(cid)
    time.sleep(0.1)
    assert suspicious_processes(before, [cid, b.path, str(d)]) == []
    assert mounts_mentioning(b.path) == []
