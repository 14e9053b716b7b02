"""Numbers that do not fit their field, and repeated keys, in config.json and exec --process.

A number that is valid JSON but out of range for its field (uid 2^40, a negative rlimit, 1.5
for a uid) must fail before anything is created, naming the field and the value. A key that
occurs twice must mean what it means to Go-based tools (runc, the engines): the last
occurrence wins, and a repeated object fills the struct the first one filled.
"""

import json
import os
import re

import pytest

from helpers import new_id, swiftrun_only_because


class Raw:
    """A number literal written exactly as given (e.g. "1e3")."""

    def __init__(self, text):
        self.text = text


class Dup:
    """A JSON object written member by member, in order, repeated keys included."""

    def __init__(self, *pairs):
        self.pairs = pairs


def dumps(v):
    if isinstance(v, Raw):
        return v.text
    if isinstance(v, (Dup, dict)):
        pairs = v.pairs if isinstance(v, Dup) else v.items()
        return "{" + ", ".join("%s: %s" % (json.dumps(k), dumps(x)) for k, x in pairs) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(dumps(x) for x in v) + "]"
    return json.dumps(v)


def write_config(b, doc):
    with open(os.path.join(b.path, "config.json"), "w") as f:
        f.write(dumps(doc))


def dup_process(b, *pairs):
    """b's process object with `pairs` appended (their keys then occur twice)."""
    return Dup(*(list(b.process.items()) + list(pairs)))


def start(rt, verb, b, cid):
    """create or run with the config.json already written (rt.create/rt.run would rewrite it)."""
    return rt(verb, "--bundle", b.path, cid, check=False)


def assert_refused(rt, p, cid, *patterns):
    assert p.returncode != 0, "accepted: stdout=%r stderr=%r" % (p.stdout, p.stderr)
    for pat in patterns:
        assert re.search(pat, p.stderr), "stderr %r does not match %r" % (p.stderr, pat)
    assert not rt.exists(cid)
    assert os.listdir(rt.root) == [], "left in --root: %s" % os.listdir(rt.root)


def _user(b, **kw):
    b.process["user"].update(kw)


def _resources(b, **kw):
    b.config["linux"]["resources"] = kw


def _prestart(b, **kw):
    b.config["hooks"] = {"prestart": [dict({"path": "/bin/true"}, **kw)]}


# (id, change to the bundle's config, field as a regex: runc names it without array indexes,
#  the value as written, the type, swiftrun's whole message)
U32 = "uint32 (0 to 4294967295)"
U64 = "uint64 (0 to 18446744073709551615)"
I64 = "int64 (-9223372036854775808 to 9223372036854775807)"
CASES = [
    ("uid-2^40", lambda b: _user(b, uid=2 ** 40), r"process\.user\.uid", "1099511627776", "uint32",
     "process.user.uid: 1099511627776 is out of range for " + U32),
    ("uid-negative", lambda b: _user(b, uid=-1), r"process\.user\.uid", "-1", "uint32",
     "process.user.uid: -1 is out of range for " + U32),
    ("uid-fraction", lambda b: _user(b, uid=1.5), r"process\.user\.uid", "1.5", "uint32",
     "process.user.uid: 1.5 must be an integer (uint32)"),
    ("uid-exponent", lambda b: _user(b, uid=Raw("1e3")), r"process\.user\.uid", "1e3", "uint32",
     "process.user.uid: 1e3 must be written as an integer, without fraction or exponent (uint32)"),
    ("gid-2^32", lambda b: _user(b, gid=2 ** 32), r"process\.user\.gid", "4294967296", "uint32",
     "process.user.gid: 4294967296 is out of range for " + U32),
    ("additionalGids", lambda b: _user(b, additionalGids=[1, 2 ** 32]),
     r"process\.user\.additionalGids(\[1\])?", "4294967296", "uint32",
     "process.user.additionalGids[1]: 4294967296 is out of range for " + U32),
    ("rlimit-2^64", lambda b: b.process["rlimits"][0].update(hard=2 ** 64),
     r"process\.rlimits(\[0\])?\.hard", "18446744073709551616", "uint64",
     "process.rlimits[0].hard: 18446744073709551616 is out of range for " + U64),
    ("rlimit-negative", lambda b: b.process["rlimits"][0].update(soft=-1),
     r"process\.rlimits(\[0\])?\.soft", "-1", "uint64",
     "process.rlimits[0].soft: -1 is out of range for " + U64),
    ("consoleSize", lambda b: b.process.update(consoleSize={"height": 2 ** 70, "width": 80}),
     r"process\.consoleSize\.height", "1180591620717411303424", "uint",
     "process.consoleSize.height: 1180591620717411303424 is out of range for uint (0 to 18446744073709551615)"),
    ("oomScoreAdj", lambda b: b.process.update(oomScoreAdj=2 ** 63), r"process\.oomScoreAdj",
     "9223372036854775808", "int",
     "process.oomScoreAdj: 9223372036854775808 is out of range for int (-9223372036854775808 to 9223372036854775807)"),
    ("pids-2^63", lambda b: _resources(b, pids={"limit": 2 ** 63}), r"linux\.resources\.pids\.limit",
     "9223372036854775808", "int64",
     "linux.resources.pids.limit: 9223372036854775808 is out of range for " + I64),
    ("cpu-shares-negative", lambda b: _resources(b, cpu={"shares": -1}), r"linux\.resources\.cpu\.shares",
     "-1", "uint64", "linux.resources.cpu.shares: -1 is out of range for " + U64),
    ("cpu-shares-2^64", lambda b: _resources(b, cpu={"shares": 2 ** 64}), r"linux\.resources\.cpu\.shares",
     "18446744073709551616", "uint64",
     "linux.resources.cpu.shares: 18446744073709551616 is out of range for " + U64),
    ("memory-fraction", lambda b: _resources(b, memory={"limit": 1.5}), r"linux\.resources\.memory\.limit",
     "1.5", "int64", "linux.resources.memory.limit: 1.5 must be an integer (int64)"),
    ("blkio-weight", lambda b: _resources(b, blockIO={"weight": 65536}), r"linux\.resources\.blockIO\.weight",
     "65536", "uint16", "linux.resources.blockIO.weight: 65536 is out of range for uint16 (0 to 65535)"),
    ("uidMappings", lambda b: b.config["linux"].update(uidMappings=[{"containerID": 0, "hostID": 2 ** 32, "size": 1}]),
     r"linux\.uidMappings(\[0\])?\.hostID", "4294967296", "uint32",
     "linux.uidMappings[0].hostID: 4294967296 is out of range for " + U32),
    ("device-major", lambda b: b.config["linux"].update(
        devices=[{"path": "/dev/x", "type": "c", "major": 2 ** 63, "minor": 1}]),
     r"linux\.devices(\[0\])?\.major", "9223372036854775808", "int64",
     "linux.devices[0].major: 9223372036854775808 is out of range for " + I64),
    ("hook-timeout", lambda b: _prestart(b, timeout=1.5), r"hooks\.prestart(\[0\])?\.timeout", "1.5", "int",
     "hooks.prestart[0].timeout: 1.5 must be an integer (int)"),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("verb", ["create", "run"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_out_of_range_number_is_refused_naming_the_field(rt, bundle, verb, case):
    _, change, field, value, type_, _ = case
    b = bundle(copy_rootfs=False)
    change(b)
    write_config(b, b.config)
    cid = new_id()
    p = start(rt, verb, b, cid)
    assert_refused(rt, p, cid, field, re.escape(value), r"\b%s\b" % type_)


@swiftrun_only_because("says 'json: cannot unmarshal number N into Go struct field T.path of type T', "
                       "without array indexes or the allowed range")
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_out_of_range_number_wording(rt, bundle, case):
    _, change, _, _, _, message = case
    b = bundle(copy_rootfs=False)
    change(b)
    write_config(b, b.config)
    cid = new_id()
    p = start(rt, "run", b, cid)
    assert_refused(rt, p, cid)
    assert "config.json: " + message in p.stderr


@pytest.fixture
def running(rt, bundle):
    b = bundle(copy_rootfs=False).args("sleep", "300")
    cid = new_id()
    rt.run(b, cid, "--detach", check=True)
    return cid


def test_exec_process_number_is_refused_naming_the_field(rt, running, tmp_path):
    f = tmp_path / "process.json"
    f.write_text(dumps({"cwd": "/", "args": ["true"], "user": {"uid": 2 ** 40, "gid": 0}}))
    p = rt("exec", "--process", str(f), running, check=False)
    assert p.returncode != 0
    assert re.search(r"\buser\.uid\b", p.stderr) and "1099511627776" in p.stderr, p.stderr


def test_update_resources_number_is_refused_naming_the_field(rt, running, tmp_path):
    f = tmp_path / "resources.json"
    f.write_text(dumps({"pids": {"limit": 2 ** 63}}))
    p = rt("update", "--resources", str(f), running, check=False)
    assert p.returncode != 0
    assert re.search(r"\bpids\.limit\b", p.stderr) and "9223372036854775808" in p.stderr, p.stderr


@swiftrun_only_because("keeps its state elsewhere (state.json has another format)")
def test_state_file_number_is_refused_naming_the_field(rt, running):
    path = os.path.join(rt.root, running, "state.json")
    with open(path) as f:
        original = f.read()
    try:
        with open(path, "w") as f:
            f.write(re.sub(r'"pid":\d+', '"pid":1099511627776', original))
        p = rt("state", running, check=False)
        assert p.returncode != 0
        assert "state.json: pid: 1099511627776 is out of range for int32" in p.stderr, p.stderr
    finally:
        with open(path, "w") as f:
            f.write(original)


# --- repeated keys ------------------------------------------------------------------------

def run_ok(rt, b, doc):
    write_config(b, doc)
    p = start(rt, "run", b, new_id())
    assert p.returncode == 0, "rc=%d stderr=%s" % (p.returncode, p.stderr)
    return p.stdout


def test_duplicate_args_last_wins(rt, bundle):
    b = bundle(copy_rootfs=False)
    doc = dict(b.config, process=dup_process(b, ("args", ["echo", "first"]), ("args", ["echo", "last"])))
    assert run_ok(rt, b, doc) == "last\n"


def test_duplicate_uid_last_wins(rt, bundle):
    b = bundle(copy_rootfs=False)
    b.args("sh", "-c", "id -u; id -g")
    b.process["user"] = Dup(("uid", 0), ("gid", 0), ("uid", 1234))
    assert run_ok(rt, b, b.config).split() == ["1234", "0"]


def test_duplicate_process_object_fills_the_same_struct(rt, bundle):
    # Go decodes the second "process" into the struct the first one filled: user and cwd stay.
    b = bundle(copy_rootfs=False)
    b.process["user"] = {"uid": 1000, "gid": 1000}
    b.process["cwd"] = "/tmp"
    doc = Dup(*(list(b.config.items()) + [("process", {"args": ["sh", "-c", "id -u; pwd"]})]))
    assert run_ok(rt, b, doc).split() == ["1000", "/tmp"]


def test_duplicate_rlimits_merge_element_by_element(rt, bundle):
    # The second array is decoded into the first one's elements: RLIMIT_NPROC takes the first
    # element's hard and soft values.
    b = bundle(copy_rootfs=False)
    b.args("sh", "-c", "ulimit -u")
    b.process["rlimits"] = [{"type": "RLIMIT_NOFILE", "hard": 777, "soft": 777}]
    doc = dict(b.config, process=dup_process(b, ("rlimits", [{"type": "RLIMIT_NPROC"}])))
    assert run_ok(rt, b, doc).strip() == "777"


def test_duplicate_sysctl_entry_last_wins(rt, bundle):
    b = bundle(copy_rootfs=False)
    b.args("cat", "/proc/sys/net/ipv4/ip_forward")
    b.config["linux"]["sysctl"] = Dup(("net.ipv4.ip_forward", "0"), ("net.ipv4.ip_forward", "1"))
    assert run_ok(rt, b, b.config).strip() == "1"


def test_duplicate_annotation_last_wins(rt, bundle):
    b = bundle(copy_rootfs=False)
    b.config["annotations"] = Dup(("org.example.k", "first"), ("org.example.other", "x"),
                                  ("org.example.k", "last"))
    write_config(b, b.config)
    cid = new_id()
    p = start(rt, "create", b, cid)
    assert p.returncode == 0, p.stderr
    assert rt.state(cid)["annotations"] == {"org.example.k": "last", "org.example.other": "x"}


def test_duplicate_exec_process_args_last_wins(rt, running, tmp_path):
    f = tmp_path / "process.json"
    f.write_text(dumps(Dup(("cwd", "/"), ("args", ["echo", "first"]), ("user", {"uid": 0, "gid": 0}),
                           ("env", ["PATH=/bin:/usr/bin"]), ("args", ["echo", "last"]))))
    assert rt("exec", "--process", str(f), running).stdout == "last\n"


@pytest.mark.parametrize("first", ["root", 2 ** 40], ids=["string", "out-of-range"])
def test_duplicate_key_every_occurrence_must_fit(rt, bundle, first):
    # Go checks each occurrence against the field's type, the one that loses too.
    b = bundle(copy_rootfs=False)
    b.process["user"] = Dup(("uid", first), ("uid", 0), ("gid", 0))
    write_config(b, b.config)
    cid = new_id()
    assert_refused(rt, start(rt, "run", b, cid), cid, r"process\.user\.uid")


@swiftrun_only_because("keeps the earlier value when a repeated key's later value is null for a "
                       "value-typed Go field (process.user), but clears pointer fields (resources, "
                       "limits); swiftrun refuses the combination instead of guessing")
def test_duplicate_key_null_after_value_is_refused(rt, bundle):
    b = bundle(copy_rootfs=False)
    doc = dict(b.config, process=dup_process(b, ("user", {"uid": 1000, "gid": 1000}), ("user", None)))
    write_config(b, doc)
    cid = new_id()
    p = start(rt, "run", b, cid)
    assert_refused(rt, p, cid, r"config\.json: process\.user: duplicate key with a null after a value")
