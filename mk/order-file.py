#!/usr/bin/env python3
"""Writes mk/hot-symbols.txt, the link order of the release binary (`make order-file`).

Peak RSS of a lifecycle verb is mostly the binary's own text: the kernel maps up to 64 KiB around
every page fault in a file mapping (fault-around), so each distinct 64 KiB window of the 13 MB text
segment a process touches costs up to 64 KiB. The code a lifecycle verb runs is ~0.6 MB, scattered
over the whole segment; linked first and contiguously (lld --symbol-ordering-file, with every Swift
function in its own section: the Makefile's SWIFT_FLAGS) it fills far fewer windows.

What is hot, in four groups that follow one another in the list: stage 1, `run`, `exec` and the
other verbs. A function is listed once, in the first group that runs it, so that each peak (the
stage 2 and the init of `run`, and of `exec`) spans as few windows as it can:
 0. the functions of "stage 1" of create, run and exec: the process as started, which only
    re-executes itself from a protected copy of its binary (ProtectedExe.reexecEarly, first thing
    in main) and costs a process start of its own; profiled up to that exec (callgrind
    --dump-before=sr_fexecve);
 1. every function the runtime's own process executes in `run`, `exec`, `create`, `start`,
    `state`, `kill`, `delete` and `list`, in the order callgrind first sees them (valgrind cannot
    follow clone3, so `run`, `create` and `exec` are profiled up to the clone: the error report
    they end with is the teardown's code, which `delete` runs too);
 2. then the code that runs after the clone, which callgrind does not see (the container init,
    the runtime waiting for it), and what runs differently after the real re-exec: the binary is
    relinked with the list so far, `run` and `exec` run for real (from a writable hard link,
    which re-executes itself, and from a read-only bind, which does not) under
    `perf record -e exceptions:page_fault_user`, and the function (or, for a fault in `.rodata`,
    `.data.rel.ro` or `.data`, the data symbol) at each fault that is not listed yet joins its
    verb's group; until a round finds nothing new, at most ROUNDS (60) times (each round finds
    only the next function the process needs in each 64 KiB window it still faults in).

Two rules keep the hot part contiguous. A function in a large section that cannot be split
(libswiftCore's and libswift_Concurrency's own `.text`, 1.6 MB and 250 KB) goes after every other
hot function, so that the big block does not sit in the middle (the regex libraries' are kept out
of the list's reach altogether: mk/private-functions.ld). And a name defined more than once
in the binary is left out unless it is a Swift symbol: lld moves every section that defines it, and
a C name may sit in a library's whole `.text`; a Swift one (local value witnesses such as `$sSqwxx`,
merged functions `...Tm`, the metadata accessors `...Ma` and `__swift_memcpy...` helpers every module
has its own copy of) is in a function section of ours or in the toolchain's big sections, which go
last anyway.

Needs root, valgrind, perf, the release build (`make build`) and the busybox rootfs (`make bundle`).
The result depends only on the build and on which code the verbs run; symbols a later build no
longer has are ignored by the linker, so a stale list only costs memory, never correctness.
"""
import bisect
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# SwiftPM's scratch directory of the release build (`make build`); another with SWIFTRUN_SCRATCH.
SCRATCH = os.environ.get("SWIFTRUN_SCRATCH", os.path.join(REPO, ".build"))
BINARY = os.path.join(SCRATCH, "release", "swiftrun")
ROOTFS = os.path.join(REPO, "Bundles", "busybox", "rootfs")
OUT = os.path.join(REPO, "mk", "hot-symbols.txt")
VALGRIND_LIBEXEC = "/usr/libexec/valgrind"

ROUNDS = int(os.environ.get("ORDER_FILE_ROUNDS", "60"))
# Names only the Swift compiler generates (mangled symbols, value-witness and outlined-copy helpers):
# each copy is in a function section of ours, or in the toolchain's big sections, which go last.
SWIFT_GENERATED = ("$s", "__swift_memcpy", "__swift_instantiate", "objectdestroy", "block_copy_helper",
                   "block_destroy_helper", "outlined ")
LINK_ENTRY = '"C.swiftrun-x86_64-unknown-linux-gnu-release.exe":'
# A section this large that is not split by function is placed after the other hot code.
BIG_SECTION = 64 * 1024
# The toolchain's static libraries (libswiftCore.a, ...), next to the swiftc that builds.
SWIFT_STATIC = os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(
    shutil.which("swiftc") or "/opt/swift/usr/bin/swiftc"))), "lib", "swift_static", "linux")


def inner(work):
    """In a private mount namespace: the binary and valgrind's tools on read-only binds (so the
    runtime does not re-execute itself from a protected copy, which valgrind cannot follow), and
    the cgroup v2 view bench.py uses on a hybrid host."""
    if os.path.exists("/sys/fs/cgroup/unified/cgroup.controllers") and \
            not os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
        subprocess.run(["mount", "--bind", "/sys/fs/cgroup/unified", "/sys/fs/cgroup"], check=True)
    bindir = os.path.join(work, "bin")
    exe = os.path.join(bindir, "swiftrun")
    root = os.path.join(work, "root")
    bundle = os.path.join(work, "bundle")
    # Stage 1 (see the docstring): with valgrind's tool binary, which is /proc/self/exe under
    # valgrind, still writable, `run` re-executes itself; part 1 of the profile ends at that exec.
    stage1 = os.path.join(work, "cg.stage1")
    subprocess.run(["valgrind", "--tool=callgrind", "--demangle=no", "--dump-before=sr_fexecve",
                    "--callgrind-out-file=" + stage1, exe, "--root", root, "run", "p-stage1"], cwd=bundle,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run([exe, "--root", root, "delete", "--force", "p-stage1"], cwd=bundle,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not os.path.exists(stage1 + ".1"):
        sys.exit("order-file.py: no stage-1 profile (%s.1): did `run` not re-execute itself?" % stage1)
    profiles = [stage1 + ".1"]
    subprocess.run(["mount", "--bind", "-o", "ro", bindir, bindir], check=True)
    subprocess.run(["mount", "--bind", "-o", "ro", VALGRIND_LIBEXEC, VALGRIND_LIBEXEC], check=True)

    def sr(*args, check=True):
        return subprocess.run([exe, "--root", root] + list(args), cwd=bundle, check=check,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def profile(name, *args):
        out = os.path.join(work, "cg." + name)
        subprocess.run(["valgrind", "--tool=callgrind", "--demangle=no", "--callgrind-out-file=" + out,
                        exe, "--root", root] + list(args), cwd=bundle,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        profiles.append(out)

    profile("run", "run", "p-run")
    sr("delete", "--force", "p-run", check=False)
    sr("run", "--detach", "p-exec")
    profile("exec", "exec", "p-exec", "/bin/true")
    profile("list", "list")
    sr("delete", "--force", "p-exec")
    profile("create", "create", "p-create")
    sr("delete", "--force", "p-create", check=False)
    sr("create", "p-cycle")
    profile("state", "state", "p-cycle")
    profile("start", "start", "p-cycle")
    profile("kill", "kill", "p-cycle", "KILL")
    sr("kill", "p-cycle", "KILL", check=False)
    for _ in range(100):
        st = subprocess.run([exe, "--root", root, "state", "p-cycle"], capture_output=True, text=True)
        if st.returncode != 0 or json.loads(st.stdout).get("status") == "stopped":
            break
    profile("delete", "delete", "p-cycle")
    sr("delete", "--force", "p-cycle", check=False)
    return profiles


def profiled_functions(profiles):
    order, seen = [], set()
    for path in profiles:
        with open(path) as f:
            for line in f:
                m = re.match(r"^c?fn=\(\d+\)\s*(.*)$", line)
                if not m or not m.group(1):
                    continue
                name = m.group(1).strip()
                if name.startswith("0x") or name.startswith("(below main)") or name in seen:
                    continue
                seen.add(name)
                order.append(name)
    return order


def link_command(binary, order):
    """SwiftPM's own link of the release binary (from .build/release.yaml), to `binary`, in `order`."""
    with open(os.path.join(SCRATCH, "release.yaml")) as f:
        lines = f.read().splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip() == LINK_ENTRY)
    args = json.loads(next(line for line in lines[at:] if line.strip().startswith("args:")).split("args:", 1)[1])
    args[args.index("-o") + 1] = binary
    out = []
    for a in args:  # the Makefile's ordering flags, whatever list they named, are replaced below
        if a.startswith("--symbol-ordering-file=") or a == "--no-warn-symbol-ordering":
            out.pop()  # its -Xlinker
        elif a != "-use-ld=lld":
            out.append(a)
    return out + ["-use-ld=lld", "-Xlinker", "--symbol-ordering-file=" + order, "-Xlinker", "--no-warn-symbol-ordering"]


def faults(work):
    """In a private mount namespace (as inner): `run` and `exec` of the relinked binary under perf."""
    if os.path.exists("/sys/fs/cgroup/unified/cgroup.controllers") and \
            not os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
        subprocess.run(["mount", "--bind", "/sys/fs/cgroup/unified", "/sys/fs/cgroup"], check=True)
    bindir = os.path.join(work, "bin")
    subprocess.run(["mount", "--bind", "-o", "ro", bindir, bindir], check=True)
    exe = os.path.join(bindir, "relinked")
    root = os.path.join(work, "root")
    bundle = os.path.join(work, "bundle")
    tru = os.path.join(work, "bundle-true")

    def sr(cwd, *args):
        subprocess.run([exe, "--root", root] + list(args), cwd=cwd, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def perf(name, cwd, *args):
        subprocess.run(["perf", "record", "-q", "-o", os.path.join(work, name), "-e", "exceptions:page_fault_user",
                        "--", exe, "--root", root] + list(args), cwd=cwd, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    # As installed (what `make bench` and the engines run): a writable copy re-executes itself from
    # its protected copy, so these see stage 1 for real (valgrind misses what it runs differently:
    # the vDSO's setup, the string functions' variants for this CPU, open_tree's success), and
    # stage 2 and the init as they run after that re-exec.
    rw = os.path.join(work, "rw", "relinked")

    def perf_rw(name, cwd, *args):
        subprocess.run(["perf", "record", "-q", "-o", os.path.join(work, name),
                        "-e", "exceptions:page_fault_user,sched:sched_process_exec",
                        "--", rw, "--root", root] + list(args), cwd=cwd, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    perf_rw("perf.stage1", tru, "run", "f-stage1")
    sr(tru, "delete", "--force", "f-stage1")
    # From a read-only binary (no re-exec), as on a read-only /usr.
    perf("perf.run", tru, "run", "f-run")
    sr(tru, "delete", "--force", "f-run")
    sr(bundle, "run", "--detach", "f-exec")
    perf_rw("perf.exec-rw", bundle, "exec", "f-exec", "/bin/true")
    perf("perf.exec", bundle, "exec", "f-exec", "/bin/true")
    sr(bundle, "delete", "--force", "f-exec")


def faulting_functions(work, binary):
    """The functions (and data) at the faults of the last faults() round, in the order they faulted:
    those of stage 1 (up to its exec), and those of every other process of `run` and `exec`. A read
    of `.rodata`, `.data.rel.ro` or `.data` maps up to 64 KiB of it like a read of the text does;
    the symbol there moves its object's section (ordering works by section)."""
    kinds = {".text": "tTwW", ".rodata": "rR", ".data.rel.ro": "dD", ".data": "dD"}
    sections = subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True, check=True).stdout
    ranges = []
    for name in kinds:
        m = re.search(r"\s%s\s+PROGBITS\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)" % re.escape(name), sections)
        if m:
            ranges.append((int(m.group(1), 16), int(m.group(1), 16) + int(m.group(2), 16), name))
    syms = {name: [] for _, _, name in ranges}
    for line in subprocess.run(["nm", "-n", binary], capture_output=True, text=True, check=True).stdout.splitlines():
        parts = line.split()
        if len(parts) == 3:
            a = int(parts[0], 16)
            for lo, hi, name in ranges:
                if lo <= a < hi and parts[1] in kinds[name]:
                    syms[name].append((a, parts[2]))
    addrs = {name: [a for a, _ in v] for name, v in syms.items()}

    def functions_at(a, names):
        for lo, hi, name in ranges:
            if lo <= a < hi:
                k = bisect.bisect_right(addrs[name], a) - 1
                j = k
                while j >= 0 and syms[name][j][0] == syms[name][k][0]:
                    names.append(syms[name][j][1])
                    j -= 1

    stage1, run, exec_ = [], [], []
    # The re-executing runs first: up to the re-exec, stage 1; after it, stage 2 and the init
    # (until the init executes the container's process, which is no longer this binary).
    for name in ("perf.stage1", "perf.run", "perf.exec-rw", "perf.exec"):
        out = subprocess.run(["perf", "script", "-i", os.path.join(work, name), "-F", "comm,event,trace"],
                             capture_output=True, text=True).stdout
        execs = 0 if name.endswith("rw") or name == "perf.stage1" else 2
        for line in out.splitlines():
            if "sched_process_exec" in line:
                execs += 1  # the first is perf starting the binary, the second the re-exec
                continue
            f = re.search(r"address=0x([0-9a-f]+)", line)
            if not f or line.split()[0] != "relinked":
                continue
            functions_at(int(f.group(1), 16), stage1 if execs == 1 else run if "exec" not in name else exec_)
    return stage1, run, exec_


def defined_more_than_once():
    """Names other than Swift symbols the binary defines more than once (local symbols of several
    objects)."""
    nm = subprocess.run(["nm", BINARY], capture_output=True, text=True, check=True).stdout
    count = {}
    for line in nm.splitlines():
        parts = line.split()
        if len(parts) == 3:
            count[parts[2]] = count.get(parts[2], 0) + 1
    return {n for n, c in count.items() if c > 1 and not n.startswith(SWIFT_GENERATED)}


def in_big_unsplit_sections():
    """Functions of the toolchain's static libraries that live in a large plain `.text`."""
    names = set()
    for lib in sorted(os.listdir(SWIFT_STATIC)):
        if not lib.endswith(".a"):
            continue
        out = subprocess.run(["nm", "-f", "sysv", "--defined-only", os.path.join(SWIFT_STATIC, lib)],
                             capture_output=True, text=True).stdout
        member = []
        for line in out.splitlines() + ["Symbols from end:"]:
            if line.startswith("Symbols from"):
                # sysv: name | value | class | type | size | line | section
                sizes = [int(f[4], 16) for f in member if f[4]]
                if member and sum(sizes) >= BIG_SECTION:
                    names.update(f[0] for f in member)
                member = []
                continue
            fields = [f.strip() for f in line.split("|")]
            if len(fields) == 7 and fields[6] == ".text" and fields[3] == "FUNC":
                member.append(fields)
    return names


def main():
    if os.geteuid() != 0:
        sys.exit("order-file.py must run as root")
    for path, what in ((BINARY, "make build"), (os.path.join(ROOTFS, "bin", "busybox"), "make bundle")):
        if not os.path.exists(path):
            sys.exit("%s missing (%s)" % (path, what))
    for tool in ("valgrind", "perf"):
        if not shutil.which(tool):
            sys.exit("%s missing (apt-get install %s)" % (tool, "linux-perf" if tool == "perf" else tool))
    if len(sys.argv) == 3 and sys.argv[1] == "--inner":
        for p in inner(sys.argv[2]):
            print(p)
        return
    if len(sys.argv) == 3 and sys.argv[1] == "--inner-faults":
        faults(sys.argv[2])
        return
    with tempfile.TemporaryDirectory(prefix="swiftrun-order-") as work:
        os.mkdir(os.path.join(work, "bin"))
        # valgrind 3.19 cannot read this toolchain's DWARF: profile a copy without it.
        subprocess.run(["strip", "--strip-debug", "-o", os.path.join(work, "bin", "swiftrun"), BINARY], check=True)
        with open(os.path.join(REPO, "Bundles", "busybox", "config.json")) as f:
            cfg = json.load(f)
        cfg["process"]["terminal"] = False
        cfg["process"]["args"] = ["sleep", "3600"]
        cfg["root"] = {"path": ROOTFS, "readonly": True}
        cfg["linux"].pop("resources", None)
        os.mkdir(os.path.join(work, "bundle"))
        with open(os.path.join(work, "bundle", "config.json"), "w") as f:
            json.dump(cfg, f)
        out = subprocess.run(["unshare", "-m", "--propagation", "private", sys.executable,
                              os.path.abspath(__file__), "--inner", work],
                             capture_output=True, text=True, check=True).stdout
        profiles = out.split()
        ambiguous = defined_more_than_once()
        big = in_big_unsplit_sections()
        # Grouped by who runs them, in this order: stage 1, `run`, `exec`, the other verbs. A
        # function is listed once, in the first group that runs it (found later in an earlier
        # group, it moves up), so that each of the peaks, `run`'s and `exec`'s stage 2 and init,
        # spans as few windows as it can.
        groups, where = [[], [], [], []], {}

        def add(names, g):
            for n in names:
                if n in ambiguous or where.get(n, len(groups)) <= g:
                    continue
                if n in where:
                    groups[where[n]].remove(n)
                where[n] = g
                groups[g].append(n)

        def hot():
            listed = [n for group in groups for n in group]
            return [n for n in listed if n not in big] + [n for n in listed if n in big]

        # What stage 1 runs from sr_fexecve on (the exec itself) is not in its profile.
        add(profiled_functions(profiles[:1]) + ["sr_fexecve", "syscall"], 0)
        add(profiled_functions(profiles[1:2]), 1)
        add(profiled_functions(profiles[2:3]), 2)
        add(profiled_functions(profiles[3:]), 3)
        profiled = len(hot())
        tru = os.path.join(work, "bundle-true")
        os.mkdir(tru)
        cfg["process"]["args"] = ["/bin/true"]
        with open(os.path.join(tru, "config.json"), "w") as f:
            json.dump(cfg, f)
        relinked = os.path.join(work, "bin", "relinked")
        os.mkdir(os.path.join(work, "rw"))
        listed = os.path.join(work, "order.txt")
        rounds = 0
        for rounds in range(1, ROUNDS + 1):
            with open(listed, "w") as f:
                f.write("".join(n + "\n" for n in hot()))
            subprocess.run(link_command(relinked, listed), check=True, cwd=REPO,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # A hard link, not a copy: the page cache of a copy holds large folios, which the
            # kernel maps whole around a fault; lld's output, like the binary `make bench`
            # runs, holds single pages.
            rw = os.path.join(work, "rw", "relinked")
            if os.path.exists(rw):
                os.unlink(rw)
            os.link(relinked, rw)
            subprocess.run(["unshare", "-m", "--propagation", "private", sys.executable,
                            os.path.abspath(__file__), "--inner-faults", work], check=True)
            stage1, run, exec_ = faulting_functions(work, relinked)
            before = hot()
            add(stage1, 0)
            add(run, 1)
            add(exec_, 2)
            if hot() == before:
                break  # converged: every fault was in a function already listed in its place
        with open(OUT, "w") as f:
            f.write("".join(n + "\n" for n in hot()))
        total = len(hot())
        print("%s: %d functions (%d of stage 1; %d profiled, %d from page faults in %d rounds), %d ambiguous names left out"
              % (OUT, total, len(groups[0]), profiled, total - profiled, rounds, len(ambiguous)))


if __name__ == "__main__":
    main()
