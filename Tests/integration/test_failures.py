"""A failed create leaves nothing behind and says why."""

import json
import os
import time

import pytest

from helpers import all_pids, last_json_line, mounts_mentioning, new_id, suspicious_processes


def _assert_failed_cleanly(rt, b, cid, before, log, p, *needles):
    assert p.returncode != 0, "create unexpectedly succeeded"
    assert p.stderr.strip() or os.path.getsize(log) > 0, "no error reported"
    assert not rt.exists(cid), "state dir %s left behind" % os.path.join(rt.root, cid)
    assert rt("state", cid, check=False).returncode != 0
    assert cid not in rt("list", "-q").stdout.split()
    time.sleep(0.1)
    left = suspicious_processes(before, [cid, b.path, rt.root])
    assert left == [], "processes left behind: %s" % left
    assert mounts_mentioning(b.path) == []
    entry = last_json_line(log)
    assert entry.get("level") == "error", entry
    msg = entry.get("msg", "")
    for n in needles:
        assert n in msg, "log msg %r lacks %r" % (msg, n)
    for n in needles:
        assert n in p.stderr or n in msg


def _create_fail(rt, b, tmp_path, raw_config=None):
    cid = new_id()
    log = tmp_path / ("log-%s.json" % cid)
    before = all_pids()
    if raw_config is not None:
        with open(os.path.join(b.path, "config.json"), "w") as f:
            f.write(raw_config)
        p = rt("create", "--bundle", b.path, cid, check=False, log=log)
    else:
        p = rt.create(b, cid, check=False, log=log)
    return cid, before, str(log), p


def test_fail_bad_json_config(rt, bundle, tmp_path):
    b = bundle()
    cid, before, log, p = _create_fail(rt, b, tmp_path, raw_config='{"ociVersion": "1.0.2", ')
    # runc 1.1.5 only says "unexpected EOF" here; no wording is required.
    _assert_failed_cleanly(rt, b, cid, before, log, p)


def test_fail_config_field_of_wrong_type(rt, bundle, tmp_path):
    b = bundle()
    b.config["ociVersion"] = 5
    raw = json.dumps(b.config)
    cid, before, log, p = _create_fail(rt, b, tmp_path, raw_config=raw)
    # runc: json: cannot unmarshal number into Go struct field Spec.ociVersion ...
    _assert_failed_cleanly(rt, b, cid, before, log, p, "ociVersion")


def test_fail_missing_config(rt, bundle, tmp_path):
    b = bundle()
    os.unlink(os.path.join(b.path, "config.json"))
    cid = new_id()
    log = tmp_path / "log.json"
    before = all_pids()
    p = rt("create", "--bundle", b.path, cid, check=False, log=log)
    _assert_failed_cleanly(rt, b, cid, before, str(log), p, "config.json")


def test_fail_unknown_namespace_type(rt, bundle, tmp_path):
    b = bundle()
    b.config["linux"]["namespaces"].append({"type": "bogusns"})
    cid, before, log, p = _create_fail(rt, b, tmp_path)
    # runc: 'namespace {"bogusns" ""} does not exist'
    _assert_failed_cleanly(rt, b, cid, before, log, p, "bogusns")
    assert "namespace" in last_json_line(log)["msg"]


def test_fail_missing_rootfs(rt, bundle, tmp_path):
    b = bundle()
    b.config["root"]["path"] = "no-such-rootfs"
    cid, before, log, p = _create_fail(rt, b, tmp_path)
    _assert_failed_cleanly(rt, b, cid, before, log, p, "no-such-rootfs",
                           "no such file or directory")


def test_fail_program_not_found(rt, bundle, tmp_path):
    b = bundle().args("/nonexistent")
    cid, before, log, p = _create_fail(rt, b, tmp_path)
    # runc: exec: "/nonexistent": stat /nonexistent: no such file or directory
    _assert_failed_cleanly(rt, b, cid, before, log, p, "/nonexistent",
                           "no such file or directory")


def test_fail_program_not_in_path(rt, bundle, tmp_path):
    b = bundle().args("no-such-program-xyz")
    cid, before, log, p = _create_fail(rt, b, tmp_path)
    _assert_failed_cleanly(rt, b, cid, before, log, p, "no-such-program-xyz")


def test_fail_bind_mount_nonexistent_source(rt, bundle, tmp_path):
    b = bundle()
    missing = os.path.join(str(tmp_path), "missing-src")
    b.add_mount("/mnt/x", missing, options=["rbind"])
    cid, before, log, p = _create_fail(rt, b, tmp_path)
    _assert_failed_cleanly(rt, b, cid, before, log, p, "missing-src",
                           "no such file or directory")


def test_fail_run_leaves_nothing(rt, bundle, tmp_path):
    b = bundle().args("/nonexistent")
    cid = new_id()
    log = tmp_path / "log.json"
    before = all_pids()
    p = rt.run(b, cid, log=log)
    _assert_failed_cleanly(rt, b, cid, before, str(log), p, "/nonexistent")


def test_failed_create_then_same_id_works(rt, bundle, tmp_path):
    b = bundle().args("/nonexistent")
    cid = new_id()
    assert rt.create(b, cid, check=False).returncode != 0
    b.args("true")
    rt.create(b, cid)
    assert rt.status(cid) == "created"
