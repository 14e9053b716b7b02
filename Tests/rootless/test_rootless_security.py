"""The user never reaches, through swiftrun, anything it could not reach without it: the runtime
is no setuid or file-capability binary, everything it writes belongs to the user, and the
container's root is the user as far as the host is concerned (files, processes, signals)."""

import os
import stat
import subprocess

import pytest


def owned_by_others(top, user):
    """Paths under top not owned by the user (or one of its subordinate ids)."""
    bad = []
    for d, dirs, files in os.walk(top):
        for n in dirs + files:
            p = os.path.join(d, n)
            try:
                uid = os.lstat(p).st_uid
            except FileNotFoundError:
                continue
            if uid != user.uid and not (user.subuid <= uid < user.subuid + user.subuid_count):
                bad.append((p, uid))
    return bad


def test_binary_has_no_setuid_bit_or_file_capabilities(user):
    for path in (user.binary,):
        mode = os.stat(path).st_mode
        assert not mode & (stat.S_ISUID | stat.S_ISGID), oct(mode)
        with pytest.raises(OSError):
            os.getxattr(path, "security.capability")


def test_everything_written_is_the_users(user, rt, bundle):
    b = bundle(own_rootfs=True)
    data = b.hostdir("data")
    b.config["mounts"].append({"destination": "/home", "type": "bind", "source": data, "options": ["rbind", "rw"]})
    b.sh("echo x > /home/f; mkdir /home/d; touch /root/in-rootfs; sleep 100").save()
    log = os.path.join(rt.xdg, "log.json")
    rt("--log", log, "run", "--detach", "--pid-file", os.path.join(rt.xdg, "pid"), "--bundle", b.path, "w")
    rt("exec", "w", "true")
    # The state root, the log, the pid file, the bundle and what the container wrote: all the user's.
    for top in (rt.xdg, b.path):
        assert owned_by_others(top, user) == [], top
    rt("delete", "--force", "w")
    assert owned_by_others(rt.xdg, user) == []


def test_container_root_cannot_read_or_write_roots_files(user, rt, bundle):
    import pathlib
    import tempfile
    tmp_path = pathlib.Path(tempfile.mkdtemp(dir=user.base))  # root's, but the user may traverse it
    os.chmod(tmp_path, 0o755)
    secret = tmp_path / "secret"
    secret.write_text("root only\n")
    os.chmod(secret, 0o600)
    rootdir = tmp_path / "rootdir"
    rootdir.mkdir()
    os.chmod(rootdir, 0o755)
    b = bundle(own_rootfs=True)
    b.config["mounts"] += [
        {"destination": "/etc/secret", "type": "bind", "source": str(secret), "options": ["bind"]},
        {"destination": "/home", "type": "bind", "source": str(rootdir), "options": ["rbind", "rw"]},
    ]
    for k in ("bounding", "effective", "permitted"):
        b.config["process"]["capabilities"][k] += ["CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_CHOWN"]
    b.sh("cat /etc/secret 2>/dev/null || echo no-read; touch /home/x 2>/dev/null || echo no-write; "
         "chmod 777 /home 2>/dev/null || echo no-chmod; chown 0 /etc/secret 2>/dev/null || echo no-chown").save()
    p = rt("run", "--bundle", b.path, "dac")
    # Capabilities in its own user namespace mean nothing for the host's root's files.
    assert p.stdout.split() == ["no-read", "no-write", "no-chmod", "no-chown"], p.stdout + p.stderr
    assert not (rootdir / "x").exists()
    assert stat.S_IMODE(os.stat(rootdir).st_mode) == 0o755


def test_setuid_in_container_gives_no_host_privilege(user, rt, bundle):
    """A setuid-root binary made inside the container is setuid to the user on the host."""
    b = bundle(own_rootfs=True)
    data = b.hostdir("data")
    for k in ("bounding", "effective", "permitted"):
        b.config["process"]["capabilities"][k] += ["CAP_CHOWN", "CAP_FOWNER", "CAP_FSETID"]
    b.config["mounts"].append({"destination": "/home", "type": "bind", "source": data, "options": ["rbind", "rw"]})
    b.sh("cp /bin/busybox /home/sh && chown 0:0 /home/sh && chmod 4755 /home/sh && echo made").save()
    assert rt("run", "--bundle", b.path, "suid").stdout.strip() == "made"
    st = os.stat(os.path.join(data, "sh"))
    assert st.st_uid == user.uid and st.st_uid != 0
    # Run from the host by the user, it stays the user.
    out = user.run([os.path.join(data, "sh"), "-c", "id -u"]).stdout.strip()
    assert out == str(user.uid)


def test_cannot_signal_or_touch_others_processes(user, rt, bundle):
    """kill and state act on the user's containers only; another root's process is out of reach."""
    victim = subprocess.Popen(["sleep", "60"])
    try:
        b = bundle()
        # The host's pid namespace (so the victim is visible), hence no procfs of its own.
        b.linux["namespaces"] = [n for n in b.linux["namespaces"] if n["type"] != "pid"]
        b.config["mounts"] = [m for m in b.config["mounts"] if m["destination"] != "/proc"]
        b.linux["maskedPaths"], b.linux["readonlyPaths"] = [], []
        b.sh("kill -9 %d 2>/dev/null || echo no-kill" % victim.pid).save()
        assert rt("run", "--bundle", b.path, "sig").stdout.strip() == "no-kill"
        assert victim.poll() is None
    finally:
        victim.kill()
        victim.wait()


@pytest.mark.parametrize("flag,path", [
    ("--root", "/run/swiftrun-rootless-attack"),
    ("--log", "/etc/swiftrun-rootless-attack.log"),
    ("--pid-file", "/etc/swiftrun-rootless-attack.pid"),
])
def test_paths_outside_the_users_reach_are_refused(user, rt, bundle, flag, path):
    b = bundle()
    if flag == "--pid-file":
        argv = ["run", flag, path, "--bundle", b.path, "att"]
    else:
        argv = [flag, path, "run", "--bundle", b.path, "att"]
    p = rt(*argv, check=False)
    assert p.returncode != 0
    assert not os.path.exists(path)
    assert "permission denied" in p.stderr.lower() or p.stderr, p.stderr


def test_bundle_of_another_user_is_unreadable(user, rt, tmp_path):
    """A bundle under a directory only root may enter: the runtime cannot open it either."""
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    os.chmod(hidden, 0o700)
    (hidden / "config.json").write_text("{}")
    p = rt("run", "--bundle", str(hidden), "other", check=False)
    assert p.returncode != 0 and "permission denied" in p.stderr.lower(), p.stderr
