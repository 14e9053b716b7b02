"""process.landlock: Landlock confinement of the container process (Docs/LANDLOCK.md).

Needs a kernel with Landlock ABI >= 6 for every test here (the ABI 7 machine this suite runs on
has all of it); older kernels are covered by the VM check `landlock_best_effort`. Network tests
stay inside the container's own network namespace, on loopback.
"""

import json
import os
import subprocess
import time

import pytest

from helpers import BINARY, IS_RUNC, enable_userns, new_id, pid_alive, swiftrun_only_because

pytestmark = swiftrun_only_because("has no Landlock support")

ALL_FS = ["execute", "write_file", "read_file", "read_dir", "remove_dir", "remove_file", "make_char",
          "make_dir", "make_reg", "make_sock", "make_fifo", "make_block", "make_sym", "refer", "truncate",
          "ioctl_dev"]
READ = ["execute", "read_file", "read_dir"]
WRITE = ["write_file", "remove_dir", "remove_file", "make_dir", "make_reg", "make_sym", "make_fifo",
         "make_sock", "refer", "truncate"]


def _kernel_abi():
    if IS_RUNC:
        return 0
    p = subprocess.run([BINARY, "features"], capture_output=True, text=True)
    if p.returncode != 0:
        return 0
    return int(json.loads(p.stdout).get("annotations", {}).get("org.swiftrun.landlock.kernelABI", "0"))


KERNEL_ABI = _kernel_abi()
needs_abi = pytest.mark.skipif(KERNEL_ABI < 6, reason="needs Landlock ABI >= 6 (kernel has %d)" % KERNEL_ABI)


def write_only_tmp(handled=ALL_FS):
    """Read and execute everything, write under /tmp and to /dev's device files only."""
    return {
        "ruleset": {"handledAccessFS": list(handled)},
        "rules": {"pathBeneath": [
            {"allowedAccess": [a for a in READ if a in handled], "paths": ["/"]},
            {"allowedAccess": [a for a in ["write_file", "ioctl_dev"] if a in handled], "paths": ["/dev"]},
            {"allowedAccess": [a for a in WRITE if a in handled], "paths": ["/tmp"]},
        ]},
    }


def _ll(bundle, landlock, script=None):
    b = bundle()
    if script is not None:
        b.sh(script)
    b.config["process"]["landlock"] = landlock
    return b


def _messages(stderr):
    """The runtime's log lines (`time=... level=... msg="..."`) with each msg unquoted."""
    out = []
    for line in stderr.splitlines():
        i = line.find(" msg=")
        out.append(json.loads(line[i + 5:]) if i >= 0 and line[i + 5:].startswith('"') else line)
    return "\n".join(out)


def _run(rt, b):
    p = rt.run(b, new_id())
    assert "best effort" not in _messages(p.stderr), p.stderr
    return p


@needs_abi
def test_write_only_under_tmp(rt, bundle):
    b = _ll(bundle, write_only_tmp(),
            "touch /etc/denied 2>&1; echo etc=$?; touch /tmp/allowed && echo tmp=ok; "
            "cat /etc/passwd >/dev/null && echo read=ok; rm -f /etc/hostname 2>&1; echo rm=$?")
    p = _run(rt, b)
    out = p.stdout
    assert "touch: /etc/denied: Permission denied" in out and "etc=1" in out, out
    assert "tmp=ok" in out and "read=ok" in out, out
    assert "rm: can't remove '/etc/hostname': Permission denied" in out and "rm=1" in out, out
    assert p.returncode == 0, p.stderr
    assert not os.path.exists(os.path.join(b.rootfs, "etc", "denied"))
    assert os.path.exists(os.path.join(b.rootfs, "tmp", "allowed"))
    assert os.path.exists(os.path.join(b.rootfs, "etc", "hostname"))


@needs_abi
def test_in_a_user_namespace(rt, bundle):
    # Landlock needs no privilege: the same confinement for a container root mapped to an
    # unprivileged host uid.
    b = _ll(bundle, write_only_tmp(), "touch /etc/denied 2>&1; echo etc=$?; touch /tmp/allowed && echo tmp=ok")
    enable_userns(b)
    subprocess.run(["chown", "-R", "100000:100000", b.rootfs], check=True)
    out = _run(rt, b).stdout
    assert "Permission denied" in out and "etc=1" in out and "tmp=ok" in out, out


@needs_abi
def test_execute_only_under_bin(rt, bundle):
    # Every applet is a hard link to /bin/busybox: Landlock goes by path, so the same inode
    # reached through /usr/bin, or a copy in /tmp, does not run.
    ll = {"ruleset": {"handledAccessFS": ["execute"]},
          "rules": {"pathBeneath": [{"allowedAccess": ["execute"], "paths": ["/bin"]}]}}
    b = _ll(bundle, ll, "mkdir /tmp/x && cp /bin/busybox /tmp/x/sh && /tmp/x/sh -c 'echo copy-ran' 2>&1; "
                        "echo copy=$?; /usr/bin/env true 2>&1; echo env=$?; /bin/echo bin-ok")
    out = _run(rt, b).stdout
    assert "copy-ran" not in out and "copy=126" in out and "Permission denied" in out, out
    assert "env=126" in out, out
    assert "bin-ok" in out, out


def _refer_case(rt, bundle, handled, allowed):
    ll = {"ruleset": {"handledAccessFS": handled},
          "rules": {"pathBeneath": [{"allowedAccess": allowed, "paths": ["/tmp"]}]}}
    b = _ll(bundle, ll, "mkdir -p /tmp/a /tmp/b && echo x > /tmp/a/f && ln /tmp/a/f /tmp/a/same && echo same=ok; "
                        "ln /tmp/a/f /tmp/b/f 2>&1; echo cross=$?")
    return _run(rt, b).stdout


@needs_abi
def test_refer(rt, bundle):
    # Linking into another directory reparents the file: denied (EXDEV) unless a rule allows refer
    # on both sides; within one directory, make_reg is enough.
    base = ["make_reg", "make_dir", "remove_file"]
    out = _refer_case(rt, bundle, base + ["refer"], base)
    assert "same=ok" in out and "Invalid cross-device link" in out and "cross=1" in out, out
    out = _refer_case(rt, bundle, base + ["refer"], base + ["refer"])
    assert "same=ok" in out and "cross=0" in out, out
    # refer is always handled: a ruleset that does not name it still denies reparenting.
    out = _refer_case(rt, bundle, base, base)
    assert "same=ok" in out and "Invalid cross-device link" in out, out


@needs_abi
def test_truncate(rt, bundle):
    ll = {"ruleset": {"handledAccessFS": ["write_file", "truncate"]},
          "rules": {"pathBeneath": [{"allowedAccess": ["write_file"], "paths": ["/tmp/n", "/dev"]},
                                    {"allowedAccess": ["write_file", "truncate"], "paths": ["/tmp/t"]}]}}
    b = _ll(bundle, ll, "echo more >> /tmp/n/f && echo append=ok; truncate -s 0 /tmp/n/f 2>&1; echo tn=$?; "
                        "(: > /tmp/n/f) 2>&1; echo otrunc=$?; truncate -s 0 /tmp/t/f && echo tt=ok")
    for d in ("n", "t"):
        os.makedirs(os.path.join(b.rootfs, "tmp", d))
        with open(os.path.join(b.rootfs, "tmp", d, "f"), "w") as f:
            f.write("data\n")
    out = _run(rt, b).stdout
    assert "append=ok" in out, out
    assert "tn=1" in out and "otrunc=1" in out and out.count("Permission denied") >= 2, out
    assert "tt=ok" in out, out
    assert os.path.getsize(os.path.join(b.rootfs, "tmp", "n", "f")) > 0
    assert os.path.getsize(os.path.join(b.rootfs, "tmp", "t", "f")) == 0


@needs_abi
def test_tcp_bind_and_connect(rt, bundle):
    # In the container's own network namespace, on loopback: bind only 8080 and 9090, connect only
    # to 8080. A refused connect is EACCES (Landlock), not ECONNREFUSED (nobody listening).
    ll = {"ruleset": {"handledAccessNet": ["bind_tcp", "connect_tcp"]},
          "rules": {"netPort": [{"allowedAccess": ["bind_tcp"], "ports": [8080, 9090]},
                                {"allowedAccess": ["connect_tcp"], "ports": [8080]}]}}
    script = ("ip link set lo up; "
              "nc -l -p 7070 2>&1; echo bind7070=$?; "
              "nc -l -p 8080 > /tmp/got & nc -l -p 9090 >/dev/null & "
              "for i in $(seq 100); do [ $(netstat -ltn | grep -cE ':(8080|9090) ') = 2 ] && break; sleep 0.1; done; "
              "netstat -ltn | grep -cE ':(8080|9090) '; "
              "echo hello | nc -w 2 127.0.0.1 8080; echo c8080=$?; "
              "echo hello | nc -w 2 127.0.0.1 9090 2>&1; echo c9090=$?; "
              "for i in $(seq 100); do [ -s /tmp/got ] && break; sleep 0.1; done; cat /tmp/got")
    b = _ll(bundle, ll, script)
    caps = b.config["process"]["capabilities"]
    for k in caps:
        caps[k] = caps[k] + ["CAP_NET_ADMIN"]
    assert {"type": "network"} in b.config["linux"]["namespaces"]
    out = _run(rt, b).stdout
    lines = out.splitlines()
    assert "nc: bind: Permission denied" in out and "bind7070=1" in out, out
    assert "2" in lines, out
    assert "c8080=0" in out and lines[-1] == "hello", out
    assert "Permission denied" in out.split("c8080=0")[1] and "c9090=1" in out, out


@needs_abi
def test_scoped_signal(rt, bundle):
    # Without a pid namespace the container sees a host process; with CAP_KILL it could signal
    # it, but not from inside a domain that scopes signals. Inside the domain signals still work.
    victim = subprocess.Popen(["sleep", "60"])
    try:
        def run(scoped):
            b = _ll(bundle, {"ruleset": {"scoped": scoped}},
                    "sleep 30 & kill $! && echo own=ok; kill -TERM %d 2>&1; echo host=$?" % victim.pid)
            b.remove_ns("pid")
            return _run(rt, b).stdout

        out = run(["signal"])
        assert "own=ok" in out and "host=1" in out and "Operation not permitted" in out, out
        time.sleep(0.2)
        assert pid_alive(victim.pid)
        # Control: scoping only abstract unix sockets leaves signals alone.
        out = run(["abstract_unix_socket"])
        assert "own=ok" in out and "host=0" in out, out
        assert victim.wait(timeout=5) == -15
    finally:
        if victim.poll() is None:
            victim.kill()
            victim.wait()


@needs_abi
def test_exec_process_is_its_own_domain(rt, bundle):
    # Each process restricts itself: an exec process is the root of a domain of its own, so with
    # scoped signals it cannot signal the init, while its own children are in its domain.
    b = _ll(bundle, {"ruleset": {"scoped": ["signal"]}})
    b.args("sleep", "300")
    cid = new_id()
    rt.run(b, cid, "--detach")
    p = rt("exec", cid, "sh", "-c", "kill -0 1 2>&1; echo init=$?; sleep 30 & kill $! && echo own=ok")
    assert "Operation not permitted" in p.stdout and "init=1" in p.stdout and "own=ok" in p.stdout, p.stdout
    rt("kill", cid, "KILL")
    rt.wait_status(cid, "stopped")


@needs_abi
def test_exec_gets_the_same_confinement(rt, bundle, tmp_path):
    b = _ll(bundle, write_only_tmp())
    b.args("sleep", "300")
    cid = new_id()
    rt.run(b, cid, "--detach")
    p = rt("exec", cid, "sh", "-c", "touch /etc/x 2>&1; echo etc=$?; touch /tmp/x && echo tmp=ok")
    assert "Permission denied" in p.stdout and "etc=1" in p.stdout and "tmp=ok" in p.stdout, p.stdout
    # A --process file's own landlock: here /etc writable, /tmp not.
    proc = dict(b.config["process"])
    proc["args"] = ["sh", "-c", "touch /tmp/y 2>&1; echo tmp=$?; touch /etc/y && echo etc=ok"]
    proc["landlock"] = {"ruleset": {"handledAccessFS": ["make_reg", "write_file"]},
                        "rules": {"pathBeneath": [{"allowedAccess": ["make_reg", "write_file"], "paths": ["/etc"]}]}}
    f = tmp_path / "process.json"
    f.write_text(json.dumps(proc))
    p = rt("exec", "--process", str(f), cid)
    assert "Permission denied" in p.stdout and "tmp=1" in p.stdout and "etc=ok" in p.stdout, p.stdout
    # ... and validated like config.json, naming the file.
    proc["landlock"]["ruleset"]["handledAccessFS"] = ["make_reg", "writ_file"]
    f.write_text(json.dumps(proc))
    p = rt("exec", "--process", str(f), cid, check=False)
    assert p.returncode != 0
    assert "%s: landlock.ruleset.handledAccessFS[1]: unknown filesystem access right \"writ_file\"" % f \
        in _messages(p.stderr), p.stderr


@needs_abi
def test_paths_resolve_inside_the_rootfs(rt, bundle, tmp_path):
    # A symlink whose target, read on the host, leads out of the rootfs: an absolute one to a host
    # directory, and a relative one climbing above the rootfs. Both resolve inside the container:
    # the first names nothing there and is refused, the second is the container's /tmp.
    hostdir = tmp_path / "host-only"
    hostdir.mkdir()
    b = _ll(bundle, {"ruleset": {"handledAccessFS": ["make_reg", "write_file"]},
                     "rules": {"pathBeneath": [{"allowedAccess": ["make_reg", "write_file"], "paths": ["/dev", "/out"]}]}},
            "touch /tmp/z && echo wrote")
    os.symlink(str(hostdir), os.path.join(b.rootfs, "out"))
    cid = new_id()
    p = rt.run(b, cid)
    assert p.returncode != 0
    assert ("process.landlock.rules.pathBeneath[0].paths[1]: \"/out\" does not exist in the container "
            "(symlinks and \"..\" resolve inside the container's root)") in _messages(p.stderr), p.stderr
    assert os.listdir(str(hostdir)) == []
    assert not rt.exists(cid)

    os.unlink(os.path.join(b.rootfs, "out"))
    os.symlink("../" * 40 + "tmp", os.path.join(b.rootfs, "out"))
    p = rt.run(b, new_id())
    assert p.returncode == 0 and "wrote" in p.stdout, p.stderr
    assert os.path.exists(os.path.join(b.rootfs, "tmp", "z"))


@needs_abi
def test_magic_link_out_of_the_rootfs_is_refused(rt, bundle, tmp_path):
    # Sharing the host's pid namespace, /proc/PID/cwd of a host process is a host directory.
    hostdir = tmp_path / "host-cwd"
    hostdir.mkdir()
    victim = subprocess.Popen(["sleep", "60"], cwd=str(hostdir))
    try:
        path = "/proc/%d/cwd" % victim.pid
        b = _ll(bundle, {"ruleset": {"handledAccessFS": ["make_reg", "write_file"]},
                         "rules": {"pathBeneath": [{"allowedAccess": ["make_reg", "write_file"], "paths": ["/tmp", path]}]}},
                "touch %s/x" % path)
        b.remove_ns("pid")
        p = rt.run(b, new_id())
        assert p.returncode != 0
        assert ("process.landlock.rules.pathBeneath[0].paths[1]: \"%s\" is refused: it goes through "
                "a /proc magic link" % path) in _messages(p.stderr), p.stderr
        assert os.listdir(str(hostdir)) == []
    finally:
        victim.kill()
        victim.wait()


@needs_abi
def test_strict_seccomp_profile_still_starts(rt, bundle):
    # Landlock is enforced before the late seccomp filter: a filter that denies the landlock
    # syscalls cannot stop the container from starting (confined).
    b = _ll(bundle, write_only_tmp(), "touch /etc/x 2>&1; echo etc=$?; touch /tmp/x && echo tmp=ok")
    b.config["linux"]["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self"],
                      "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
    out = _run(rt, b).stdout
    assert "Permission denied" in out and "etc=1" in out and "tmp=ok" in out, out


@needs_abi
def test_disable_best_effort_on_a_kernel_that_has_everything(rt, bundle):
    ll = write_only_tmp()
    ll["ruleset"]["handledAccessNet"] = ["bind_tcp", "connect_tcp"]
    ll["ruleset"]["scoped"] = ["abstract_unix_socket", "signal"]
    ll["disableBestEffort"] = True
    if KERNEL_ABI >= 7:
        ll["restrictSelfFlags"] = ["log_new_exec_on"]
    b = _ll(bundle, ll, "echo started")
    p = _run(rt, b)
    assert p.returncode == 0 and p.stdout == "started\n", p.stderr
    assert p.stderr == "", p.stderr


@pytest.mark.parametrize("change, message", [
    (lambda ll: ll["ruleset"].update(handledAccessFS=["read_file", "wirte_file"]),
     "process.landlock.ruleset.handledAccessFS[1]: unknown filesystem access right \"wirte_file\""),
    (lambda ll: ll["rules"]["pathBeneath"][2].update(paths=[]),
     "process.landlock.rules.pathBeneath[2].paths: must not be empty"),
    (lambda ll: ll["rules"]["pathBeneath"][2].update(paths=["/tmp", ""]),
     "process.landlock.rules.pathBeneath[2].paths[1]: must not be empty"),
    (lambda ll: ll["rules"].update(netPort=[{"allowedAccess": ["bind_tcp"], "ports": [80]}]),
     "process.landlock.rules.netPort[0].allowedAccess[0]: \"bind_tcp\" is not handled by the ruleset"),
    (lambda ll: (ll["ruleset"].update(handledAccessNet=["bind_tcp"]),
                 ll["rules"].update(netPort=[{"allowedAccess": ["bind_tcp"], "ports": [8080, 70000]}])),
     "process.landlock.rules.netPort[0].ports[1]: port 70000 is out of range (0 to 65535)"),
    (lambda ll: ll["ruleset"].update(handledAccessFS=["read_file"]),
     "process.landlock.rules.pathBeneath[0].allowedAccess[0]: \"execute\" is not handled by the ruleset"),
    (lambda ll: ll["ruleset"].update(scoped=["ptrace"]),
     "process.landlock.ruleset.scoped[0]: unknown scope \"ptrace\""),
])
def test_invalid_configs_name_the_json_path(rt, bundle, change, message):
    ll = write_only_tmp()
    change(ll)
    b = _ll(bundle, ll, "true")
    cid = new_id()
    p = rt.run(b, cid)
    assert p.returncode != 0
    assert "config.json: " + message in _messages(p.stderr), p.stderr
    assert not rt.exists(cid)


def test_needs_no_new_privileges(rt, bundle):
    b = _ll(bundle, write_only_tmp(), "true")
    b.config["process"]["noNewPrivileges"] = False
    p = rt.run(b, new_id())
    assert p.returncode != 0
    assert ("config.json: process.landlock: needs process.noNewPrivileges: true (or CAP_SYS_ADMIN in "
            "process.capabilities.effective)") in _messages(p.stderr), p.stderr
    # With CAP_SYS_ADMIN kept, landlock_restrict_self accepts the process without no_new_privs.
    caps = b.config["process"]["capabilities"]
    for k in caps:
        caps[k] = caps[k] + ["CAP_SYS_ADMIN"]
    b.sh("touch /etc/x 2>&1; grep NoNewPrivs /proc/self/status")
    p = rt.run(b, new_id())
    if KERNEL_ABI >= 1:
        assert p.returncode == 0, p.stderr
        assert "Permission denied" in p.stdout and "NoNewPrivs:\t0" in p.stdout, p.stdout


def test_features_report_landlock():
    f = json.loads(subprocess.run([BINARY, "features"], capture_output=True, text=True, check=True).stdout)
    a = f["annotations"]
    assert a["org.swiftrun.landlock.abi"] == "7"
    assert a["org.swiftrun.landlock.enabled"] in ("true", "false")
    assert int(a["org.swiftrun.landlock.kernelABI"]) >= 0
    assert (a["org.swiftrun.landlock.enabled"] == "true") == (int(a["org.swiftrun.landlock.kernelABI"]) > 0)


@needs_abi
def test_spec_landlock_example_runs(rt, bundle, tmp_path):
    d = tmp_path / "spec"
    d.mkdir()
    subprocess.run([BINARY, "spec", "--landlock"], cwd=str(d), check=True)
    with open(str(d / "config.json")) as f:
        example = json.load(f)["process"]["landlock"]
    assert example["ruleset"]["handledAccessFS"] == ALL_FS
    b = _ll(bundle, example, "touch /etc/x 2>&1; touch /tmp/x && echo tmp=ok; nc -l -p 9999 2>&1")
    out = _run(rt, b).stdout
    assert "touch: /etc/x: Permission denied" in out and "tmp=ok" in out, out
    assert "nc: bind: Permission denied" in out, out
