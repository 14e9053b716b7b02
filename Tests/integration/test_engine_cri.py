"""Kubernetes' path: containerd's CRI plugin with swiftrun as the runtime of the `swiftrun` runtime
handler (containerd-shim-runc-v2 with BinaryName = swiftrun), driven over the CRI v1 gRPC API the way
the kubelet drives it (cri_client.py): RunPodSandbox, CreateContainer/StartContainer in the sandbox,
ExecSync, ContainerStatus, StopContainer/RemoveContainer, StopPodSandbox/RemovePodSandbox.

A private containerd (own root, state, socket, CNI config and runtime state root in a temp dir) is
started for the module and stopped after it. Images are imported locally (no registry): the busybox
rootfs as the workload image and as the pod's sandbox ("pause") image. Pod networking is CNI's bridge
plugin on a private bridge and subnet with host-local IPAM in the temp dir (no gateway, no
masquerading, no iptables rules); the bridge is removed afterwards. `restrict_oom_score_adj` is set
because this machine lacks CAP_SYS_RESOURCE: the sandbox's oomScoreAdj -998 is refused by the kernel
(runc 1.1.5 fails the same way), so containerd clamps it to its own score.
Skipped, with the reason, when containerd, its CNI plugins or grpcio are missing (make deps installs
them)."""

import glob
import json
import os
import shutil
import signal
import subprocess
import time

import pytest

from helpers import BINARY, new_id, oci_image_archive, wait_for

try:
    import grpc
    import cri_client as cri
except ImportError:  # pragma: no cover - make deps installs grpcio
    grpc = None

CONTAINERD = shutil.which("containerd")
CTR = shutil.which("ctr")
CNI_BIN = "/usr/lib/cni"
HANDLER = "swiftrun"
IMAGE = "localhost/swiftrun-cri:1"
PAUSE = "localhost/swiftrun-cri-pause:1"

pytestmark = [
    pytest.mark.skipif(not (CONTAINERD and CTR and shutil.which("containerd-shim-runc-v2")),
                       reason="containerd is not installed (apt-get install containerd)"),
    pytest.mark.skipif(not os.path.exists(os.path.join(CNI_BIN, "loopback")),
                       reason="CNI plugins are not installed (apt-get install containernetworking-plugins)"),
    pytest.mark.skipif(grpc is None, reason="grpcio is not installed (pip install grpcio)"),
]

CONFIG = """version = 2
root = "{base}/root"
state = "{base}/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
                    "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "{base}/containerd.sock"

[ttrpc]
  address = "{base}/containerd.sock.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "{base}/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{pause}"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  disable_apparmor = true
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "native"
    default_runtime_name = "{handler}"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.{handler}]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.{handler}.options]
        BinaryName = "{binary}"
        Root = "{base}/runtime-root"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "{cni_bin}"
    conf_dir = "{base}/cni"
"""


class CRI:
    def __init__(self, base, service, runtime_root, cgroup_parent, ctr):
        self.base = base
        self.rs = service
        self.runtime_root = runtime_root
        self.cgroup_parent = cgroup_parent
        self.ctr = ctr

    def runtime_list(self):
        """The containers swiftrun itself knows about (the shim's --root for namespace k8s.io)."""
        root = os.path.join(self.runtime_root, "k8s.io")
        if not os.path.isdir(root):
            return []
        p = subprocess.run([BINARY, "--root", root, "list", "--format", "json"], capture_output=True,
                           text=True, timeout=30)
        assert p.returncode == 0, p.stderr
        return json.loads(p.stdout or "[]") or []

    def pod(self, name, **kw):
        uid = new_id("uid")
        config = cri.RuntimeService.sandbox_config(
            name, uid, hostname=kw.pop("hostname", name), cgroup_parent=self.cgroup_parent,
            log_directory=os.path.join(self.base, "logs", uid), **kw)
        os.makedirs(os.path.join(self.base, "logs", uid))
        sid = self.rs.run_pod_sandbox(config, HANDLER)
        return sid, config

    def container(self, sid, sandbox_config, name, command, args=(), start=True, **kw):
        config = cri.RuntimeService.container_config(name, IMAGE, command, args,
                                                     log_path=name + ".log", **kw)
        cid = self.rs.create_container(sid, config, sandbox_config)
        if start:
            self.rs.start_container(cid)
        return cid

    def teardown_pod(self, sid):
        self.rs.stop_pod_sandbox(sid)
        self.rs.remove_pod_sandbox(sid)


@pytest.fixture(scope="module")
def crid(tmp_path_factory, rootfs):
    base = str(tmp_path_factory.mktemp("cri"))
    os.makedirs(base + "/cni")
    bridge = "srcri" + new_id()[-8:]
    subnet = "10.%d.%d.0/24" % (200 + os.getpid() % 50, os.getpid() // 50 % 250)
    with open(base + "/cni/10-swiftrun.conflist", "w") as f:
        json.dump({"cniVersion": "0.4.0", "name": "swiftrun-cri", "plugins": [{
            "type": "bridge", "bridge": bridge, "isGateway": False, "ipMasq": False,
            "ipam": {"type": "host-local", "subnet": subnet, "dataDir": base + "/ipam"}}]}, f)
    with open(base + "/config.toml", "w") as f:
        f.write(CONFIG.format(base=base, pause=PAUSE, handler=HANDLER, binary=BINARY, cni_bin=CNI_BIN))
    sock = base + "/containerd.sock"
    log = open(base + "/containerd.log", "w")
    daemon = subprocess.Popen([CONTAINERD, "--config", base + "/config.toml"], stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    cgroup_parent = "/swiftrun-cri-" + new_id()

    def ctr(*args):
        p = subprocess.run([CTR, "-a", sock, "-n", "k8s.io"] + list(args), capture_output=True,
                           text=True, timeout=120, stdin=subprocess.DEVNULL)
        assert p.returncode == 0, "ctr %s failed: %s" % (" ".join(args), p.stderr)
        return p.stdout

    service = None
    try:
        assert wait_for(lambda: os.path.exists(sock), timeout=30), open(base + "/containerd.log").read()
        service = cri.RuntimeService(sock)
        assert wait_for(lambda: _ready(service), timeout=30), open(base + "/containerd.log").read()
        ctr("image", "import", "--snapshotter", "native",
            oci_image_archive(rootfs, base + "/image.tar", IMAGE) and base + "/image.tar")
        ctr("image", "import", "--snapshotter", "native",
            oci_image_archive(rootfs, base + "/pause.tar", PAUSE, cmd=("sleep", "2147483647"))
            and base + "/pause.tar")
        assert wait_for(lambda: service.image_present(IMAGE) and service.image_present(PAUSE),
                        timeout=30), "the CRI plugin does not see the imported images"
        yield CRI(base, service, base + "/runtime-root", cgroup_parent, ctr)
    finally:
        if service is not None:
            try:
                for sid in service.list_pod_sandbox_ids():
                    service.stop_pod_sandbox(sid)
                    service.remove_pod_sandbox(sid)
            except grpc.RpcError:
                pass
            service.close()
        os.killpg(daemon.pid, signal.SIGTERM)
        try:
            daemon.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.wait()
        # Shims outlive containerd by design; each was started for this daemon's socket.
        for shim in _pids_with_arg(base):
            try:
                os.kill(shim, signal.SIGKILL)
            except ProcessLookupError:
                pass
        subprocess.run(["ip", "link", "delete", bridge], capture_output=True)
        # The runtime removes each container's own cgroup; the pod parent is ours.
        for d in sorted(glob.glob("/sys/fs/cgroup/*" + cgroup_parent), reverse=True):
            for sub in sorted(glob.glob(d + "/*/"), reverse=True):
                _rmdir(sub)
            _rmdir(d)


def _ready(service):
    try:
        service.version()
        return True
    except grpc.RpcError:
        return False


def _rmdir(d):
    try:
        os.rmdir(d)
    except OSError:
        pass


def _pids_with_arg(text):
    out = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open("/proc/%s/cmdline" % p, "rb") as f:
                    if text.encode() in f.read():
                        out.append(int(p))
            except OSError:
                pass
    return out


def _state(crid, cid):
    return crid.rs.container_status(cid)["state"]


def test_cri_version_names_containerd(crid):
    v = crid.rs.version()
    assert v["runtime_name"] == "containerd" and v["runtime_api_version"] == "v1", v


def test_cri_pod_sandbox_and_container_lifecycle(crid):
    """RunPodSandbox -> CreateContainer/StartContainer -> ExecSync -> ContainerStatus ->
    StopContainer/RemoveContainer -> StopPodSandbox/RemovePodSandbox, every step done by swiftrun."""
    sid, sconf = crid.pod("lifecycle", hostname="cri-pod")
    try:
        st = crid.rs.pod_sandbox_status(sid)
        assert st["state"] == cri.SANDBOX_READY and st["runtime_handler"] == HANDLER, st
        ids = {c["id"]: c for c in crid.runtime_list()}
        assert sid in ids and ids[sid]["status"] == "running", ids

        cid = crid.container(sid, sconf, "app", ["sh", "-c", "echo started; exec sleep 300"])
        assert _state(crid, cid) == cri.CONTAINER_RUNNING
        assert {c["id"] for c in crid.runtime_list()} >= {sid, cid}

        out, err, code = crid.rs.exec_sync(cid, ["sh", "-c", "echo out; echo err >&2; hostname; exit 3"])
        assert (out.split(), err.strip(), code) == (["out", "cri-pod"], "err", 3)
        # The container's log, written by the shim from swiftrun's stdio pipes, in the CRI log format.
        log = os.path.join(crid.base, "logs")
        logs = glob.glob(log + "/*/app.log")
        assert logs and wait_for(lambda: "stdout F started" in open(logs[0]).read()), logs

        crid.rs.stop_container(cid, timeout=2)
        status = crid.rs.container_status(cid)
        assert status["state"] == cri.CONTAINER_EXITED and status["exit_code"] == 137, status
        crid.rs.remove_container(cid)
        assert cid not in {c["id"] for c in crid.runtime_list()}
    finally:
        crid.teardown_pod(sid)
    assert crid.runtime_list() == []
    assert sid not in crid.rs.list_pod_sandbox_ids()


def test_cri_container_exit_code_and_reason(crid):
    sid, sconf = crid.pod("exits")
    try:
        cid = crid.container(sid, sconf, "exits", ["sh", "-c", "exit 7"])
        assert wait_for(lambda: _state(crid, cid) == cri.CONTAINER_EXITED, timeout=20)
        status = crid.rs.container_status(cid)
        assert (status["exit_code"], status["reason"]) == (7, "Error"), status
        crid.rs.remove_container(cid)
    finally:
        crid.teardown_pod(sid)


def test_cri_two_containers_share_the_pod_network(crid):
    """Containers of one pod join the sandbox's network, IPC and UTS namespaces by path: a server in
    one is reachable on 127.0.0.1 from the other; each has its own pid namespace (the default)."""
    sid, sconf = crid.pod("shared", hostname="cri-shared")
    try:
        server = crid.container(sid, sconf, "server", ["sh", "-c",
                                "mkdir -p /www && echo hello-from-pod > /www/index.html && "
                                "exec httpd -f -p 127.0.0.1:8080 -h /www"])
        client = crid.container(sid, sconf, "client", ["sleep", "300"])
        ns = {}
        for cid in (server, client):
            out, err, code = crid.rs.exec_sync(cid, ["sh", "-c", "for n in net ipc uts pid; do "
                                               "readlink /proc/self/ns/$n; done"])
            assert code == 0, err
            ns[cid] = out.split()
        assert ns[server][:3] == ns[client][:3], ns
        assert ns[server][3] != ns[client][3], ns
        out, err, code = crid.rs.exec_sync(client, ["sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do "
                                           "wget -q -O- http://127.0.0.1:8080/ && exit 0; sleep 0.3; "
                                           "done; exit 1"])
        assert (code, out.strip()) == (0, "hello-from-pod"), err
        out, _, _ = crid.rs.exec_sync(client, ["hostname"])
        assert out.strip() == "cri-shared"
    finally:
        crid.teardown_pod(sid)
    assert crid.runtime_list() == []


def test_cri_pod_shared_pid_namespace(crid):
    """shareProcessNamespace: the pod's pid namespace (the sandbox's) is joined by path, so a
    container sees the pause process and its sibling."""
    sid, sconf = crid.pod("sharedpid", pid=cri.POD)
    try:
        a = crid.container(sid, sconf, "a", ["sleep", "301"], pid=cri.POD)
        b = crid.container(sid, sconf, "b", ["sleep", "302"], pid=cri.POD)
        out, err, code = crid.rs.exec_sync(b, ["ps", "-o", "pid,args"])
        assert code == 0, err
        assert "sleep 2147483647" in out and "sleep 301" in out and "sleep 302" in out, out
        assert out.splitlines()[1].split()[0] == "1", out
        del a
    finally:
        crid.teardown_pod(sid)
    assert crid.runtime_list() == []


def test_cri_run_as_user_and_env(crid):
    sid, sconf = crid.pod("user")
    try:
        cid = crid.container(sid, sconf, "user", ["sleep", "300"], run_as_user=65534,
                             env={"GREETING": "hi-cri"}, working_dir="/tmp")
        out, err, code = crid.rs.exec_sync(cid, ["sh", "-c", "id -u; echo $GREETING; pwd"])
        assert (code, out.split()) == (0, ["65534", "hi-cri", "/tmp"]), err
    finally:
        crid.teardown_pod(sid)
