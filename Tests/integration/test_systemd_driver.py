"""--systemd-cgroup on a host where it cannot work (this one: systemd is not PID 1, cgroups are
hybrid): create fails naming the reason and leaves nothing; features says systemd false. The
driver itself is tested on a real systemd host by `make vm-systemd-test` (Tests/vm-systemd)."""

import json
import os

import pytest

from helpers import BINARY, IS_RUNC, new_id

pytestmark = pytest.mark.skipif(IS_RUNC, reason="swiftrun's own error wording")

SYSTEMD_RUNNING = os.path.isdir("/run/systemd/system")


def test_features_lists_systemd_only_when_it_works(rt):
    feat = json.loads(rt("features").stdout)
    unified = os.path.exists("/sys/fs/cgroup/cgroup.controllers")
    assert feat["linux"]["cgroup"]["systemd"] is (SYSTEMD_RUNNING and unified)
    assert feat["linux"]["cgroup"]["systemdUser"] is False


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
