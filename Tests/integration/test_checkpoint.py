"""checkpoint / restore on the host (Docs/CHECKPOINT.md).

This machine's kernel cannot be dumped by CRIU 3.17 (its vDSO layout makes CRIU's kernel
feature detection fail), so here the tests drive the failure paths: CRIU's own error line must
reach the user, and a failed checkpoint or restore leaves nothing behind. The successful
checkpoint/restore scenarios run in the cgroup v2 VM (Tests/vm/inside.sh, t_criu_*), where the
stock kernel can be dumped.
"""

import json
import os
import shutil
import subprocess

import pytest

from helpers import IS_RUNC, mounts_mentioning, new_id, swiftrun_only_because, wait_for

CRIU = shutil.which("criu") or next((p for p in ("/usr/sbin/criu", "/sbin/criu") if os.access(p, os.X_OK)), None)

RUNC_CHECKPOINT_FLAGS = ["--image-path", "--work-path", "--parent-path", "--leave-running", "--tcp-established",
                         "--ext-unix-sk", "--shell-job", "--lazy-pages", "--status-fd", "--page-server",
                         "--file-locks", "--pre-dump", "--manage-cgroups-mode", "--empty-ns", "--auto-dedup"]
RUNC_RESTORE_FLAGS = ["--image-path", "--work-path", "--tcp-established", "--ext-unix-sk", "--shell-job",
                      "--file-locks", "--manage-cgroups-mode", "--bundle", "--detach", "--pid-file",
                      "--no-subreaper", "--no-pivot", "--empty-ns", "--auto-dedup", "--lazy-pages",
                      "--console-socket", "--lsm-profile", "--lsm-mount-context"]


def criu_cannot_dump_here():
    """CRIU's own explanation when it cannot work on this kernel, e.g. ["vdso: Unexpected rt vDSO
    area bounds", "vdso: Failed to fill self vdso symtable"] (None when it can)."""
    p = subprocess.run([CRIU, "check"], capture_output=True, text=True, timeout=60)
    out = p.stdout + p.stderr
    why = [l.split("): ", 1)[-1] for l in out.splitlines()
           if l.startswith("Error") and "kerndat" not in l and "crtools" not in l]
    return why or None


needs_criu = pytest.mark.skipif(CRIU is None, reason="criu is not installed (make deps installs it)")


def running(rt, bundle, cid, rootfs_copy=False):
    b = bundle(copy_rootfs=rootfs_copy)
    b.config["process"]["args"] = ["sh", "-c", "while true; do sleep 1; done"]
    b.config["linux"]["cgroupsPath"] = "/swiftrun-ckpt-" + cid
    rt.run(b, cid, "--detach", check=True)
    rt.wait_status(cid, "running")
    return b


@pytest.mark.parametrize("verb,flags", [("checkpoint", RUNC_CHECKPOINT_FLAGS), ("restore", RUNC_RESTORE_FLAGS)])
def test_help_lists_runc_flags(rt, verb, flags):
    p = rt(verb, "--help")
    assert p.returncode == 0
    for f in flags:
        assert f in p.stdout, "%s --help does not list %s" % (verb, f)


@needs_criu
@swiftrun_only_because("has no features annotation for checkpoint")
def test_features_says_checkpoint_is_available(rt):
    a = json.loads(rt("features").stdout)["annotations"]
    assert a["org.swiftrun.checkpoint.enabled"] == "true"


@needs_criu
@swiftrun_only_because("names the log file but does not quote CRIU's error lines")
def test_checkpoint_failure_shows_criu_error_and_leaves_nothing(rt, bundle, tmp_path):
    why = criu_cannot_dump_here()
    if why is None:
        pytest.skip("CRIU can dump this kernel: the success paths run in the VM suite (t_criu_*)")
    cid = new_id("ck")
    running(rt, bundle, cid)
    pid = rt.state(cid)["pid"]
    img, work = tmp_path / "img", tmp_path / "work"
    p = rt("checkpoint", "--image-path", img, "--work-path", work, cid, check=False)
    assert p.returncode != 0
    # CRIU's own lines (here: "vdso: Failed to fill self vdso symtable") reach the user.
    for line in why:
        assert line in p.stderr, p.stderr
    assert "criu failed" in p.stderr or IS_RUNC
    if not IS_RUNC:
        # What the checkpoint made is gone; the container is untouched.
        assert not img.exists() and not work.exists()
    assert rt.state(cid)["status"] == "running"
    assert rt.state(cid)["pid"] == pid
    out = subprocess.run(["pgrep", "-f", "criu swrk"], capture_output=True, text=True).stdout.split()
    assert not [x for x in out if os.path.exists("/proc/%s" % x)]


@needs_criu
@swiftrun_only_because("words its errors differently")
def test_checkpoint_failure_into_existing_dirs_keeps_them_and_points_to_the_log(rt, bundle, tmp_path):
    if criu_cannot_dump_here() is None:
        pytest.skip("CRIU can dump this kernel: the success paths run in the VM suite (t_criu_*)")
    cid = new_id("ck")
    running(rt, bundle, cid)
    img = tmp_path / "img"
    img.mkdir()
    p = rt("checkpoint", "--image-path", img, cid, check=False)
    assert p.returncode != 0
    assert "(see %s/dump.log)" % img in p.stderr
    assert (img / "dump.log").exists()


@pytest.mark.parametrize("args,words", [
    (["--manage-cgroups-mode", "bogus"], "manage"),
    (["--page-server", "nocolon"], "page server"),
    (["--parent-path", "/abs"], "--parent-path must be relative"),
    (["--parent-path", "missing"], "--parent-path"),
    (["--empty-ns", "ipc"], "ipc"),
])
@needs_criu
def test_checkpoint_bad_flags(rt, bundle, tmp_path, args, words):
    cid = new_id("ck")
    running(rt, bundle, cid)
    img = tmp_path / "img"
    p = rt("checkpoint", "--image-path", img, *args, cid, check=False)
    assert p.returncode != 0
    assert words.lower() in p.stderr.lower(), p.stderr
    assert rt.status(cid) == "running"
    if not IS_RUNC:
        assert not img.exists()


def test_checkpoint_refuses_a_created_container(rt, bundle, tmp_path):
    cid = new_id("ck")
    b = bundle()
    rt.create(b, cid)
    p = rt("checkpoint", "--image-path", tmp_path / "img", cid, check=False)
    assert p.returncode != 0
    assert "cannot be checkpointed in created state" in p.stderr
    assert rt.status(cid) == "created"


def test_checkpoint_of_a_missing_container(rt, tmp_path):
    p = rt("checkpoint", "--image-path", tmp_path / "img", new_id(), check=False)
    assert p.returncode != 0
    assert "does not exist" in p.stderr or "not exist" in p.stderr


@swiftrun_only_because("has no --criu flag check of this kind")
def test_missing_criu_binary(rt, bundle, tmp_path):
    cid = new_id("ck")
    running(rt, bundle, cid)
    p = rt("--criu", "/nonexistent/criu", "checkpoint", "--image-path", tmp_path / "img", cid, check=False)
    assert p.returncode != 0
    assert "CRIU is not installed" in p.stderr and "/nonexistent/criu" in p.stderr
    assert rt.status(cid) == "running"


@needs_criu
def test_restore_without_images_leaves_nothing(rt, bundle, tmp_path):
    cid = new_id("rs")
    b = bundle()
    p = rt("restore", "--detach", "--bundle", b.path, "--image-path", tmp_path / "none", cid, check=False)
    rt.ids.add(cid)
    assert p.returncode != 0
    assert not rt.exists(cid)


@needs_criu
@swiftrun_only_because("words its errors differently")
def test_failed_restore_leaves_nothing(rt, bundle, tmp_path):
    """CRIU fails the restore (an image dir without images): the error says why, and the state
    dir, the cgroup, the criu-root bind and CRIU itself are gone."""
    cid = new_id("rs")
    b = bundle()
    b.config["linux"]["cgroupsPath"] = "/swiftrun-rs-" + cid
    b.save()
    img = tmp_path / "img"
    img.mkdir()
    (img / "descriptors.json").write_text('["/dev/null","pipe:[1]","pipe:[2]"]')
    p = rt("restore", "--detach", "--bundle", b.path, "--image-path", img, cid, check=False)
    rt.ids.add(cid)
    assert p.returncode != 0
    assert "criu failed" in p.stderr and "Error" in p.stderr, p.stderr
    assert not rt.exists(cid)
    assert not mounts_mentioning(rt.root)
    left = [d for d in (os.path.join(r, dp, "swiftrun-rs-" + cid)
                        for r, dp in [("/sys/fs/cgroup", ""), ("/sys/fs/cgroup", "memory"),
                                      ("/sys/fs/cgroup", "pids"), ("/sys/fs/cgroup", "unified")]) if os.path.exists(d)]
    assert not left, left


@swiftrun_only_because("has no criu-root in its state directory")
def test_delete_never_descends_into_a_leftover_criu_root(rt, bundle, tmp_path):
    """A restore killed while CRIU ran leaves <state>/criu-root, a recursive bind of the rootfs:
    delete detaches it before it removes the state directory, so the rootfs is never emptied."""
    cid = new_id("rs")
    b = bundle()
    rt.create(b, cid)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep-me").write_text("data")
    target = os.path.join(rt.root, cid, "criu-root")
    os.mkdir(target)
    subprocess.run(["mount", "--rbind", str(victim), target], check=True)
    try:
        rt("delete", "--force", cid)
        assert (victim / "keep-me").read_text() == "data"
        assert not rt.exists(cid)
        assert not mounts_mentioning(target)
    finally:
        subprocess.run(["umount", "-l", target], capture_output=True)


def _mnt_id(pid, fd):
    with open("/proc/%s/fdinfo/%d" % (pid, fd)) as f:
        return next(int(l.split()[1]) for l in f if l.startswith("mnt_id:"))


@swiftrun_only_because("1.1.5 reopens /dev/null too, but this checks swiftrun's init")
def test_host_dev_null_stdio_is_reopened_inside(rt, bundle):
    """An engine's /dev/null stdin (conmon's for `podman run -d`) is the host's: CRIU cannot dump
    a file of a mount outside the container, so the init swaps it for the container's /dev/null
    (runc's reOpenDevNull). A pipe stays what it is."""
    cid = new_id("dn")
    b = bundle()
    b.config["process"]["args"] = ["sh", "-c", "while true; do sleep 1; done"]
    rt.run(b, cid, "--detach", check=True)
    rt.wait_status(cid, "running")
    pid = rt.state(cid)["pid"]
    with open("/dev/null") as f:
        host = _mnt_id(os.getpid(), f.fileno())
    assert os.readlink("/proc/%d/fd/0" % pid) == "/dev/null"
    assert _mnt_id(pid, 0) != host


@needs_criu
@pytest.mark.skipif(os.path.isdir("/run/systemd/system"), reason="systemd runs here: the refusal is for hosts without it")
@swiftrun_only_because("ignores --systemd-cgroup's absence of systemd differently (runc fails at the D-Bus connection)")
def test_restore_systemd_cgroup_without_systemd_fails_cleanly(rt, bundle, tmp_path):
    """restore --systemd-cgroup uses the systemd driver as create does (the scope itself is tested
    on the systemd VM, criu_restore): here, without systemd, it refuses before CRIU runs and
    leaves nothing."""
    cid = new_id("rs")
    b = bundle()
    img = tmp_path / "img"
    img.mkdir()
    (img / "descriptors.json").write_text('["/dev/null","pipe:[1]","pipe:[2]"]')
    p = rt("--systemd-cgroup", "restore", "--detach", "--bundle", b.path, "--image-path", img, cid, check=False)
    rt.ids.add(cid)
    assert p.returncode != 0
    assert "--systemd-cgroup: systemd is not running on this host" in p.stderr, p.stderr
    assert not rt.exists(cid)
    assert not mounts_mentioning(rt.root)
    assert not os.path.exists(img / "restore.log")
