#!/usr/bin/env python3
"""Side-by-side benchmark of swiftrun, runc and crun: latency, CPU time, memory, and how cost grows.

For every runtime that is installed and works, on the same busybox bundle (/bin/true, five
namespaces), interleaved so background load hits all of them alike:
  rows      run; create/start/state/delete cycle; state alone; run with a Docker-like seccomp
            profile; exec of /bin/true into a running container; run with a memory limit
            (cgroup v1 on a hybrid host). For each: median and p90 wall time, median CPU time
            (user+sys of the runtime's process tree, from wait4), peak RSS (GNU time's %M).
  growth    containers per second with 1, 4 and 16 concurrent runs; list with 10, 100 and 1000
            containers present; run with 10, 100 and 1000 bind mounts; run with a seccomp
            profile of 50 and 500 rules.

Standard library only. Must run as root. On a hybrid cgroup host the script re-executes itself
in a private mount namespace where /sys/fs/cgroup/unified is bind-mounted over /sys/fs/cgroup,
so that every runtime sees a pure cgroup v2 hierarchy (crun 1.8 requires one); the memory-limit
row detaches that bind again (in the private namespace only) to use the host's v1 memory
controller. The host's mount table is untouched.

Every runtime gets its own --root in a private temporary directory, every container ID carries
a unique prefix, and only containers created here are ever touched. Everything is cleaned up at
exit, also on failure or Ctrl-C. See Docs/BENCHMARK.md for how to read the output.
"""
import argparse
import ctypes
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DEFAULT_ROOTFS = os.path.join(REPO, "Bundles", "busybox", "rootfs")
SECCOMP_PROFILE = os.path.join(REPO, "Tests", "SeccompTests", "Fixtures", "docker-like-default.json")
DEFAULT_CONFIG = os.path.join(REPO, "Bundles", "busybox", "config.json")
DEFAULT_SWIFTRUN = os.path.join(REPO, ".build", "release", "swiftrun")
ALL_RUNTIMES = ("swiftrun", "runc", "crun")
NAMESPACES = ("pid", "network", "ipc", "uts", "mount")
CMD_TIMEOUT = 30.0      # seconds for any single runtime invocation (--timeout)
STOP_TIMEOUT = 10.0     # seconds to wait for a started container to stop
PR_SET_CHILD_SUBREAPER = 36


class CommandTimeout(Exception):
    pass


class RuntimeFailure(Exception):
    """A runtime invocation failed; carries a readable reason."""


def _alarm(signum, frame):
    raise CommandTimeout()


def _terminate(signum, frame):
    raise KeyboardInterrupt()


def reap_orphans():
    """Reap zombies re-parented to us (we are a child subreaper).

    Only called while none of our own measured children is alive, so it
    cannot steal an exit status that exec_measured waits for."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


STRAY_MARKER = None     # our unique temp dir; every command line we run names it


def kill_strays():
    """SIGKILLs leftover processes whose command line names our temp dir.

    A hung runtime may have forked helpers into their own session (so the
    process-group kill misses them); they still carry our unique --root in
    argv. Nothing that is not ours can match."""
    if not STRAY_MARKER:
        return
    me = os.getpid()
    killed = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                cmdline = f.read().decode(errors="replace")
        except OSError:
            continue
        if STRAY_MARKER in cmdline:
            try:
                os.kill(int(entry), signal.SIGKILL)
                killed += 1
            except OSError:
                pass
    if killed:
        time.sleep(0.2)
        reap_orphans()


def exec_measured(argv, cwd, timeout=None, capture=False):
    """Runs argv to completion; returns (exitcode, seconds, rusage, stdout, stderr).

    The rusage is that of exactly this child (and the descendants it reaped),
    as returned by wait4. stdin is /dev/null; stderr goes to a temp file so a
    chatty runtime can never block on a full pipe."""
    timeout = timeout or CMD_TIMEOUT
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL,
                                stdout=out if capture else subprocess.DEVNULL,
                                stderr=err, start_new_session=True)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            _, status, ru = os.wait4(proc.pid, 0)
        except CommandTimeout:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.wait4(proc.pid, 0)
            proc.returncode = -9
            kill_strays()
            raise RuntimeFailure("timed out after %.0fs: %s" % (timeout, " ".join(argv)))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        elapsed = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (proc.returncode, elapsed, ru,
                out.read().decode(errors="replace"), err.read().decode(errors="replace"))


def read_time_output(path):
    """Last line of GNU time's -o file is the %M value in KiB."""
    try:
        with open(path) as f:
            lines = [l.strip() for l in f if l.strip()]
        return int(lines[-1])
    except (OSError, ValueError, IndexError):
        return None


def describe_failure(argv, code, stderr):
    msg = stderr.strip().splitlines()
    tail = " | ".join(msg[-3:]) if msg else "(no stderr)"
    how = "exit %d" % code if code >= 0 else "killed by signal %d" % -code
    return "`%s` failed (%s): %s" % (" ".join(os.path.basename(a) if i == 0 else a
                                              for i, a in enumerate(argv)), how, tail)


class Runtime:
    def __init__(self, name, binary, workdir):
        self.name = name
        self.binary = binary
        self.root = os.path.join(workdir, "root-" + name)
        self.created = set()      # container IDs we created and not yet deleted
        self.error = None         # the runtime as a whole does not work (missing, warm-up failed)
        self.unavailable = False
        self.version = ""
        self.samples = {}         # row -> {"wall": [...], "cpu": [...], "user": [...]}
        self.rss = {}             # row -> peak KiB
        self.row_errors = {}      # row -> message
        self.growth = {}          # (table, level) -> {"wall": [...], "cpu": [...]} or {"rate": x}
        self.last_user = self.cycle_user = 0.0

    def cmd(self, *args):
        return [self.binary, "--root", self.root] + list(args)

    def call(self, bundle, *args, capture=False, rss=None):
        """Runs one runtime verb; returns (seconds, cpu_seconds, stdout, peak_rss_kib), and keeps the
        user part of the CPU time in self.last_user.

        With rss=(timer, scratchfile) the verb runs under GNU time, whose own
        tiny footprint is the only thing besides the runtime that counts in
        its %M; peak_rss_kib is then that number, else None."""
        argv = self.cmd(*args)
        if rss:
            timer, scratch = rss
            argv = [timer, "-f", "%M", "-o", scratch, "--"] + argv
        code, secs, ru, out, err = exec_measured(argv, bundle, capture=capture)
        if code != 0:
            raise RuntimeFailure(describe_failure(self.cmd(*args), code, err))
        peak = read_time_output(rss[1]) if rss else None
        self.last_user = ru.ru_utime
        return secs, ru.ru_utime + ru.ru_stime, out, peak

    def probe_version(self):
        try:
            code, _, _, out, err = exec_measured([self.binary, "--version"], "/",
                                                 timeout=10, capture=True)
            text = (out or err).strip().splitlines()
            if code != 0:
                self.version = "(`--version` exited %d)" % code
            else:
                self.version = text[0] if text else "(no version output)"
        except (OSError, RuntimeFailure) as exc:
            self.version = "(version unknown: %s)" % exc

    def record(self, row, wall, cpu, peak=None, user=None):
        if peak is not None:
            self.rss[row] = max(self.rss.get(row, 0), peak)
            return
        s = self.samples.setdefault(row, {"wall": [], "cpu": [], "user": []})
        s["wall"].append(wall)
        s["cpu"].append(cpu)
        if user is not None:
            s["user"].append(user)

    def run(self, bundle, cid, rss=None):
        self.created.add(cid)   # a failed `run` may leave state behind
        wall, cpu, _, peak = self.call(bundle, "run", cid, rss=rss)
        self.created.discard(cid)   # a successful `run` deletes the container
        return wall, cpu, peak

    def create(self, bundle, cid, rss=None):
        self.created.add(cid)
        return self.call(bundle, "create", cid, rss=rss)

    def delete(self, bundle, cid, force=False, rss=None):
        r = self.call(bundle, *(["delete", "--force", cid] if force else ["delete", cid]), rss=rss)
        self.created.discard(cid)
        return r

    def wait_status(self, bundle, cid, want, rss=None):
        """Polls `state` until the container's status is `want`; returns the polls' (wall, cpu, peak)."""
        deadline = time.monotonic() + STOP_TIMEOUT
        wall = cpu = 0.0
        peak = None
        while True:
            reap_orphans()
            w, c, out, p = self.call(bundle, "state", cid, capture=True, rss=rss)
            wall, cpu = wall + w, cpu + c
            peak = max(peak or 0, p or 0) if rss else None
            try:
                status = json.loads(out).get("status")
            except ValueError:
                raise RuntimeFailure("`%s state` printed no JSON: %r" % (self.name, out[:200]))
            if status == want:
                return wall, cpu, peak
            if time.monotonic() > deadline:
                raise RuntimeFailure("container %s still %r %.0fs later (waiting for %r)"
                                     % (cid, status, STOP_TIMEOUT, want))

    def cycle(self, bundle, cid, rss=None):
        """create, start, state until stopped, delete: the verbs' (wall, cpu) summed."""
        t_create, c1, _, p1 = self.create(bundle, cid, rss=rss)
        u = self.last_user
        t_start, c2, _, p2 = self.call(bundle, "start", cid, rss=rss)
        u += self.last_user
        t_state, c3, p3 = self.wait_status(bundle, cid, "stopped", rss=rss)
        t_delete, c4, _, p4 = self.delete(bundle, cid, rss=rss)
        self.cycle_user = u + self.last_user    # (the state polls' user time is left out)
        if rss:
            return None, None, max(x or 0 for x in (p1, p2, p3, p4))
        for verb, t in (("create", t_create), ("start", t_start), ("delete", t_delete)):
            self.samples.setdefault("cycle:" + verb, {"wall": [], "cpu": []})["wall"].append(t)
        return t_create + t_start + t_state + t_delete, c1 + c2 + c3 + c4, None

    def cleanup(self, bundle):
        for cid in sorted(self.created):
            try:
                exec_measured(self.cmd("delete", "--force", cid), bundle, timeout=15)
            except (OSError, RuntimeFailure):
                pass
        self.created.clear()
        reap_orphans()


def run_parallel(argvs, cwd, width):
    """Runs the commands, at most `width` at a time; returns (wall seconds of the whole batch,
    summed CPU seconds). Raises RuntimeFailure on the first failure (the rest are finished)."""
    pending = list(argvs)
    running = {}       # pid -> (Popen, argv, stderr file)
    cpu = 0.0
    failure = None
    t0 = time.perf_counter()
    signal.setitimer(signal.ITIMER_REAL, CMD_TIMEOUT * max(1, len(argvs)) / max(1, width) + CMD_TIMEOUT)
    try:
        while pending or running:
            while pending and len(running) < width and failure is None:
                argv = pending.pop(0)
                err = tempfile.TemporaryFile()
                p = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=err, start_new_session=True)
                running[p.pid] = (p, argv, err)
            if not running:
                break
            try:
                pid, status, ru = os.wait4(-1, 0)
            except ChildProcessError:
                break
            if pid not in running:
                continue      # an orphaned container process re-parented to us
            p, argv, err = running.pop(pid)
            cpu += ru.ru_utime + ru.ru_stime
            code = os.waitstatus_to_exitcode(status)
            p.returncode = code
            if code != 0 and failure is None:
                err.seek(0)
                failure = describe_failure(argv[:1] + argv[3:], code, err.read().decode(errors="replace"))
                pending = []
            err.close()
    except CommandTimeout:
        for p, _, err in running.values():
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            err.close()
        for pid in list(running):
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        kill_strays()
        raise RuntimeFailure("timed out running %d commands %d at a time" % (len(argvs), width))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    wall = time.perf_counter() - t0
    if failure:
        raise RuntimeFailure(failure)
    return wall, cpu
def find_timer(workdir):
    """GNU time, and the peak RSS it reports for /bin/true (its own floor).

    Why not the rusage of our own child: Linux carries the pre-exec memory
    high-water mark of a process across execve, and a child forked (or
    vforked) by Python starts out with this interpreter's ~14 MiB. GNU time is
    a small C program, so what it reports is close to the runtime's own."""
    timer = shutil.which("time") or ("/usr/bin/time" if os.path.exists("/usr/bin/time") else None)
    if not timer:
        return None, None
    scratch = os.path.join(workdir, "time.floor")
    try:
        code, _, _, _, _ = exec_measured([timer, "-f", "%M", "-o", scratch, "--", "/bin/true"],
                                         "/", timeout=10)
    except (OSError, RuntimeFailure):
        return None, None
    floor = read_time_output(scratch)
    if code != 0 or floor is None:
        return None, None
    return timer, floor


def make_bundle(workdir, rootfs, template, name, seccomp=None, args=("/bin/true",), memory=None,
                binds=0, bind_source=None):
    """Writes a benchmark bundle: `args`, five namespaces, no resources (and, with `seccomp`, that
    profile (a path or a dict) with no_new_privs; with `memory`, that limit in bytes; with
    `binds`, that many bind mounts of `bind_source` on /b/0 ... /b/N-1)."""
    if os.path.exists(template):
        with open(template) as f:
            cfg = json.load(f)
    else:
        cfg = {"process": {"user": {"uid": 0, "gid": 0}, "cwd": "/",
                           "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]},
               "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
               "linux": {}}
    # crun 1.8 refuses configs newer than 1.1, and 1.0.2 is what every runtime
    # here accepts; the fields used below all exist in 1.0.
    cfg["ociVersion"] = "1.0.2"
    proc = cfg.setdefault("process", {})
    proc["terminal"] = False
    proc["args"] = list(args)
    cfg["root"] = {"path": os.path.abspath(rootfs), "readonly": True}
    cfg["hostname"] = "bench"
    linux = cfg.setdefault("linux", {})
    linux.pop("resources", None)          # no device rules, no limits
    linux.pop("cgroupsPath", None)
    linux["namespaces"] = [{"type": t} for t in NAMESPACES]
    linux.pop("seccomp", None)
    if seccomp:
        if isinstance(seccomp, dict):
            linux["seccomp"] = seccomp
        else:
            with open(seccomp) as f:
                linux["seccomp"] = json.load(f)
        proc["noNewPrivileges"] = True
    if memory:
        linux["resources"] = {"memory": {"limit": memory}}
    for i in range(binds):
        cfg["mounts"].append({"destination": "/b/%d" % i, "type": "bind", "source": bind_source,
                              "options": ["rbind", "ro"]})
    bundle = os.path.join(workdir, name)
    os.mkdir(bundle)
    with open(os.path.join(bundle, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    return bundle


# Syscalls no runtime or /bin/true makes after the filter is in place: rules on them only cost
# compiling and loading the filter.
RULE_SYSCALLS = ("acct", "add_key", "bpf", "kexec_load", "keyctl", "mbind", "move_pages",
                 "name_to_handle_at", "open_by_handle_at", "perf_event_open", "process_vm_readv",
                 "process_vm_writev", "ptrace", "quotactl", "reboot", "request_key", "set_mempolicy",
                 "settimeofday", "swapon", "swapoff", "sysfs", "userfaultfd", "ustat")


def seccomp_rules(n):
    """An allow-by-default profile of `n` rules, each denying one syscall for one first-argument
    value (rule i: RULE_SYSCALLS[i % k] with arg0 == i)."""
    return {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
            "syscalls": [{"names": [RULE_SYSCALLS[i % len(RULE_SYSCALLS)]], "action": "SCMP_ACT_ERRNO",
                          "errnoRet": 1,
                          "args": [{"index": 0, "value": 100000 + i, "op": "SCMP_CMP_EQ"}]}
                         for i in range(n)]}


def pct(values, p):
    if not values:
        return None
    s = sorted(values)
    k = (len(s) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def fmt_ms(v):
    return "-" if v is None else "%.1f" % (v * 1000)


def fmt_mib(kib):
    return "-" if not kib else "%.1f" % (kib / 1024)


def fmt_ratio(a, b):
    if a is None or b is None or b == 0:
        return "-"
    return "%.2fx" % (a / b)


def print_table(headers, rows):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h))
              for i, h in enumerate(headers)]
    line = "  ".join(str(h).ljust(w) if i == 0 else str(h).rjust(w)
                     for i, (h, w) in enumerate(zip(headers, widths)))
    print(line)
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                        for i, (c, w) in enumerate(zip(r, widths))))


ROWS = [("run", "run of /bin/true"),
        ("cycle", "create + start + state (until stopped) + delete"),
        ("state", "state of a created container"),
        ("run+seccomp", "run with the Docker-like seccomp profile"),
        ("exec", "exec of /bin/true into a running container"),
        ("run+memory", "run with a 256 MiB memory limit (host cgroups: v1 memory on a hybrid host)")]
GROWTH = [("concurrency", "containers started per second, N concurrent runs (higher is better)", "/s"),
          ("list", "list with N containers present", "ms"),
          ("binds", "run with N bind mounts", "ms"),
          ("seccomp-rules", "run with a seccomp profile of N rules", "ms")]


def summarize(runtimes):
    res = {}
    for rt in runtimes:
        rows = {}
        for row, s in rt.samples.items():
            rows[row] = {"n": len(s["wall"]), "wall_median_s": pct(s["wall"], 50), "wall_p90_s": pct(s["wall"], 90),
                         "cpu_median_s": pct(s["cpu"], 50), "user_median_s": pct(s.get("user", []), 50),
                         "peak_rss_kib": rt.rss.get(row)}
        growth = {}
        for (table, level), g in rt.growth.items():
            if "rate" in g:
                growth["%s/%d" % (table, level)] = {"per_second": g["rate"], "cpu_per_container_s": g["cpu"]}
            else:
                growth["%s/%d" % (table, level)] = {"wall_median_s": pct(g["wall"], 50),
                                                    "cpu_median_s": pct(g["cpu"], 50), "n": len(g["wall"])}
        res[rt.name] = {"binary": rt.binary, "version": rt.version, "error": rt.error,
                        "row_errors": rt.row_errors, "rows": rows, "growth": growth}
    return res


def report(runtimes, args, elapsed):
    res = summarize(runtimes)
    names = [rt.name for rt in runtimes]
    refs = [r for r in ("crun", "runc") if r in names]
    print()
    print("swiftrun benchmark: %d iterations per row, %s %s, %d CPUs, load average %s, %.0f s in all"
          % (args.iterations, platform.system(), platform.release(), os.cpu_count() or 0,
             " ".join("%.1f" % x for x in os.getloadavg()), elapsed))
    print("container: /bin/true on the busybox rootfs, read-only, namespaces: %s; cgroup view: pure v2"
          " (the unified hierarchy), except run+memory" % ", ".join(NAMESPACES))
    floor = getattr(args, "rss_floor", None)
    print("wall = the runtime command(s), spawn to exit; cpu = user+sys of the command's process tree"
          " (wait4 rusage; user = the part spent in user space, the rest is the kernel's work);"
          " RSS = peak over %d extra iterations under GNU time (its own floor: %s)"
          % (args.rss_iterations, "%.1f MiB" % (floor / 1024) if floor else "n/a, RSS not measured"))
    print()
    header = ["row", "runtime", "wall p50 ms", "wall p90 ms", "cpu p50 ms", "user p50 ms", "peak RSS MiB"]
    for r in refs:
        header += ["wall/" + r, "cpu/" + r]
    out = []
    for row, _ in ROWS:
        for rt in runtimes:
            if rt.error:
                continue
            r = res[rt.name]["rows"].get(row)
            if row in rt.row_errors or not r:
                out.append([row, rt.name, "FAILED" if row in rt.row_errors else "-", "", "", "", ""] + [""] * 2 * len(refs))
                continue
            line = [row, rt.name, fmt_ms(r["wall_median_s"]), fmt_ms(r["wall_p90_s"]), fmt_ms(r["cpu_median_s"]),
                    fmt_ms(r["user_median_s"]), fmt_mib(r["peak_rss_kib"])]
            for ref in refs:
                o = res[ref]["rows"].get(row) or {}
                line += [fmt_ratio(r["wall_median_s"], o.get("wall_median_s")),
                         fmt_ratio(r["cpu_median_s"], o.get("cpu_median_s"))]
            out.append(line)
    print_table(header, out)
    print("  rows: " + "; ".join("%s = %s" % (k, v) for k, v in ROWS))
    cyc = []
    for rt in runtimes:
        s = rt.samples
        if "cycle:create" in s:
            cyc.append("%s %s / %s / %s" % (rt.name, *(fmt_ms(pct(s["cycle:" + v]["wall"], 50))
                                                         for v in ("create", "start", "delete"))))
    if cyc:
        print("  cycle verbs, create / start / delete p50 ms: " + "; ".join(cyc))

    for table, title, unit in GROWTH:
        levels = sorted({lvl for rt in runtimes for (t, lvl) in rt.growth if t == table})
        if not levels:
            continue
        print()
        print("%s:" % title)
        header = ["N"] + [rt.name + (" /s" if unit == "/s" else " ms") for rt in runtimes if not rt.error]
        if unit != "/s":
            header += [rt.name + " cpu ms" for rt in runtimes if not rt.error]
        others = [r for r in refs if r != "swiftrun"]
        header += ["swiftrun/" + r for r in others]
        out = []
        for lvl in levels:
            line = [str(lvl)]
            vals = {}
            for rt in runtimes:
                if rt.error:
                    continue
                g = res[rt.name]["growth"].get("%s/%d" % (table, lvl))
                if ("%s/%d" % (table, lvl)) in rt.row_errors or not g:
                    line.append("FAILED" if ("%s/%d" % (table, lvl)) in rt.row_errors else "-")
                    continue
                if unit == "/s":
                    vals[rt.name] = g["per_second"]
                    line.append("%.1f" % g["per_second"])
                else:
                    vals[rt.name] = g["wall_median_s"]
                    line.append(fmt_ms(g["wall_median_s"]))
            if unit != "/s":
                for rt in runtimes:
                    if rt.error:
                        continue
                    g = res[rt.name]["growth"].get("%s/%d" % (table, lvl))
                    line.append(fmt_ms(g["cpu_median_s"]) if g else "-")
            for r in others:
                line.append(fmt_ratio(vals.get("swiftrun"), vals.get(r)))
            out.append(line)
        print_table(header, out)

    print()
    for rt in runtimes:
        print("%-8s %s  [%s]" % (rt.name, rt.version or "-",
                                 rt.binary or ("not built" if rt.unavailable else "not found")))
        if rt.error:
            print("         error: %s" % rt.error)
        for row, msg in sorted(rt.row_errors.items()):
            print("         %s: %s" % (row, msg))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"iterations": args.iterations, "rss_iterations": args.rss_iterations,
                       "rss_floor_kib": floor, "kernel": platform.release(), "cpus": os.cpu_count(),
                       "loadavg": os.getloadavg(), "elapsed_s": elapsed, "results": res}, f, indent=2)
        print("\nraw results written to %s" % args.json)


class Bench:
    """The phases, run in one process; each runtime's failures are confined to the row."""

    def __init__(self, args, workdir, runtimes, prefix):
        self.args = args
        self.workdir = workdir
        self.runtimes = runtimes
        self.prefix = prefix
        self.n = 0
        self.progress = not args.quiet and sys.stderr.isatty()

    def live(self):
        return [rt for rt in self.runtimes if not rt.error]

    def cid(self, rt, tag):
        self.n += 1
        return "%s%s-%s-%d" % (self.prefix, rt.name, tag, self.n)

    def note(self, phase, i, count):
        if self.progress:
            print("\r%-22s %d/%d   " % (phase, i, count), end="", file=sys.stderr, flush=True)

    def done(self, phase, count):
        if self.progress:
            print("\r%-22s done (%d)   " % (phase, count), file=sys.stderr, flush=True)
        elif not self.args.quiet:
            print("%-22s done (%d)" % (phase, count), file=sys.stderr, flush=True)

    def fail(self, rt, key, exc, bundle):
        rt.row_errors[key] = str(exc)
        rt.cleanup(bundle)

    def row(self, name, bundle, once, count=None, rss_count=None, rss=None):
        """`once(rt, cid, rss)` -> (wall, cpu, peak) runs `count` times per runtime, interleaved,
        then `rss_count` more times under GNU time for the peak RSS."""
        count = self.args.iterations if count is None else count
        rss_count = self.args.rss_iterations if rss_count is None else rss_count
        passes = [(count, None)] + ([(rss_count, rss)] if rss and rss_count > 0 else [])
        for n, wrapper in passes:
            for i in range(n):
                for rt in self.live():
                    if name in rt.row_errors:
                        continue
                    try:
                        wall, cpu, peak = once(rt, self.cid(rt, name), wrapper)
                        if wrapper is None:
                            rt.record(name, wall, cpu, user=rt.cycle_user if name == "cycle" else rt.last_user)
                        elif peak:
                            rt.record(name, None, None, peak)
                    except (OSError, RuntimeFailure) as exc:
                        self.fail(rt, name, exc, bundle)
                    reap_orphans()
                self.note(name + (" (RSS)" if wrapper else ""), i + 1, n)
        self.done(name, count)

    def with_container(self, name, bundle, setup_status, once, count=None, rss=None):
        """A row on one container per runtime, made first (created, or started and running)."""
        held = {}
        for rt in self.live():
            cid = self.cid(rt, name + "-target")
            try:
                rt.create(bundle, cid)
                if setup_status == "running":
                    rt.call(bundle, "start", cid)
                    rt.wait_status(bundle, cid, "running")
                held[rt.name] = cid
            except (OSError, RuntimeFailure) as exc:
                self.fail(rt, name, exc, bundle)
        try:
            self.row(name, bundle, lambda rt, _cid, w: once(rt, held[rt.name], w), count=count, rss=rss)
        finally:
            for rt in self.live():
                if rt.name in held:
                    try:
                        rt.delete(bundle, held[rt.name], force=True)
                    except (OSError, RuntimeFailure):
                        rt.cleanup(bundle)
            reap_orphans()

    def concurrency(self, bundle, levels, per_level):
        for c in levels:
            total = max(per_level, c * 2)
            for rt in self.live():
                key = "concurrency/%d" % c
                ids = [self.cid(rt, "conc") for _ in range(total)]
                rt.created.update(ids)
                try:
                    wall, cpu = run_parallel([rt.cmd("run", i) for i in ids], bundle, c)
                    rt.created.difference_update(ids)
                    rt.growth[("concurrency", c)] = {"rate": total / wall, "cpu": cpu / total}
                except (OSError, RuntimeFailure) as exc:
                    self.fail(rt, key, exc, bundle)
                reap_orphans()
            self.note("concurrency", c, levels[-1])
        self.done("concurrency", len(levels))

    def list_growth(self, bundle, levels, count):
        """One runtime at a time (1000 waiting inits each): create up to N, time `list`."""
        width = max(1, min(4, os.cpu_count() or 1))
        for rt in self.live():
            mine = []
            try:
                for n in levels:
                    ids = [self.cid(rt, "list") for _ in range(n - len(mine))]
                    rt.created.update(ids)
                    run_parallel([rt.cmd("create", i) for i in ids], bundle, width)
                    mine += ids
                    key = "list/%d" % n
                    try:
                        g = {"wall": [], "cpu": []}
                        for _ in range(count):
                            wall, cpu, _, _ = rt.call(bundle, "list")
                            g["wall"].append(wall)
                            g["cpu"].append(cpu)
                        rt.growth[("list", n)] = g
                    except (OSError, RuntimeFailure) as exc:
                        rt.row_errors[key] = str(exc)
                    self.note("list " + rt.name, n, levels[-1])
            except (OSError, RuntimeFailure) as exc:
                rt.row_errors["list/%d" % levels[-1]] = "creating the containers: %s" % exc
            finally:
                try:
                    run_parallel([rt.cmd("delete", "--force", i) for i in mine], bundle, width)
                    rt.created.difference_update(mine)
                except (OSError, RuntimeFailure):
                    rt.cleanup(bundle)
                reap_orphans()
        self.done("list", len(levels))

    def run_levels(self, table, bundles, count):
        """`run` on each level's bundle, `count` times (after one unmeasured warm-up run)."""
        for lvl, bundle in bundles:
            for i in range(count + 1):
                for rt in self.live():
                    key = "%s/%d" % (table, lvl)
                    if key in rt.row_errors:
                        continue
                    try:
                        wall, cpu, _ = rt.run(bundle, self.cid(rt, table))
                        if i > 0:
                            g = rt.growth.setdefault((table, lvl), {"wall": [], "cpu": []})
                            g["wall"].append(wall)
                            g["cpu"].append(cpu)
                    except (OSError, RuntimeFailure) as exc:
                        self.fail(rt, key, exc, bundle)
                    reap_orphans()
            self.note(table, lvl, bundles[-1][0])
        self.done(table, len(bundles))


def detach_cgroup_view():
    """Undoes the pure-v2 bind over /sys/fs/cgroup (in our private mount namespace): the host's
    own (hybrid, v1 controllers) hierarchy is visible again. Returns whether it was done."""
    if not os.environ.get("SWIFTRUN_BENCH_V2_VIEW"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.umount2(b"/sys/fs/cgroup", 2) == 0      # MNT_DETACH


def inner(args):
    if os.geteuid() != 0:
        sys.exit("bench.py must run as root (containers need namespaces and mounts)")
    if not os.path.isfile(os.path.join(args.rootfs, "bin", "busybox")):
        sys.exit("no busybox rootfs at %s: run `make bundle` (or Bundles/make-rootfs.sh) first"
                 % args.rootfs)
    signal.signal(signal.SIGALRM, _alarm)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass

    global STRAY_MARKER
    started = time.monotonic()
    workdir = tempfile.mkdtemp(prefix="swiftrun-bench-")
    STRAY_MARKER = workdir + "/"
    prefix = "bench-%d-%s-" % (os.getpid(), os.urandom(3).hex())
    runtimes = []
    bundle = None
    try:
        # A private copy of the rootfs with the bind-mount targets made (runtimes would otherwise
        # create 1000 directories in the repository's rootfs).
        rootfs = os.path.join(workdir, "rootfs")
        subprocess.run(["cp", "-a", args.rootfs, rootfs], check=True)   # -a keeps busybox's hard links
        binds = [int(x) for x in args.binds.split(",") if x]
        os.makedirs(os.path.join(rootfs, "b"))
        for i in range(max(binds or [0])):
            os.mkdir(os.path.join(rootfs, "b", str(i)))
        bind_source = os.path.join(workdir, "bind-source")
        os.mkdir(bind_source)
        bundle = make_bundle(workdir, rootfs, args.config, "bundle")
        sc_bundle = make_bundle(workdir, rootfs, args.config, "bundle-seccomp", seccomp=SECCOMP_PROFILE)
        sleep_bundle = make_bundle(workdir, rootfs, args.config, "bundle-sleep", args=("/bin/sleep", "3600"))
        mem_bundle = make_bundle(workdir, rootfs, args.config, "bundle-memory", memory=256 << 20)
        bind_bundles = [(n, make_bundle(workdir, rootfs, args.config, "bundle-binds-%d" % n, binds=n,
                                        bind_source=bind_source)) for n in binds]
        rule_bundles = [(n, make_bundle(workdir, rootfs, args.config, "bundle-rules-%d" % n,
                                        seccomp=seccomp_rules(n)))
                        for n in (int(x) for x in args.seccomp_rules.split(",") if x)]
        extra = dict(x.split("=", 1) for x in args.also)
        for name in args.runtimes + list(extra):
            binary = (args.swiftrun if name == "swiftrun" else os.path.abspath(extra[name]) if name in extra
                      else shutil.which(name))
            if binary and name == "swiftrun" and not os.access(binary, os.X_OK):
                binary = None
            if name == "swiftrun" and args.swiftrun_unavailable:
                binary = None
            rt = Runtime(name, binary, workdir)
            runtimes.append(rt)
            if name == "swiftrun" and args.swiftrun_unavailable:
                rt.error = args.swiftrun_unavailable
                rt.unavailable = True
                continue
            if not binary:
                rt.error = ("not found (%s)" % args.swiftrun if name == "swiftrun"
                            else "not found in PATH")
                continue
            os.mkdir(rt.root, 0o700)
            rt.probe_version()
            # Warm-up (also the "does it work at all" check); not measured.
            try:
                rt.run(bundle, prefix + name + "-warmup")
                rt.run(sc_bundle, prefix + name + "-warmup-seccomp")
            except (OSError, RuntimeFailure) as exc:
                rt.error = "warm-up run failed: %s" % exc
                rt.cleanup(bundle)

        timer, floor = find_timer(workdir)
        args.rss_floor = floor
        rss = (timer, os.path.join(workdir, "time.out")) if timer else None
        b = Bench(args, workdir, runtimes, prefix)
        b.row("run", bundle, lambda rt, cid, w: rt.run(bundle, cid, rss=w), rss=rss)
        b.row("cycle", bundle, lambda rt, cid, w: rt.cycle(bundle, cid, rss=w), rss=rss)
        def verb_once(bndl, *verb):
            def once(rt, cid, w):
                wall, cpu, _, peak = rt.call(bndl, *(verb[:1] + (cid,) + verb[1:]), rss=w)
                return wall, cpu, peak
            return once
        b.with_container("state", bundle, "created", verb_once(bundle, "state"), rss=rss)
        b.row("run+seccomp", sc_bundle, lambda rt, cid, w: rt.run(sc_bundle, cid, rss=w), rss=rss)
        b.with_container("exec", sleep_bundle, "running", verb_once(sleep_bundle, "exec", "/bin/true"), rss=rss)
        if not args.no_growth:
            b.concurrency(bundle, [int(x) for x in args.concurrency.split(",") if x], args.concurrent_runs)
            b.list_growth(bundle, [int(x) for x in args.list_sizes.split(",") if x], args.growth_iterations)
            b.run_levels("binds", bind_bundles, args.growth_iterations)
            b.run_levels("seccomp-rules", rule_bundles, args.growth_iterations)
        # Last: it changes this namespace's cgroup view.
        if detach_cgroup_view() or not os.environ.get("SWIFTRUN_BENCH_V2_VIEW"):
            b.row("run+memory", mem_bundle, lambda rt, cid, w: rt.run(mem_bundle, cid, rss=w), rss=rss)
        report(runtimes, args, time.monotonic() - started)
    finally:
        for rt in runtimes:
            if rt.binary:
                rt.cleanup(bundle or workdir)
        kill_strays()
        shutil.rmtree(workdir, ignore_errors=True)
    # The benchmark itself succeeded if at least one runtime produced numbers.
    return 0 if any(rt.samples.get("run") for rt in runtimes) else 1


def main():
    global CMD_TIMEOUT
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--iterations", "-n", type=int, default=20,
                    help="measured iterations per runtime and row (default 20)")
    ap.add_argument("--rss-iterations", type=int, default=3,
                    help="extra iterations per row, run under GNU time, for peak RSS (default 3; 0 = skip)")
    ap.add_argument("--growth-iterations", type=int, default=5,
                    help="measured iterations per level of the growth tables (default 5)")
    ap.add_argument("--concurrency", default="1,4,16", help="concurrent runs per level (default 1,4,16)")
    ap.add_argument("--concurrent-runs", type=int, default=32,
                    help="containers per concurrency level (default 32, at least twice the level)")
    ap.add_argument("--list-sizes", default="10,100,1000", help="containers present for list (default 10,100,1000)")
    ap.add_argument("--binds", default="10,100,1000", help="bind mounts per run (default 10,100,1000)")
    ap.add_argument("--seccomp-rules", default="50,500", help="seccomp rules per run (default 50,500)")
    ap.add_argument("--no-growth", action="store_true", help="only the rows, no growth tables")
    ap.add_argument("--runtimes", default=",".join(ALL_RUNTIMES),
                    help="comma-separated list (default: swiftrun,runc,crun)")
    ap.add_argument("--swiftrun", default=DEFAULT_SWIFTRUN,
                    help="path to the swiftrun binary (default: .build/release/swiftrun)")
    ap.add_argument("--swiftrun-unavailable", metavar="REASON",
                    help="list swiftrun as unavailable for REASON (e.g. its build failed)")
    ap.add_argument("--also", action="append", default=[], metavar="NAME=PATH",
                    help="one more runtime binary to measure alongside, e.g. an older swiftrun build "
                         "(swiftrun-old=/tmp/swiftrun); repeatable")
    ap.add_argument("--rootfs", default=DEFAULT_ROOTFS, help="busybox rootfs directory")
    ap.add_argument("--config", default=DEFAULT_CONFIG,
                    help="config.json used as template for the bench bundles")
    ap.add_argument("--timeout", type=float, default=CMD_TIMEOUT,
                    help="seconds before one runtime command counts as hung (default 30)")
    ap.add_argument("--json", help="also write raw results to this file")
    ap.add_argument("--quiet", action="store_true", help="no progress output")
    ap.add_argument("--no-unshare", action="store_true",
                    help="do not re-execute in a private mount namespace")
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.runtimes = [r.strip() for r in args.runtimes.split(",") if r.strip()]
    for r in args.runtimes:
        if r not in ALL_RUNTIMES:
            ap.error("unknown runtime %r (choose from %s)" % (r, ", ".join(ALL_RUNTIMES)))
    for x in args.also:
        name, _, path = x.partition("=")
        if not name or not path or name in ALL_RUNTIMES:
            ap.error("--also %r: expected NAME=PATH with a NAME other than %s" % (x, ", ".join(ALL_RUNTIMES)))
    CMD_TIMEOUT = args.timeout
    if args.iterations < 1:
        ap.error("--iterations must be >= 1")
    args.swiftrun = os.path.abspath(args.swiftrun)
    args.rootfs = os.path.abspath(args.rootfs)
    if args.json:
        args.json = os.path.abspath(args.json)

    pure_v2 = os.path.exists("/sys/fs/cgroup/cgroup.controllers")
    hybrid = os.path.exists("/sys/fs/cgroup/unified/cgroup.controllers")
    if not args.inner and not args.no_unshare and not pure_v2 and hybrid:
        if os.geteuid() != 0:
            sys.exit("bench.py must run as root")
        unshare = shutil.which("unshare")
        if not unshare:
            sys.exit("unshare(1) not found (util-linux)")
        argv = [unshare, "-m", "--propagation", "private", "--",
                "sh", "-c", 'mount --bind /sys/fs/cgroup/unified /sys/fs/cgroup && exec "$@"',
                "sh", sys.executable, os.path.abspath(__file__), "--inner"] + sys.argv[1:]
        sys.stdout.flush()
        os.environ["SWIFTRUN_BENCH_V2_VIEW"] = "1"
        os.execv(unshare, argv)
    if not pure_v2 and not args.inner:
        print("warning: no cgroup v2 view; crun may fail", file=sys.stderr)
    try:
        return inner(args)
    except KeyboardInterrupt:
        print("\ninterrupted; cleaned up", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
