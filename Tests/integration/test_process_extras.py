"""Process extras: scheduler, ioPriority, execCPUAffinity, memoryPolicy,
personality, netDevices, intelRdt, LSM labels, idmapped mounts.

Tests marked `needs_wiring` check what the runtime does with the Runtime module's
ProcessAttributes / LSM / NetDevices / IntelRdt / IdmappedMounts entry points; runc
1.1.5 lacks most of these features, so they are skipped for runc.
"""

import os
import platform
import shutil
import subprocess

import pytest

from helpers import swiftrun_only_because, enable_userns, IS_RUNC, new_id

needs_wiring = pytest.mark.skipif(
    IS_RUNC, reason="swiftrun-only: runc 1.1.5 lacks scheduler/ioPriority/netDevices/"
                    "memoryPolicy/execCPUAffinity support or words its errors differently")

IP = shutil.which("ip")
NSENTER = shutil.which("nsenter")


def _run_ok(rt, b, *extra, **kw):
    p = rt.run(b, new_id(), *extra, **kw)
    assert p.returncode == 0, "rc=%d stdout=%s stderr=%s" % (p.returncode, p.stdout, p.stderr)
    return p.stdout


def _run_fails(rt, b, *want):
    p = rt.run(b, new_id())
    assert p.returncode != 0, "unexpected success: %s" % p.stdout
    for w in want:
        assert w in p.stderr, "%r not in stderr: %s" % (w, p.stderr)
    return p


def _stat_fields(line):
    """Fields of /proc/PID/stat after the command name; field N is [N-3]."""
    return line.rsplit(")", 1)[1].split()


def _status(text):
    d = {}
    for l in text.splitlines():
        if ":" in l:
            k, v = l.split(":", 1)
            d[k.strip()] = v.strip()
    return d


def _started(rt, b, cid=None):
    """create + start a long-running container; returns (cid, host pid)."""
    cid = cid or new_id()
    rt.create(b, cid)
    pid = rt.state(cid)["pid"]
    rt("start", cid)
    rt.wait_status(cid, "running")
    return cid, pid


# --- process.scheduler ------------------------------------------------------

@needs_wiring
def test_scheduler_batch_and_nice(rt, bundle):
    b = bundle().args("cat", "/proc/self/stat")
    b.process["scheduler"] = {"policy": "SCHED_BATCH", "nice": 5}
    f = _stat_fields(_run_ok(rt, b))
    assert f[41 - 3] == "3", "policy field: %s" % f[41 - 3]   # SCHED_BATCH
    assert f[19 - 3] == "5", "nice field: %s" % f[19 - 3]


@needs_wiring
def test_scheduler_idle(rt, bundle):
    b = bundle().args("cat", "/proc/self/stat")
    b.process["scheduler"] = {"policy": "SCHED_IDLE"}
    assert _stat_fields(_run_ok(rt, b))[41 - 3] == "5"


@needs_wiring
def test_scheduler_fifo_priority(rt, bundle):
    b = bundle().args("cat", "/proc/self/stat")
    b.process["scheduler"] = {"policy": "SCHED_FIFO", "priority": 10}
    # With RT group scheduling (v1 cpu controller) a new cgroup has no realtime budget.
    if os.path.exists("/sys/fs/cgroup/cpu/cpu.rt_runtime_us"):
        b.config["linux"]["resources"] = {"cpu": {"realtimePeriod": 1000000, "realtimeRuntime": 10000}}
    f = _stat_fields(_run_ok(rt, b))
    assert f[41 - 3] == "1"
    assert f[40 - 3] == "10"   # rt_priority


@needs_wiring
def test_scheduler_bad_priority_names_field(rt, bundle):
    b = bundle()
    b.process["scheduler"] = {"policy": "SCHED_RR", "priority": 0}
    _run_fails(rt, b, "process.scheduler.priority")


# --- process.ioPriority -----------------------------------------------------

@needs_wiring
@pytest.mark.skipif(not shutil.which("ionice"), reason="needs util-linux ionice on the host")
def test_io_priority_best_effort(rt, bundle):
    b = bundle().args("sleep", "100")
    b.process["ioPriority"] = {"class": "IOPRIO_CLASS_BE", "priority": 6}
    _, pid = _started(rt, b)
    out = subprocess.run(["ionice", "-p", str(pid)], capture_output=True, text=True).stdout
    assert out.strip() == "best-effort: prio 6", out


@needs_wiring
@pytest.mark.skipif(not shutil.which("ionice"), reason="needs util-linux ionice on the host")
def test_io_priority_idle(rt, bundle):
    b = bundle().args("sleep", "100")
    b.process["ioPriority"] = {"class": "IOPRIO_CLASS_IDLE", "priority": 0}
    _, pid = _started(rt, b)
    out = subprocess.run(["ionice", "-p", str(pid)], capture_output=True, text=True).stdout
    assert out.strip() == "idle", out


# --- process.execCPUAffinity --------------------------------------------------

@needs_wiring
def test_exec_cpu_affinity_final(rt, bundle):
    b = bundle().args("cat", "/proc/self/status")
    b.process["execCPUAffinity"] = {"final": "0"}
    assert _status(_run_ok(rt, b))["Cpus_allowed_list"] == "0"


@needs_wiring
@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs 2 CPUs")
def test_exec_cpu_affinity_initial_then_final(rt, bundle):
    b = bundle().args("cat", "/proc/self/status")
    b.process["execCPUAffinity"] = {"initial": "1", "final": "0-1"}
    assert _status(_run_ok(rt, b))["Cpus_allowed_list"] == "0-1"
    # Without final the process keeps the initial placement.
    b.process["execCPUAffinity"] = {"initial": "1"}
    assert _status(_run_ok(rt, b))["Cpus_allowed_list"] == "1"


@needs_wiring
def test_exec_cpu_affinity_offline_cpu_fails(rt, bundle):
    b = bundle()
    b.process["execCPUAffinity"] = {"final": "4000"}
    _run_fails(rt, b, "process.execCPUAffinity.final")


# --- linux.personality --------------------------------------------------------

@needs_wiring
@pytest.mark.skipif(platform.machine() != "x86_64", reason="LINUX32 shows i686 on x86_64 hosts")
def test_personality_linux32(rt, bundle):
    b = bundle().args("uname", "-m")
    b.config["linux"]["personality"] = {"domain": "LINUX32"}
    assert _run_ok(rt, b).strip() == "i686"
    b.config["linux"]["personality"] = {"domain": "LINUX"}
    assert _run_ok(rt, b).strip() == "x86_64"


# --- linux.memoryPolicy ---------------------------------------------------------

@needs_wiring
@pytest.mark.skipif(not os.path.exists("/proc/self/numa_maps"), reason="kernel without NUMA")
def test_memory_policy_bind(rt, bundle):
    b = bundle().sh("head -n 3 /proc/self/numa_maps")
    b.config["linux"]["memoryPolicy"] = {"mode": "MPOL_BIND", "nodes": "0"}
    out = _run_ok(rt, b)
    assert "bind:0" in out, out


@needs_wiring
@pytest.mark.skipif(not os.path.exists("/proc/self/numa_maps"), reason="kernel without NUMA")
def test_memory_policy_interleave_static(rt, bundle):
    b = bundle().sh("head -n 3 /proc/self/numa_maps")
    b.config["linux"]["memoryPolicy"] = {"mode": "MPOL_INTERLEAVE", "nodes": "0",
                                         "flags": ["MPOL_F_STATIC_NODES"]}
    out = _run_ok(rt, b)
    assert "interleave=static:0" in out, out


@needs_wiring
def test_memory_policy_bind_without_nodes_fails(rt, bundle):
    b = bundle()
    b.config["linux"]["memoryPolicy"] = {"mode": "MPOL_BIND"}
    _run_fails(rt, b, "linux.memoryPolicy.nodes")


# --- LSM ----------------------------------------------------------------------

def _apparmor_enabled():
    try:
        with open("/sys/module/apparmor/parameters/enabled") as f:
            return f.read().startswith("Y")
    except OSError:
        return False


@needs_wiring
@pytest.mark.skipif(_apparmor_enabled(), reason="AppArmor is enabled here")
def test_apparmor_profile_without_apparmor_is_an_error(rt, bundle):
    b = bundle()
    b.process["apparmorProfile"] = "docker-default"
    _run_fails(rt, b, "process.apparmorProfile: AppArmor is not enabled on this host")


@needs_wiring
@pytest.mark.skipif(os.path.exists("/sys/fs/selinux/enforce"), reason="SELinux is enabled here")
def test_selinux_label_without_selinux_is_an_error(rt, bundle):
    b = bundle()
    b.process["selinuxLabel"] = "system_u:system_r:container_t:s0:c1,c2"
    _run_fails(rt, b, "process.selinuxLabel: SELinux is not enabled on this host")


@pytest.mark.skipif(os.path.exists("/sys/fs/selinux/enforce"), reason="SELinux is enabled here")
@swiftrun_only_because("passes mountLabel to the kernel without SELinux and fails")
def test_mount_label_without_selinux_is_ignored(rt, bundle):
    b = bundle().args("true")
    b.config["linux"]["mountLabel"] = "system_u:object_r:container_file_t:s0:c1,c2"
    _run_ok(rt, b)


# --- linux.intelRdt -------------------------------------------------------------

@needs_wiring
@pytest.mark.skipif(os.path.ismount("/sys/fs/resctrl"), reason="resctrl is mounted here")
def test_intel_rdt_without_resctrl_is_an_error(rt, bundle):
    b = bundle()
    b.config["linux"]["intelRdt"] = {"closID": "swiftrun-test", "schemata": ["L3:0=f"]}
    _run_fails(rt, b, "linux.intelRdt: resctrl is not mounted on this host")


# --- linux.netDevices -------------------------------------------------------------

@pytest.fixture
def veth():
    """A veth pair on the host; yields (end to move, peer). Deleted afterwards."""
    if not IP:
        pytest.skip("needs iproute2 on the host")
    tag = new_id("")[-6:]
    a, p = "swra" + tag, "swrp" + tag
    r = subprocess.run([IP, "link", "add", a, "type", "veth", "peer", "name", p],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip("cannot create a veth pair: " + r.stderr)
    subprocess.run([IP, "addr", "add", "10.213.5.1/24", "dev", a], check=True)
    yield a, p
    subprocess.run([IP, "link", "del", p], capture_output=True)
    subprocess.run([IP, "link", "del", a], capture_output=True)


def _host_has(dev):
    return subprocess.run([IP, "link", "show", dev], capture_output=True).returncode == 0


@needs_wiring
def test_net_device_moved_renamed_up_with_address(rt, bundle, veth):
    dev, _ = veth
    b = bundle().args("sleep", "100")
    b.config["linux"]["netDevices"] = {dev: {"name": "eth1"}}
    cid = new_id()
    rt.create(b, cid)
    assert not _host_has(dev), "%s still on the host after create" % dev
    pid = rt.state(cid)["pid"]
    rt("start", cid)
    if NSENTER:
        link = subprocess.run([NSENTER, "-t", str(pid), "-n", IP, "-o", "link", "show", "eth1"],
                              capture_output=True, text=True).stdout
        assert "UP" in link, link
        addr = subprocess.run([NSENTER, "-t", str(pid), "-n", IP, "-o", "addr", "show", "eth1"],
                              capture_output=True, text=True).stdout
        assert "10.213.5.1/24" in addr, addr


@needs_wiring
def test_net_device_seen_inside(rt, bundle, veth):
    dev, _ = veth
    b = bundle().sh("ip -o link show; ip -o addr show")
    b.config["linux"]["netDevices"] = {dev: {"name": "eth1"}}
    out = _run_ok(rt, b)
    assert ": eth1" in out and "10.213.5.1/24" in out, out
    assert dev not in out


@needs_wiring
def test_net_device_keeps_name_without_name(rt, bundle, veth):
    dev, _ = veth
    b = bundle().sh("ip -o link show")
    b.config["linux"]["netDevices"] = {dev: {}}
    assert ": %s" % dev in _run_ok(rt, b)


@needs_wiring
def test_net_device_missing_is_an_error(rt, bundle):
    b = bundle()
    b.config["linux"]["netDevices"] = {"swr-nope9": {"name": "eth1"}}
    # The log quotes the message (logfmt escapes its double quotes).
    p = _run_fails(rt, b, "linux.netDevices[", "swr-nope9", "]: no such device")
    assert "no such device" in p.stderr


@needs_wiring
def test_net_device_needs_network_namespace(rt, bundle, veth):
    dev, _ = veth
    b = bundle()
    b.remove_ns("network")
    b.config["linux"]["netDevices"] = {dev: {"name": "eth1"}}
    _run_fails(rt, b, "linux.netDevices")
    assert _host_has(dev)


# --- idmapped mounts ------------------------------------------------------------

def _owned_dir(b, name, uid):
    d = b.hostdir(name, mode=0o755)
    with open(os.path.join(d, "file"), "w") as f:
        f.write("x")
    os.mkdir(os.path.join(d, "sub"))
    for p in (d, os.path.join(d, "file"), os.path.join(d, "sub")):
        os.chown(p, uid, uid)
    return d


def _idmapped(b, dest, src, options, uid_map=None):
    m = {"destination": dest, "type": "bind", "source": src, "options": options}
    if uid_map:
        m["uidMappings"] = uid_map
        m["gidMappings"] = uid_map
    b.config["mounts"].append(m)


@swiftrun_only_because("has no idmapped mounts")
def test_idmapped_bind_mount_ownership(rt, bundle):
    b = bundle().sh("ls -ln /mnt")
    src = _owned_dir(b, "idsrc", 1000)
    # Disk 1000 shows as 0 through the mount (containerID = on disk, hostID = seen).
    _idmapped(b, "/mnt", src, ["bind", "idmap"], [{"containerID": 1000, "hostID": 0, "size": 1}])
    out = _run_ok(rt, b)
    lines = [l.split() for l in out.splitlines() if l.split()[-1:] in (["file"], ["sub"])]
    assert len(lines) == 2, out
    for l in lines:
        assert (l[2], l[3]) == ("0", "0"), out
    st = os.stat(os.path.join(src, "file"))
    assert (st.st_uid, st.st_gid) == (1000, 1000)


@swiftrun_only_because("has no idmapped mounts")
def test_idmapped_mappings_imply_idmap(rt, bundle):
    b = bundle().sh("stat -c %u:%g /mnt/file; touch /mnt/new")
    src = _owned_dir(b, "idsrc2", 2000)
    _idmapped(b, "/mnt", src, ["rbind"], [{"containerID": 2000, "hostID": 0, "size": 1}])
    assert _run_ok(rt, b).strip() == "0:0"
    st = os.stat(os.path.join(src, "new"))
    assert (st.st_uid, st.st_gid) == (2000, 2000)


@swiftrun_only_because("has no idmapped mounts and ignores the option")
def test_idmap_without_mappings_or_userns_is_an_error(rt, bundle):
    b = bundle()
    src = _owned_dir(b, "idsrc3", 1000)
    _idmapped(b, "/mnt", src, ["bind", "idmap"])
    _run_fails(rt, b, "user namespace")


def _userns(b):
    enable_userns(b)


@needs_wiring
def test_idmapped_bind_in_user_namespace_uses_container_maps(rt, bundle):
    b = bundle().sh("stat -c %u:%g /mnt/file /mnt/rootfile")
    _userns(b)
    src = _owned_dir(b, "idsrc4", 1000)
    with open(os.path.join(src, "rootfile"), "w") as f:
        f.write("r")
    os.mkdir(os.path.join(b.rootfs, "mnt"))
    _idmapped(b, "/mnt", src, ["rbind", "idmap"])
    # Disk 1000 -> host 101000 -> 1000 in the container; disk 0 -> 0.
    assert _run_ok(rt, b).split() == ["1000:1000", "0:0"]
