"""CVE-2019-5736 class: a container must never be able to write the runtime's host binary.

Each test copies the runtime under test to a temp dir (the "host binary" the attack targets, so the
real build is never at risk), drives that copy, and checks the copy's bytes afterwards. The attacks
are the real ones:
- an image whose entrypoint is `#!/proc/self/exe`: the container's first exec re-executes the
  runtime's binary inside the container. A dynamically linked binary then runs the image's own ELF
  interpreter (attackers.FAKE_LD), which keeps an fd of /proc/self/exe and writes through it once
  the runtime has exited;
- the same entry exec'd into a running container while another container process watches /proc
  (attackers.SCANNER) and grabs /proc/<pid>/exe of the re-executed binary (it is dumpable again
  after execve, so no capability is needed; this works against a static binary too);
- a CAP_SYS_PTRACE container grabbing /proc/<pid>/exe of the runtime's own exec children, which
  are non-dumpable but sit in the container before they exec.
"""

import hashlib
import json
import os
import shutil
import subprocess
import time

import pytest

from helpers import BINARY, Runtime, enable_userns, new_id, wait_for
from security.attackers import ATTACK_SH, attackers  # noqa: F401  (fixture)


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


@pytest.fixture
def victim(tmp_path):
    """A Runtime driving a private copy of the binary under test."""
    d = tmp_path / "hostbin"
    d.mkdir()
    os.chmod(str(d), 0o755)
    copy = str(d / os.path.basename(BINARY))
    shutil.copy2(BINARY, copy)
    root = tmp_path / "state"
    root.mkdir()
    r = Runtime(str(root))
    r.binary = copy
    r.sha = digest(copy)
    yield r
    r.cleanup()


def out_mount(b):
    """A host directory bind-mounted at /out, where the attackers report."""
    out = b.hostdir("out")
    os.makedirs(os.path.join(b.rootfs, "out"), exist_ok=True)
    b.add_mount("/out", out, options=["rbind", "rw"])
    return out


def plant_image(b, attackers, victim):
    """The malicious image: /entry (`#!/proc/self/exe`), a fake ld.so, the attack script and the
    /proc scanner (with the victim binary's dev:ino). Returns the host dir the attackers report to."""
    root = b.rootfs
    with open(os.path.join(root, "entry"), "w") as f:
        f.write("#!/proc/self/exe\n")
    os.chmod(os.path.join(root, "entry"), 0o755)
    os.makedirs(os.path.join(root, "lib64"), exist_ok=True)
    shutil.copy(attackers["fake_ld"], os.path.join(root, "lib64", "ld-linux-x86-64.so.2"))
    with open(os.path.join(root, "attack.sh"), "w") as f:
        f.write(ATTACK_SH)
    shutil.copy(attackers["scanner"], os.path.join(root, "scanner"))
    st = os.stat(victim.binary)
    victim.scan_args = ["/scanner", str(st.st_dev), str(st.st_ino), "/out/scan", "10"]
    return out_mount(b)


def reports(out, victim, cid, timeout=20):
    """What the attackers wrote, once they are done (or the container has stopped)."""
    def done():
        have = [f for f in ("result", "scan") if os.path.exists(os.path.join(out, f))]
        return have if (have and all(open(os.path.join(out, f)).read().strip() for f in have)) \
            or victim.status(cid) in ("stopped", None) else None
    wait_for(done, timeout=timeout)
    res = {}
    for f in ("result", "scan"):
        p = os.path.join(out, f)
        if os.path.exists(p):
            res[f] = open(p).read().strip()
    return res


def assert_untouched(victim, res):
    for who, text in res.items():
        assert not text.startswith("pwned"), "the container wrote the host binary (%s): %s" % (who, text)
    assert digest(victim.binary) == victim.sha, "the host binary changed: %r" % res


@pytest.mark.parametrize("how", ["run-detach", "create-start"])
def test_reexec_entrypoint_cannot_write_host_binary(victim, bundle, attackers, how):
    b = bundle()
    out = plant_image(b, attackers, victim)
    b.args("/entry")
    cid = new_id("cve5736")
    if how == "run-detach":
        victim.run(b, cid, "--detach", check=True)
    else:
        victim.create(b, cid)
        victim("start", cid)
    assert_untouched(victim, reports(out, victim, cid))


def reexec_under_watch(victim, b, cid, times=8):
    """A running container whose init watches /proc; /entry exec'd into it again and again."""
    b.args(*victim.scan_args)
    victim.run(b, cid, "--detach", check=True)
    time.sleep(0.3)
    for _ in range(times):
        victim("exec", "--detach", cid, "/entry", check=False)
        time.sleep(0.2)


def test_exec_of_reexec_entrypoint_cannot_write_host_binary(victim, bundle, attackers):
    b = bundle()
    out = plant_image(b, attackers, victim)
    cid = new_id("cve5736x")
    reexec_under_watch(victim, b, cid)
    assert_untouched(victim, reports(out, victim, cid))


def test_reexec_in_user_namespace_owning_the_binary(victim, bundle, attackers):
    """With a user namespace whose root is the binary's owner (an install owned by that uid)."""
    b = bundle()
    enable_userns(b)
    os.chown(victim.binary, 100000, 100000)
    os.chmod(victim.binary, 0o755)
    victim.sha = digest(victim.binary)
    out = plant_image(b, attackers, victim)
    os.chown(out, 100000, 100000)
    cid = new_id("cve5736u")
    reexec_under_watch(victim, b, cid)
    assert_untouched(victim, reports(out, victim, cid))


def test_ptrace_container_cannot_grab_exec_child(victim, bundle, attackers):
    """A CAP_SYS_PTRACE container watches for the runtime's exec children (which have no
    CAP_SYS_PTRACE of their own) and opens their /proc/<pid>/exe while they are in the container.
    The container's /etc/passwd becomes a FIFO, so a child that looks up HOME there waits as long
    as the attacker likes (a runtime that refuses the FIFO only shortens the window)."""
    b = bundle()
    out = plant_image(b, attackers, victim)
    caps = b.process["capabilities"]
    for k in caps:
        caps[k] = sorted(set(caps[k]) | {"CAP_SYS_PTRACE", "CAP_DAC_OVERRIDE"})
    b.args(*victim.scan_args[:-1], "12")
    b.process["env"].append("HOME=/root")  # the init itself must not wait on the FIFO
    proc = os.path.join(b.path, "exec-process.json")
    with open(proc, "w") as f:  # no HOME: the exec'd process's HOME comes from /etc/passwd
        json.dump({"args": ["true"], "cwd": "/", "user": {"uid": 0, "gid": 0},
                   "env": ["PATH=/bin:/sbin"],
                   "capabilities": {k: ["CAP_KILL"] for k in ("bounding", "effective", "permitted")}}, f)
    cid = new_id("cve5736p")
    victim.run(b, cid, "--detach", check=True)
    passwd = os.path.join(b.rootfs, "etc", "passwd")  # planted once the container runs
    os.unlink(passwd)
    os.mkfifo(passwd)
    time.sleep(0.3)
    deadline = time.time() + 6
    n = 0
    while time.time() < deadline and not os.path.exists(os.path.join(out, "scan")):
        n += 1
        try:
            victim("exec", "--process", proc, cid, check=False, timeout=3)
        except subprocess.TimeoutExpired:
            pass  # the runtime is killed; the attacker's fd stays
    res = reports(out, victim, cid)
    print("%d execs; %r" % (n, res))
    assert_untouched(victim, res)


@pytest.mark.parametrize("globals_before_verb", [
    [], ["--log-format", "json", "--debug"], ["--criu", "exec", "--log-format=text"], ["--rootless=false", "--rootless", "false"]])
def test_run_is_protected_whatever_the_global_flags(victim, bundle, tmp_path, globals_before_verb):
    """`run` re-executes from the protected binary first thing in main, having found the verb
    among runc's global flags (some take a value, which is never the verb: `--criu exec`): the
    runtime that runs the hooks is on a read-only mount, and the marker it re-executed with is gone
    from what it passes on."""
    b = bundle().args("true")
    out = tmp_path / "hook"
    out.mkdir()
    b.config["hooks"] = {"createRuntime": [{"path": "/bin/sh", "args": [
        "sh", "-c", "env > %s/env; if test -w /proc/$PPID/exe; then echo writable; else echo protected; fi > %s/exe"
        % (out, out)]}]}
    b.save()
    cid = new_id("protected")
    victim.ids.add(cid)
    p = subprocess.run([victim.binary, "--root", victim.root] + globals_before_verb + ["run", "--bundle", b.path, cid],
                       capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr
    assert (out / "exe").read_text() == "protected\n"
    assert "_SWIFTRUN_PROTECTED_EXE" not in (out / "env").read_text()
    assert digest(victim.binary) == victim.sha
