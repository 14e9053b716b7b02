"""Concurrent commands: one container's commands are serialized, different containers don't block."""

import subprocess
import time

from helpers import swiftrun_only_because, BINARY, new_id


def _spawn(rt, *args):
    # The container's init inherits stdio, so no pipes (their EOF would wait for the container).
    return subprocess.Popen([BINARY, "--root", rt.root] + list(args), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_parallel_creates_of_different_containers(rt, bundle):
    b = bundle().args("sleep", "100")
    b.save()
    ids = [new_id() for _ in range(6)]
    for cid in ids:
        rt.ids.add(cid)
    procs = [_spawn(rt, "create", "--bundle", b.path, cid) for cid in ids]
    assert [p.wait(timeout=30) for p in procs] == [0] * len(ids)
    assert sorted(rt("list", "-q").stdout.split()) == sorted(ids)
    assert all(rt.status(cid) == "created" for cid in ids)


@swiftrun_only_because("is flaky here when starts race (one start can time out)")
def test_racing_starts_run_the_program_once(rt, bundle, tmp_path):
    host = tmp_path / "out"
    host.mkdir()
    b = bundle()
    b.add_mount("/out", str(host), options=["rbind", "rw"])
    b.sh("echo started >> /out/log; sleep 100")
    cid = new_id()
    rt.create(b, cid)
    procs = [_spawn(rt, "start", cid) for _ in range(4)]
    codes = [p.wait(timeout=30) for p in procs]
    assert codes.count(0) == 1, codes
    time.sleep(0.3)
    assert (host / "log").read_text() == "started\n"
    assert rt.status(cid) == "running"


def test_racing_force_deletes_all_succeed(rt, bundle):
    b = bundle().args("sleep", "100")
    cid = new_id()
    rt.run(b, cid, "--detach")
    procs = [_spawn(rt, "delete", "--force", cid) for _ in range(4)]
    assert [p.wait(timeout=30) for p in procs] == [0] * 4
    assert not rt.exists(cid)


def test_duplicate_create_race_one_wins(rt, bundle):
    b = bundle().args("sleep", "100")
    b.save()
    cid = new_id()
    rt.ids.add(cid)
    procs = [_spawn(rt, "create", "--bundle", b.path, cid) for _ in range(3)]
    codes = [p.wait(timeout=30) for p in procs]
    assert codes.count(0) == 1, codes
    assert rt.status(cid) == "created"
