"""A small client of the Kubernetes CRI v1 gRPC API (k8s.io/cri-api runtime/v1), enough to drive
containerd's CRI plugin as the kubelet does: pod sandboxes, containers, ExecSync, statuses.

Messages are encoded by hand (protobuf wire format: varints and length-delimited fields, numbered as
in the CRI's api.proto) so that the only dependency is grpcio; no generated code, no protoc.
A message to send is a list of (field number, value) pairs: an int is a varint, a str/bytes is
length-delimited, a list is a nested message. A received message decodes to a Msg."""

import grpc

# NamespaceMode (api.proto)
POD, CONTAINER, NODE, TARGET = 0, 1, 2, 3
# ContainerState
CONTAINER_CREATED, CONTAINER_RUNNING, CONTAINER_EXITED, CONTAINER_UNKNOWN = 0, 1, 2, 3
# PodSandboxState
SANDBOX_READY, SANDBOX_NOTREADY = 0, 1


def _varint(n):
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def encode(fields):
    out = bytearray()
    for num, value in fields:
        if value is None:
            continue
        if isinstance(value, bool):
            value = int(value)
        if isinstance(value, int):
            out += _varint(num << 3 | 0) + _varint(value)
            continue
        if isinstance(value, str):
            value = value.encode()
        elif isinstance(value, list):
            value = encode(value)
        out += _varint(num << 3 | 2) + _varint(len(value)) + value
    return bytes(out)


def string_map(num, d):
    """A map<string, string> field: one entry message per key."""
    return [(num, [(1, k), (2, v)]) for k, v in sorted(d.items())]


class Msg:
    """A decoded message: field number -> list of raw values (int for varints, bytes otherwise)."""

    def __init__(self, data):
        self.fields = {}
        i = 0
        while i < len(data):
            key, i = self._read_varint(data, i)
            num, wire = key >> 3, key & 7
            if wire == 0:
                value, i = self._read_varint(data, i)
            elif wire == 2:
                n, i = self._read_varint(data, i)
                value, i = data[i:i + n], i + n
            elif wire == 1:
                value, i = data[i:i + 8], i + 8
            elif wire == 5:
                value, i = data[i:i + 4], i + 4
            else:
                raise ValueError("unsupported protobuf wire type %d" % wire)
            self.fields.setdefault(num, []).append(value)

    @staticmethod
    def _read_varint(data, i):
        shift = n = 0
        while True:
            b = data[i]
            i += 1
            n |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return n, i

    def int(self, num, default=0):
        v = self.fields.get(num, [default])[-1]
        return v - (1 << 64) if v >= 1 << 63 else v

    def bytes(self, num):
        return self.fields.get(num, [b""])[-1]

    def str(self, num):
        return self.bytes(num).decode()

    def msg(self, num):
        return Msg(self.bytes(num))

    def msgs(self, num):
        return [Msg(v) for v in self.fields.get(num, [])]

    def map(self, num):
        return {m.str(1): m.str(2) for m in self.msgs(num)}


class RuntimeService:
    """runtime.v1.RuntimeService over a unix socket."""

    def __init__(self, socket_path, timeout=60):
        self.channel = grpc.insecure_channel("unix://" + socket_path)
        self.timeout = timeout

    def close(self):
        self.channel.close()

    def call(self, method, fields, service="runtime.v1.RuntimeService", timeout=None):
        rpc = self.channel.unary_unary("/%s/%s" % (service, method),
                                       request_serializer=encode, response_deserializer=Msg)
        return rpc(fields, timeout=timeout or self.timeout)

    # --- versions and images
    def version(self):
        r = self.call("Version", [(1, "v1")])
        return {"version": r.str(1), "runtime_name": r.str(2), "runtime_version": r.str(3),
                "runtime_api_version": r.str(4)}

    def image_present(self, ref):
        r = self.call("ImageStatus", [(1, [(1, ref)])], service="runtime.v1.ImageService")
        return bool(r.msg(1).str(1))

    # --- pod sandboxes
    @staticmethod
    def sandbox_config(name, uid, namespace="default", hostname=None, log_directory=None,
                       cgroup_parent=None, network=POD, pid=CONTAINER, ipc=POD):
        ns_options = [(1, network), (2, pid), (3, ipc)]
        return [
            (1, [(1, name), (2, uid), (3, namespace), (4, 0)]),       # metadata
            (2, hostname),
            (3, log_directory),
            (8, [(1, cgroup_parent),                                  # linux
                 (2, [(1, ns_options)])]),                            # security_context
        ]

    def run_pod_sandbox(self, config, runtime_handler):
        return self.call("RunPodSandbox", [(1, config), (2, runtime_handler)]).str(1)

    def pod_sandbox_status(self, sandbox_id):
        s = self.call("PodSandboxStatus", [(1, sandbox_id)]).msg(1)
        return {"id": s.str(1), "state": s.int(3), "runtime_handler": s.str(9)}

    def stop_pod_sandbox(self, sandbox_id):
        self.call("StopPodSandbox", [(1, sandbox_id)])

    def remove_pod_sandbox(self, sandbox_id):
        self.call("RemovePodSandbox", [(1, sandbox_id)])

    def list_pod_sandbox_ids(self):
        return [m.str(1) for m in self.call("ListPodSandbox", []).msgs(1)]

    # --- containers
    @staticmethod
    def container_config(name, image, command, args=(), env=None, log_path=None, working_dir=None,
                         run_as_user=None, pid=CONTAINER):
        # As the kubelet: namespace options always sent (their zero value would mean pid POD).
        security = [(3, [(1, POD), (2, pid), (3, POD)])]
        if run_as_user is not None:
            security.append((5, [(1, run_as_user)]))
        return [
            (1, [(1, name), (2, 0)]),
            (2, [(1, image)]),
            *[(3, c) for c in command],
            *[(4, a) for a in args],
            (5, working_dir),
            *[(6, [(1, k), (2, v)]) for k, v in (env or {}).items()],
            (11, log_path),
            (15, [(2, security)]),
        ]

    def create_container(self, sandbox_id, config, sandbox_config):
        return self.call("CreateContainer", [(1, sandbox_id), (2, config), (3, sandbox_config)]).str(1)

    def start_container(self, container_id):
        self.call("StartContainer", [(1, container_id)])

    def stop_container(self, container_id, timeout=10):
        self.call("StopContainer", [(1, container_id), (2, timeout)])

    def remove_container(self, container_id):
        self.call("RemoveContainer", [(1, container_id)])

    def container_status(self, container_id):
        s = self.call("ContainerStatus", [(1, container_id)]).msg(1)
        return {"id": s.str(1), "name": s.msg(2).str(1), "state": s.int(3), "exit_code": s.int(7),
                "reason": s.str(10), "message": s.str(11), "log_path": s.str(15)}

    def exec_sync(self, container_id, cmd, timeout=30):
        r = self.call("ExecSync", [(1, container_id), *[(2, c) for c in cmd], (3, timeout)],
                      timeout=timeout + 30)
        return r.bytes(1).decode(), r.bytes(2).decode(), r.int(3)
