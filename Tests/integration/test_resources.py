"""linux.resources (cgroups).

swiftrun does not implement cgroups yet and refuses any config with
linux.resources. Flip helpers.SWIFTRUN_HAS_CGROUPS to True when it does:
the refusal test is then skipped and the enforcement tests run."""

import os

import pytest

from helpers import IS_RUNC, SWIFTRUN_HAS_CGROUPS, new_id, wait_for

MEM_LIMIT = 64 * 1024 * 1024

needs_cgroups = pytest.mark.skipif(
    not IS_RUNC and not SWIFTRUN_HAS_CGROUPS,
    reason="swiftrun has no cgroup support yet (SWIFTRUN_HAS_CGROUPS = False in helpers.py)")

refuses_resources = pytest.mark.skipif(
    IS_RUNC or SWIFTRUN_HAS_CGROUPS,
    reason="swiftrun-only: until cgroups land swiftrun refuses linux.resources "
           "(runc enforces it)")


def _cgroup_dir(pid, controller):
    with open("/proc/%d/cgroup" % pid) as f:
        for line in f:
            _, ctrls, path = line.rstrip("\n").split(":", 2)
            if controller in ctrls.split(","):
                return "/sys/fs/cgroup/%s%s" % (controller, path)
    return None


@refuses_resources
def test_resources_refused_with_clear_error(rt, bundle, tmp_path):
    b = bundle().args("true")
    b.config["linux"]["resources"] = {"memory": {"limit": MEM_LIMIT}}
    cid = new_id()
    log = tmp_path / "log.json"
    p = rt.create(b, cid, check=False, log=log)
    assert p.returncode != 0
    assert "linux.resources" in p.stderr + log.read_text()
    assert not rt.exists(cid)


@needs_cgroups
def test_memory_limit_enforced(rt, bundle):
    b = bundle().args("sleep", "100")
    b.config["linux"]["resources"] = {"memory": {"limit": MEM_LIMIT},
                                      "pids": {"limit": 50}}
    cid = new_id()
    rt.create(b, cid)
    pid = rt.state(cid)["pid"]
    mem = _cgroup_dir(pid, "memory")
    if mem is None or not os.path.exists(os.path.join(mem, "memory.limit_in_bytes")):
        pytest.skip("no cgroup v1 memory controller on this host")
    with open(os.path.join(mem, "memory.limit_in_bytes")) as f:
        assert int(f.read()) == MEM_LIMIT
    pids = _cgroup_dir(pid, "pids")
    with open(os.path.join(pids, "pids.max")) as f:
        assert f.read().strip() == "50"
    rt("delete", "--force", cid)
    assert wait_for(lambda: not os.path.exists(mem), timeout=5), "cgroup left behind"
