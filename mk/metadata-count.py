#!/usr/bin/env python3
"""Counts the Swift runtime's type-metadata work in each lifecycle verb (Docs/BENCHMARK.md).

    python3 mk/metadata-count.py [BINARY] [-v]      (root; gdb; default .build/release/swiftrun)

For `run`, `create`, `start`, `state`, `exec`, `list`, `kill` and `delete` it prints how many
protocol-conformance scans the runtime's process makes (each a walk over every conformance record
in the binary: a lookup the conformance cache cannot answer) and how many types it instantiates
from a mangled name (`__swift_instantiateConcreteTypeFromMangledName`: the demangler and the
metadata builder at run time), and the same for the child where there is one (the container init
of run/create, the exec child), counted from the clone on. -v lists each with its Swift caller.
The binary runs from a read-only bind mount, so that it does not re-execute itself (stage 1).
This file is also the gdb script (gdb runs it with -x; it then sets the breakpoints).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import gdb  # inside gdb: set the breakpoints
except ImportError:
    gdb = None

OUR_MODULES = ("7Runtime", "8swiftrun", "8OCISpec", "7Cgroups", "6Rootfs", "8LinuxSys", "7Seccomp")


def gdb_main():
    out = open(os.environ["METADATA_COUNT_OUT"], "a")

    def frames():
        f, names = gdb.newest_frame(), []
        while f is not None and len(names) < 40:
            names.append(f.name() or "?")
            f = f.older()
        return names

    def caller():
        names = frames()
        return next((n for n in names if any(m in n for m in OUR_MODULES)), " <- ".join(names[:6]))

    def resolve(addr, raw):
        """The mangled name with its symbolic references (1-0x17 + 4 bytes) replaced by symbols."""
        inf, text, i = gdb.selected_inferior(), [], 0
        while i < len(raw):
            c = raw[i]
            if 1 <= c <= 0x17 and i + 5 <= len(raw):
                target = addr + i + 1 + int.from_bytes(raw[i + 1:i + 5], "little", signed=True)
                if c == 2:  # indirect: a pointer to the descriptor
                    try:
                        target = int.from_bytes(inf.read_memory(target, 8).tobytes(), "little")
                    except gdb.error:
                        pass
                sym = gdb.execute("info symbol 0x%x" % target, to_string=True).split(" in section")[0]
                text.append("{%s}" % sym.split()[0])
                i += 5
            else:
                text.append(chr(c))
                i += 1
        return "".join(text)

    class LookupStart(gdb.Breakpoint):
        def stop(self):
            record.enabled = True  # the next per-record call is a scan
            return False

    class Record(gdb.Breakpoint):
        def stop(self):
            out.write("SCAN %d %s\n" % (gdb.selected_inferior().pid, caller()))
            out.flush()
            self.enabled = False
            return False

    class MangledName(gdb.Breakpoint):
        def stop(self):
            f = gdb.newest_frame().older()
            while f is not None and (f.name() or "").startswith("swift_getTypeByMangledNameInContext"):
                f = f.older()
            if f is None or f.name() != "__swift_instantiateConcreteTypeFromMangledName":
                return False  # part of another instantiation
            ptr, size = int(gdb.parse_and_eval("$rsi")), int(gdb.parse_and_eval("$rdx"))
            try:
                name = resolve(ptr, gdb.selected_inferior().read_memory(ptr, min(size, 200)).tobytes())
            except gdb.error as e:
                name = str(e)
            out.write("NAME %d %s %s\n" % (gdb.selected_inferior().pid, name, caller()))
            out.flush()
            return False

    LookupStart("*" + os.environ["METADATA_COUNT_LOOKUP"])
    record = Record("*" + os.environ["METADATA_COUNT_RECORD"])
    record.enabled = False
    MangledName("*" + os.environ["METADATA_COUNT_NAME"])


def symbol(binary, pattern):
    for line in subprocess.run(["nm", binary], capture_output=True, text=True, check=True).stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and re.search(pattern, parts[2]):
            return "0x" + parts[0]
    sys.exit("metadata-count: no symbol matching %s in %s" % (pattern, binary))


def inner(work):
    """In a private mount namespace: the binary on a read-only bind, the cgroup v2 view bench.py uses."""
    if os.path.exists("/sys/fs/cgroup/unified/cgroup.controllers") and \
            not os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
        subprocess.run(["mount", "--bind", "/sys/fs/cgroup/unified", "/sys/fs/cgroup"], check=True)
    bindir = os.path.join(work, "bin")
    subprocess.run(["mount", "--bind", "-o", "ro", bindir, bindir], check=True)
    exe, root = os.path.join(bindir, "swiftrun"), os.path.join(work, "root")

    def sr(cwd, *args):
        subprocess.run([exe, "--root", root] + list(args), cwd=cwd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)

    def counted(name, follow, cwd, *args, background=False):
        env = dict(os.environ, METADATA_COUNT_OUT=os.path.join(work, name + ".txt"))
        open(env["METADATA_COUNT_OUT"], "w").close()
        cmd = ["gdb", "-q", "-batch", "-ex", "set pagination off", "-ex", "set follow-fork-mode " + follow,
               "-ex", "set detach-on-fork on", "-x", os.path.abspath(__file__), "-ex", "run",
               "--args", exe, "--root", root] + list(args)
        p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not background:
            p.wait()
        return p

    true, sleep = os.path.join(work, "true"), os.path.join(work, "sleep")
    counted("run", "parent", true, "run", "m-run1")
    counted("run-child", "child", true, "run", "m-run2")
    counted("create", "parent", sleep, "create", "m-c")
    sr(sleep, "delete", "--force", "m-c")
    # The init stops in gdb until start; gdb then stays with the container's process until kill.
    init = counted("create-child", "child", sleep, "create", "m-c", background=True)
    for _ in range(600):
        if subprocess.run([exe, "--root", root, "state", "m-c"], capture_output=True).returncode == 0:
            break
        subprocess.run(["sleep", "0.1"])
    counted("start", "parent", sleep, "start", "m-c")
    counted("state", "parent", sleep, "state", "m-c")
    counted("exec", "parent", sleep, "exec", "m-c", "/bin/true")
    counted("exec-child", "child", sleep, "exec", "m-c", "/bin/true")
    counted("list", "parent", sleep, "list")
    counted("kill", "parent", sleep, "kill", "m-c", "KILL")
    init.wait()
    counted("delete", "parent", sleep, "delete", "m-c")
    sr(sleep, "delete", "--force", "m-c")


def report(work, verbose):
    print("%-8s %22s %26s" % ("verb", "conformance scans", "mangled-name metadata"))
    print("%-8s %11s %10s %13s %12s" % ("", "runtime", "child", "runtime", "child"))
    for verb in ("run", "create", "start", "state", "exec", "list", "kill", "delete"):
        lines = open(os.path.join(work, verb + ".txt")).read().splitlines()
        row = [sum(l.startswith("SCAN") for l in lines), "-", sum(l.startswith("NAME") for l in lines), "-"]
        shown = lines
        child = os.path.join(work, verb + "-child.txt")
        if os.path.exists(child):
            c = open(child).read().splitlines()
            first = c[0].split()[1] if c else ""
            after = [l for l in c if l.split()[1] != first]  # what the child did (the parent's part is above)
            row[1] = sum(l.startswith("SCAN") for l in after)
            row[3] = sum(l.startswith("NAME") for l in after)
            shown = lines + ["(child) " + l for l in after]
        print("%-8s %11s %10s %13s %12s" % (verb, *row))
        if verbose:
            for l in shown:
                print("    " + l[:220])


def main():
    args = [a for a in sys.argv[1:] if a != "-v"]
    if len(args) == 2 and args[0] == "--inner":
        inner(args[1])
        return
    if os.geteuid() != 0:
        sys.exit("metadata-count.py must run as root")
    if not shutil.which("gdb"):
        sys.exit("gdb missing (apt-get install gdb)")
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    binary = os.path.abspath(args[0]) if args else os.path.join(repo, ".build", "release", "swiftrun")
    rootfs = os.path.join(repo, "Bundles", "busybox", "rootfs")
    for path, what in ((binary, "make build"), (os.path.join(rootfs, "bin", "busybox"), "make bundle")):
        if not os.path.exists(path):
            sys.exit("%s missing (%s)" % (path, what))
    os.environ["METADATA_COUNT_LOOKUP"] = symbol(binary, r"^_ZL52swift_conformsToProtocolMaybeInstantiateSuperclasses")
    os.environ["METADATA_COUNT_RECORD"] = symbol(binary, r"ConformanceSection.*TargetProtocolConformanceDescriptor")
    os.environ["METADATA_COUNT_NAME"] = symbol(binary, r"^swift_getTypeByMangledName$")
    import json
    with tempfile.TemporaryDirectory(prefix="swiftrun-metadata-") as work:
        os.mkdir(os.path.join(work, "bin"))
        shutil.copy(binary, os.path.join(work, "bin", "swiftrun"))
        with open(os.path.join(repo, "Bundles", "busybox", "config.json")) as f:
            cfg = json.load(f)
        cfg["process"]["terminal"] = False
        cfg["root"] = {"path": rootfs, "readonly": True}
        cfg["linux"].pop("resources", None)
        for name, argv in (("true", ["/bin/true"]), ("sleep", ["sleep", "3600"])):
            os.mkdir(os.path.join(work, name))
            cfg["process"]["args"] = argv
            with open(os.path.join(work, name, "config.json"), "w") as f:
                json.dump(cfg, f)
        subprocess.run(["unshare", "-m", "--propagation", "private", sys.executable, os.path.abspath(__file__),
                        "--inner", work], check=True, timeout=600)
        report(work, "-v" in sys.argv)


if gdb is not None:
    gdb_main()
elif __name__ == "__main__":
    main()
