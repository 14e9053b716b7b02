"""Rootless suite: the runtime driven by an ordinary user (issue 11, Docs/ROOTLESS.md).

Run as root (`make rootless-test`): a session fixture creates a throwaway user with a subuid/subgid
range, copies the binary and a busybox rootfs into a temp dir the user can read (the repo may be
somewhere the user cannot traverse), and every command of the tests runs as that user through
setpriv, with its own XDG_RUNTIME_DIR. The user and everything it made are removed afterwards."""

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
BINARY = os.path.abspath(os.environ.get("SWIFTRUN", os.path.join(REPO, ".build", "release", "swiftrun")))
TIMEOUT = int(os.environ.get("SWIFTRUN_TIMEOUT", "30"))
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def pytest_report_header(config):
    return "rootless suite: %s driven by a throwaway user" % BINARY


def _subids(path, name):
    if not os.path.exists(path):
        return None
    for line in open(path):
        f = line.strip().split(":")
        if len(f) == 3 and f[0] == name:
            return int(f[1]), int(f[2])
    return None


class User:
    """The throwaway user: name, uid, gid, its subuid/subgid start and count, and a work dir it owns."""

    def __init__(self, name, base):
        pw = pwd.getpwnam(name)
        self.name, self.uid, self.gid = name, pw.pw_uid, pw.pw_gid
        self.subuid, self.subuid_count = _subids("/etc/subuid", name)
        self.subgid, self.subgid_count = _subids("/etc/subgid", name)
        self.base = base

    def env(self, xdg=None, **extra):
        e = {"PATH": PATH, "HOME": os.path.join(self.base, "home"), "USER": self.name, "LOGNAME": self.name}
        if xdg:
            e["XDG_RUNTIME_DIR"] = xdg
        e.update(extra)
        return e

    def argv(self, argv):
        """argv run as this user: its uid and gid, no supplementary groups, no capabilities (the
        bounding set stays: newuidmap is setuid root, as on any system)."""
        return ["setpriv", "--reuid=%d" % self.uid, "--regid=%d" % self.gid, "--clear-groups",
                "--inh-caps=-all", "--"] + list(argv)

    def run(self, argv, env=None, check=True, timeout=TIMEOUT, input=None, cwd=None):
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            p = subprocess.run(self.argv(argv), env=env if env is not None else self.env(), cwd=cwd or "/",
                               stdout=out, stderr=err, timeout=timeout, text=True, input=input,
                               stdin=subprocess.DEVNULL if input is None else None)
            out.seek(0)
            err.seek(0)
            p.stdout, p.stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
        if check and p.returncode != 0:
            raise AssertionError("%s failed (rc=%d)\nstdout: %s\nstderr: %s" % (argv, p.returncode, p.stdout, p.stderr))
        return p

    def mkdir(self, path, mode=0o755):
        os.makedirs(path, exist_ok=True)
        os.chown(path, self.uid, self.gid)
        os.chmod(path, mode)
        return path


@pytest.fixture(scope="session")
def user():
    if os.geteuid() != 0:
        pytest.exit("the rootless suite must be started as root (it creates its test user)", returncode=2)
    if not os.access(BINARY, os.X_OK):
        pytest.exit("runtime binary not found: %s (build it or set SWIFTRUN=...)" % BINARY, returncode=2)
    for tool in ("useradd", "userdel", "usermod", "setpriv", "newuidmap", "newgidmap"):
        if shutil.which(tool) is None:
            pytest.exit("%s is missing (make deps installs uidmap and util-linux)" % tool, returncode=2)
    name = "srtl%s" % uuid.uuid4().hex[:8]
    subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group", name],
                   check=True, capture_output=True)
    base = tempfile.mkdtemp(prefix="swiftrun-rootless-", dir="/tmp")
    try:
        os.chmod(base, 0o755)
        if _subids("/etc/subuid", name) is None or _subids("/etc/subgid", name) is None:
            # useradd assigns ranges when /etc/login.defs has SUB_UID_COUNT; otherwise give one.
            top = 100000
            for f in ("/etc/subuid", "/etc/subgid"):
                if os.path.exists(f):
                    for line in open(f):
                        p = line.strip().split(":")
                        if len(p) == 3:
                            top = max(top, int(p[1]) + int(p[2]))
            rng = "%d-%d" % (top, top + 65535)
            subprocess.run(["usermod", "--add-subuids", rng, "--add-subgids", rng, name],
                           check=True, capture_output=True)
        u = User(name, base)
        u.mkdir(os.path.join(base, "home"), 0o700)
        # What the user runs and reads: root-owned copies it may read and execute, never write.
        os.makedirs(os.path.join(base, "bin"))
        u.binary = os.path.join(base, "bin", "swiftrun")
        shutil.copy(BINARY, u.binary)
        os.chmod(u.binary, 0o755)
        u.rootfs = os.path.join(base, "rootfs")
        subprocess.run(["sh", os.path.join(REPO, "Bundles", "make-rootfs.sh"), u.rootfs],
                       check=True, capture_output=True)
        subprocess.run(["chmod", "-R", "a+rX", u.rootfs], check=True)
        yield u
    finally:
        # Whatever the user still runs (a test that failed midway) goes first: userdel refuses
        # a user with processes.
        try:
            uid = pwd.getpwnam(name).pw_uid
        except KeyError:
            uid = None
        sub = _subids("/etc/subuid", name) or (0, 0)

        def mine(u):
            return u == uid or sub[0] <= u < sub[0] + sub[1]
        for pid in (os.listdir("/proc") if uid is not None else []):
            try:
                if pid.isdigit() and mine(os.stat("/proc/" + pid).st_uid):
                    os.kill(int(pid), 9)
            except OSError:
                pass
        subprocess.run(["userdel", name], capture_output=True)
        for f in ("/etc/subuid", "/etc/subgid"):
            # userdel removes the user's ranges; make sure none is left.
            if os.path.exists(f) and any(l.startswith(name + ":") for l in open(f)):
                lines = [l for l in open(f) if not l.startswith(name + ":")]
                with open(f, "w") as fh:
                    fh.writelines(lines)
        shutil.rmtree(base, ignore_errors=True)


class UserRuntime:
    """The runtime run by the test user: its own XDG_RUNTIME_DIR (so the default --root is used
    unless `root` is given), remembering the ids it created to delete them afterwards."""

    def __init__(self, user, xdg):
        self.user, self.xdg = user, xdg
        self.ids = set()

    @property
    def state_root(self):
        return os.path.join(self.xdg, "swiftrun")

    def __call__(self, *args, check=True, env=None, timeout=TIMEOUT, cwd=None, input=None):
        args = [str(a) for a in args]
        if "create" in args or "run" in args:
            self.ids.add(args[-1])
        return self.user.run([self.user.binary] + args, env=env or self.user.env(self.xdg), check=check,
                             timeout=timeout, cwd=cwd, input=input)

    def state(self, cid):
        return json.loads(self("state", cid).stdout)

    def cleanup(self):
        for cid in self.ids:
            self("delete", "--force", cid, check=False)


@pytest.fixture
def rt(user, tmp_path):
    os.chmod(tmp_path, 0o755)
    xdg = user.mkdir(os.path.join(user.base, "xdg-" + uuid.uuid4().hex[:8]), 0o700)
    r = UserRuntime(user, xdg)
    yield r
    r.cleanup()
    shutil.rmtree(xdg, ignore_errors=True)


@pytest.fixture
def bundle(user, rt):
    """Factory: a bundle the user owns, made by `swiftrun spec --rootless` as the user (the round
    trip every test starts from), root.path the shared read-only rootfs, no terminal; `own_rootfs`
    gives it a writable rootfs copy owned by the user instead."""
    made = []

    def make(args=("true",), own_rootfs=False):
        d = user.mkdir(os.path.join(user.base, "b-" + uuid.uuid4().hex[:8]))
        made.append(d)
        rt("spec", "--rootless", cwd=d)
        b = Bundle(d, user)
        b.config["process"]["terminal"] = False
        b.config["process"]["args"] = list(args)
        if own_rootfs:
            user.run(["cp", "-a", user.rootfs, os.path.join(d, "rootfs")])
            b.config["root"] = {"path": "rootfs", "readonly": False}
        else:
            b.config["root"] = {"path": user.rootfs, "readonly": True}
        b.save()
        return b

    yield make
    for d in made:
        shutil.rmtree(d, ignore_errors=True)


class Bundle:
    def __init__(self, path, user):
        self.path, self.user = path, user
        with open(os.path.join(path, "config.json")) as f:
            self.config = json.load(f)

    @property
    def linux(self):
        return self.config["linux"]

    def sh(self, script):
        self.config["process"]["args"] = ["sh", "-c", script]
        return self

    def save(self):
        p = os.path.join(self.path, "config.json")
        with open(p, "w") as f:
            json.dump(self.config, f, indent=1)
        os.chown(p, self.user.uid, self.user.gid)
        return self

    def hostdir(self, name="data", mode=0o755):
        return self.user.mkdir(os.path.join(self.path, name), mode)
