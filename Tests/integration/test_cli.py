"""Global flags, logging, invocation environment, spec and features."""

import json
import os
import subprocess

import pytest

from helpers import BINARY, IS_RUNC, new_id, swiftrun_only_because


def _run(argv, **kw):
    kw.setdefault("stdin", subprocess.DEVNULL)
    kw.setdefault("timeout", 30)
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, **kw)


def test_version_exits_zero():
    p = _run([BINARY, "--version"])
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip()
    assert "spec" in p.stdout.lower() or "version" in p.stdout.lower()


def test_help_exits_zero():
    p = _run([BINARY, "--help"])
    assert p.returncode == 0, p.stderr
    for verb in ("create", "start", "state", "kill", "delete", "run", "list", "spec"):
        assert verb in p.stdout, "--help does not mention %s" % verb


def _flag_orders(root, log):
    return {
        "eq-format-then-log": ["--log-format=json", "--log", log, "--root", root],
        "root-log-format": ["--root", root, "--log", log, "--log-format", "json"],
        "all-equals": ["--root=%s" % root, "--log=%s" % log, "--log-format=json"],
        "format-first": ["--log-format", "json", "--root=%s" % root, "--log=%s" % log],
    }


@pytest.mark.parametrize("order", ["eq-format-then-log", "root-log-format",
                                   "all-equals", "format-first"])
def test_global_flags_any_order_and_forms(rt, bundle, tmp_path, order):
    b = bundle().args("sleep", "30")
    b.save()
    log = str(tmp_path / "log.json")
    cid = new_id()
    rt.ids.add(cid)
    flags = _flag_orders(rt.root, log)[order]
    with open(tmp_path / "o", "w") as o:
        p = subprocess.run([BINARY] + flags + ["create", "--bundle", b.path, cid],
                           stdin=subprocess.DEVNULL, stdout=o, stderr=o, timeout=30)
    assert p.returncode == 0, open(tmp_path / "o").read()
    assert rt.status(cid) == "created"  # it used the given --root
    # a failing command logs JSON to the given file
    p = _run([BINARY] + flags + ["start", "no-such-" + cid])
    assert p.returncode != 0
    lines = [l for l in open(log).read().splitlines() if l.strip()]
    assert lines, "nothing logged to --log"
    last = json.loads(lines[-1])
    assert last["level"] == "error"


def test_log_json_lines_have_level_msg_time(rt, bundle, tmp_path):
    log = tmp_path / "log.json"
    b = bundle().args("/nonexistent")
    rt.create(b, new_id(), check=False, log=log)
    rt("kill", new_id(), "KILL", check=False, log=log)
    lines = [l for l in log.read_text().splitlines() if l.strip()]
    assert len(lines) >= 2
    for l in lines:
        obj = json.loads(l)
        for key in ("level", "msg", "time"):
            assert key in obj, "log line lacks %s: %s" % (key, l)


def test_runtime_with_empty_environment(rt, bundle, tmp_path):
    b = bundle().sh("echo hi-from-empty-env")
    b.save()
    cid = new_id()
    rt.ids.add(cid)
    p = _run(rt.cmd("run", "--bundle", b.path, cid), env={})
    assert p.returncode == 0, p.stderr
    assert "hi-from-empty-env" in p.stdout


def test_unknown_verb_fails(rt):
    p = rt("no-such-verb", check=False)
    assert p.returncode != 0


@pytest.mark.parametrize("argv", [["no-such-verb", "--help"], ["checkpointx", "--help"],
                                  ["--debug", "no-such-verb"], ["--log-format", "json", "frobnicate", "-h"]])
def test_help_of_an_unknown_verb_fails(rt, argv):
    # podman probes `RUNTIME checkpoint --help` and takes exit 0 as "supported"; runc exits 3
    # with "No help topic for 'X'".
    p = rt(*argv, check=False)
    assert p.returncode != 0, p.stdout
    assert "No help topic for '%s'" % [a for a in argv if not a.startswith("-") and a != "json"][0] in p.stderr


def test_state_of_nonexistent_fails(rt):
    p = rt("state", new_id(), check=False)
    assert p.returncode != 0
    assert "not exist" in p.stderr or "not found" in p.stderr


# --- spec -----------------------------------------------------------------

def test_spec_writes_config_in_bundle(tmp_path):
    d = tmp_path / "b"
    d.mkdir()
    p = _run([BINARY, "spec", "--bundle", d])
    assert p.returncode == 0, p.stderr
    cfg = json.loads((d / "config.json").read_text())
    assert cfg["ociVersion"].startswith("1.")
    assert cfg["root"]["path"] == "rootfs"
    assert cfg["process"]["args"]
    types = {n["type"] for n in cfg["linux"]["namespaces"]}
    assert {"pid", "mount"} <= types
    assert "user" not in types


def test_spec_in_cwd(tmp_path):
    p = _run([BINARY, "spec"], cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    json.loads((tmp_path / "config.json").read_text())


def test_spec_refuses_to_overwrite(tmp_path):
    (tmp_path / "config.json").write_text("keep me")
    p = _run([BINARY, "spec", "--bundle", tmp_path])
    assert p.returncode != 0
    assert "exist" in p.stderr
    assert (tmp_path / "config.json").read_text() == "keep me"


def test_spec_rootless_adds_user_namespace(tmp_path):
    p = _run([BINARY, "spec", "--rootless", "--bundle", tmp_path])
    assert p.returncode == 0, p.stderr
    cfg = json.loads((tmp_path / "config.json").read_text())
    types = {n["type"] for n in cfg["linux"]["namespaces"]}
    assert "user" in types
    for key in ("uidMappings", "gidMappings"):
        maps = cfg["linux"][key]
        assert maps and {"containerID", "hostID", "size"} <= set(maps[0])


def test_spec_output_runs(rt, bundle):
    """The default `spec` (terminal off, args changed) runs the rootfs."""
    b = bundle()
    os.unlink(os.path.join(b.path, "config.json"))
    p = _run([BINARY, "spec", "--bundle", b.path])
    assert p.returncode == 0
    cfg = json.loads(open(os.path.join(b.path, "config.json")).read())
    cfg["process"]["terminal"] = False
    cfg["process"]["args"] = ["sh", "-c", "echo spec-ok"]
    b.config = cfg
    r = rt.run(b, new_id())
    assert r.returncode == 0, r.stderr
    assert "spec-ok" in r.stdout


# --- features ---------------------------------------------------------------

def test_features_json():
    p = _run([BINARY, "features"])
    assert p.returncode == 0, p.stderr
    f = json.loads(p.stdout)
    assert f["ociVersionMin"].startswith("1.")
    assert f["ociVersionMax"].startswith("1.")
    assert {"prestart", "createRuntime", "createContainer", "startContainer",
            "poststart", "poststop"} <= set(f["hooks"])
    assert "bind" in f["mountOptions"] and "ro" in f["mountOptions"]
    ns = set(f["linux"]["namespaces"])
    assert {"pid", "network", "ipc", "uts", "mount", "user", "cgroup"} <= ns


def test_features_reports_compiled_in_support_not_host_state():
    """features.md: apparmor/selinux/intelRdt say what the runtime supports, not whether this host
    has the LSM or resctrl enabled (neither is enabled here)."""
    f = json.loads(_run([BINARY, "features"]).stdout)["linux"]
    assert f["apparmor"]["enabled"] is True and f["selinux"]["enabled"] is True, f
    if not IS_RUNC:  # runc 1.1.5 does not report intelRdt
        assert f["intelRdt"]["enabled"] is True, f


@swiftrun_only_because("runc 1.1.5 has no potentiallyUnsafeConfigAnnotations")
def test_features_names_the_annotations_it_acts_on():
    """features.md: the annotations that change the runtime's behaviour are listed (a prefix ends
    with a dot): the systemd driver's unit properties and checkpoint's CRIU config file."""
    f = json.loads(_run([BINARY, "features"]).stdout)
    assert f["potentiallyUnsafeConfigAnnotations"] == ["org.systemd.property.", "org.criu.config"], f


@swiftrun_only_because("reports ociVersionMax 1.0.2-dev")
def test_features_oci_version_max_1_3():
    p = _run([BINARY, "features"])
    f = json.loads(p.stdout)
    assert f["ociVersionMax"].startswith("1.3")
    assert "time" in f["linux"]["namespaces"]


@swiftrun_only_because("reports ociVersionMax 1.0.2-dev and fields from an older schema")
def test_features_validates_against_schema():
    jsonschema = pytest.importorskip("jsonschema", reason="python jsonschema is not installed (make deps installs it)")
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4
    schema_dir = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared",
                                              "runtime-spec", "schema"))
    if not os.path.isdir(schema_dir):
        pytest.skip("runtime-spec schemas not found at %s" % schema_dir)
    resources = []
    for name in os.listdir(schema_dir):
        if name.endswith(".json"):
            with open(os.path.join(schema_dir, name)) as f:
                resources.append((name, Resource.from_contents(json.load(f), default_specification=DRAFT4)))
    registry = Registry().with_resources(resources)
    with open(os.path.join(schema_dir, "features-schema.json")) as f:
        schema = json.load(f)
    f = json.loads(_run([BINARY, "features"]).stdout)
    jsonschema.Draft4Validator(schema, registry=registry).validate(f)
    assert f["linux"]["seccomp"]["enabled"] is True
    assert "SCMP_ACT_NOTIFY" in f["linux"]["seccomp"]["actions"]
    assert f["linux"]["cgroup"]["v1"] is True and f["linux"]["cgroup"]["v2"] is True
    assert f["linux"]["mountExtensions"]["idmap"]["enabled"] is True
    assert f["linux"]["netDevices"]["enabled"] is True
