#!/usr/bin/env python3
"""Side-by-side latency and memory benchmark of swiftrun, runc and crun.

Measures, for every runtime that is installed and works:
  (a) `run` of /bin/true on the busybox rootfs with five namespaces
      (pid, network, ipc, uts, mount): median and p90 wall-clock latency;
  (b) a create / start / wait-until-stopped / delete cycle: median and p90;
  (c) peak RSS of the runtime's process tree: GNU time's %M, i.e. ru_maxrss
      of exactly that child as wait4 returns it, which also covers the helper
      processes the runtime itself reaped (runc init, crun's fork, ...).
      Measured in a separate, shorter pass so the wrapper does not add to the
      latency numbers. See find_timer() for why not os.wait4 from Python.

Standard library only. Must run as root. On a hybrid cgroup host the script
re-executes itself in a private mount namespace where /sys/fs/cgroup/unified
is bind-mounted over /sys/fs/cgroup, so that every runtime sees a pure cgroup
v2 hierarchy (crun 1.8 requires one). The host's mount table is untouched.

Every runtime gets its own --root in a private temporary directory, every
container ID carries a unique prefix, and only containers created here are
ever touched. Everything is cleaned up at exit, also on failure or Ctrl-C.
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
        self.error = None
        self.unavailable = False
        self.version = ""
        self.run_s, self.run_cpu, self.cycle_s = [], [], []
        self.run_seccomp_s = []
        self.create_s, self.start_s, self.delete_s = [], [], []
        self.maxrss_run = 0
        self.maxrss_cycle = 0

    def cmd(self, *args):
        return [self.binary, "--root", self.root] + list(args)

    def call(self, bundle, *args, capture=False, rss=None):
        """Runs one runtime verb; returns (seconds, rusage, stdout, peak_rss_kib).

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
        peak = None
        if rss:
            peak = read_time_output(rss[1])
        return secs, ru, out, peak

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

    def run_once(self, bundle, cid, rss=None, into=None):
        self.created.add(cid)   # a failed `run` may leave state behind
        secs, ru, _, peak = self.call(bundle, "run", cid, rss=rss)
        self.created.discard(cid)   # a successful `run` deletes the container
        if into is not None:
            into.append(secs)
            return
        if rss:
            self.maxrss_run = max(self.maxrss_run, peak or 0)
            return
        self.run_s.append(secs)
        self.run_cpu.append(ru.ru_utime + ru.ru_stime)

    def cycle_once(self, bundle, cid, rss=None):
        t0 = time.perf_counter()
        self.created.add(cid)
        t_create, _, _, p1 = self.call(bundle, "create", cid, rss=rss)
        t_start, _, _, p2 = self.call(bundle, "start", cid, rss=rss)
        peaks = [p1, p2]
        deadline = time.monotonic() + STOP_TIMEOUT
        while True:
            reap_orphans()
            _, _, out, p = self.call(bundle, "state", cid, capture=True, rss=rss)
            peaks.append(p)
            try:
                status = json.loads(out).get("status")
            except ValueError:
                raise RuntimeFailure("`%s state` printed no JSON: %r" % (self.name, out[:200]))
            if status == "stopped":
                break
            if time.monotonic() > deadline:
                raise RuntimeFailure("container %s still %r %.0fs after start"
                                     % (cid, status, STOP_TIMEOUT))
        t_delete, _, _, p3 = self.call(bundle, "delete", cid, rss=rss)
        peaks.append(p3)
        self.created.discard(cid)
        elapsed = time.perf_counter() - t0
        if rss:
            self.maxrss_cycle = max([self.maxrss_cycle] + [x or 0 for x in peaks])
            return
        self.cycle_s.append(elapsed)
        self.create_s.append(t_create)
        self.start_s.append(t_start)
        self.delete_s.append(t_delete)

    def cleanup(self, bundle):
        for cid in sorted(self.created):
            try:
                exec_measured(self.cmd("delete", "--force", cid), bundle, timeout=15)
            except (OSError, RuntimeFailure):
                pass
        self.created.clear()
        reap_orphans()


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


def make_bundle(workdir, rootfs, template, seccomp=None, name="bundle"):
    """Writes the benchmark bundle: /bin/true, five namespaces, no resources
    (and, with `seccomp`, that profile with no_new_privs)."""
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
    proc["args"] = ["/bin/true"]
    cfg["root"] = {"path": os.path.abspath(rootfs), "readonly": True}
    cfg["hostname"] = "bench"
    linux = cfg.setdefault("linux", {})
    linux.pop("resources", None)          # no device rules, no limits
    linux.pop("cgroupsPath", None)
    linux["namespaces"] = [{"type": t} for t in NAMESPACES]
    linux.pop("seccomp", None)
    if seccomp:
        with open(seccomp) as f:
            linux["seccomp"] = json.load(f)
        proc["noNewPrivileges"] = True
    bundle = os.path.join(workdir, name)
    os.mkdir(bundle)
    with open(os.path.join(bundle, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    return bundle


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


def fmt_ratio(a, b):
    if a is None or b is None or b == 0:
        return "-"
    return "%.2fx" % (a / b)


def print_table(headers, rows):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join(str(h).ljust(w) if i == 0 else str(h).rjust(w)
                     for i, (h, w) in enumerate(zip(headers, widths)))
    print(line)
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                        for i, (c, w) in enumerate(zip(r, widths))))


def summarize(runtimes):
    res = {}
    for rt in runtimes:
        res[rt.name] = {
            "binary": rt.binary, "version": rt.version, "error": rt.error,
            "iterations_run": len(rt.run_s), "iterations_cycle": len(rt.cycle_s),
            "run_median_s": pct(rt.run_s, 50), "run_p90_s": pct(rt.run_s, 90),
            "run_cpu_median_s": pct(rt.run_cpu, 50),
            "cycle_median_s": pct(rt.cycle_s, 50), "cycle_p90_s": pct(rt.cycle_s, 90),
            "run_seccomp_median_s": pct(rt.run_seccomp_s, 50),
            "create_median_s": pct(rt.create_s, 50), "start_median_s": pct(rt.start_s, 50),
            "delete_median_s": pct(rt.delete_s, 50),
            "maxrss_run_kib": rt.maxrss_run or None, "maxrss_cycle_kib": rt.maxrss_cycle or None,
        }
    return res


def report(runtimes, args):
    res = summarize(runtimes)
    print()
    print("swiftrun benchmark: %d iterations, %s %s, %d CPUs, cgroup view: %s"
          % (args.iterations, platform.system(), platform.release(), os.cpu_count() or 0,
             "v2 (unified)" if os.path.exists("/sys/fs/cgroup/cgroup.controllers") else "v1/hybrid"))
    print("container: /bin/true on busybox rootfs, namespaces: %s" % ", ".join(NAMESPACES))
    print("run+seccomp: the same with a Docker-like deny-by-default seccomp profile (%s)"
          % os.path.relpath(SECCOMP_PROFILE, REPO))
    floor = getattr(args, "rss_floor", None)
    print("latency = wall clock of the runtime command(s); cycle = create+start+state polls until"
          " stopped+delete")
    print("peak RSS: max over %d extra iterations under GNU time (its own floor for /bin/true: %s)"
          % (args.rss_iterations, "%.1f MiB" % (floor / 1024) if floor else "n/a, RSS not measured"))
    print()
    rows = []
    for rt in runtimes:
        r = res[rt.name]
        status = ("ok" if not rt.error else "FAILED" if rt.binary
                  else "unavailable" if rt.unavailable else "missing")
        rows.append([rt.name, status,
                     fmt_ms(r["run_median_s"]), fmt_ms(r["run_p90_s"]), fmt_ms(r["run_cpu_median_s"]),
                     fmt_ms(r["run_seccomp_median_s"]),
                     fmt_ms(r["cycle_median_s"]), fmt_ms(r["cycle_p90_s"]),
                     fmt_ms(r["create_median_s"]), fmt_ms(r["start_median_s"]), fmt_ms(r["delete_median_s"]),
                     "%.1f" % (r["maxrss_run_kib"] / 1024) if r["maxrss_run_kib"] else "-",
                     "%.1f" % (r["maxrss_cycle_kib"] / 1024) if r["maxrss_cycle_kib"] else "-"])
    print_table(["runtime", "status", "run p50 ms", "run p90 ms", "run cpu ms", "run+seccomp p50 ms",
                 "cycle p50 ms", "cycle p90 ms", "create ms", "start ms", "delete ms",
                 "RSS run MiB", "RSS cycle MiB"], rows)

    print()
    print("Ratios (lower is better; <1.00x means faster / smaller than the reference):")
    metrics = [("run p50", "run_median_s"), ("run+seccomp p50", "run_seccomp_median_s"),
               ("cycle p50", "cycle_median_s"),
               ("peak RSS (run)", "maxrss_run_kib"), ("peak RSS (cycle)", "maxrss_cycle_kib")]
    rows = []
    for rt in runtimes:
        r = res[rt.name]
        row = [rt.name]
        for _, key in metrics:
            row.append("%s / %s" % tuple(fmt_ratio(r[key], res.get(ref, {}).get(key))
                                         for ref in ("runc", "crun")))
        rows.append(row)
    print_table(["runtime (vs runc / vs crun)"] + [label for label, _ in metrics], rows)

    print()
    for rt in runtimes:
        print("%-8s %s  [%s]" % (rt.name, rt.version or "-",
                                 rt.binary or ("not built" if rt.unavailable else "not found")))
        if rt.error:
            print("         error: %s" % rt.error)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"iterations": args.iterations, "rss_iterations": args.rss_iterations,
                       "rss_floor_kib": floor, "kernel": platform.release(),
                       "cpus": os.cpu_count(), "results": res}, f, indent=2)
        print("\nraw results written to %s" % args.json)


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
    workdir = tempfile.mkdtemp(prefix="swiftrun-bench-")
    STRAY_MARKER = workdir + "/"
    prefix = "bench-%d-%s-" % (os.getpid(), os.urandom(3).hex())
    runtimes = []
    bundle = None
    try:
        bundle = make_bundle(workdir, args.rootfs, args.config)
        sc_bundle = make_bundle(workdir, args.rootfs, args.config, seccomp=SECCOMP_PROFILE,
                                name="bundle-seccomp")
        for name in args.runtimes:
            binary = args.swiftrun if name == "swiftrun" else shutil.which(name)
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
                rt.run_once(bundle, prefix + name + "-warmup")
                rt.run_s, rt.run_cpu, rt.maxrss_run = [], [], 0
            except (OSError, RuntimeFailure) as exc:
                rt.error = "warm-up run failed: %s" % exc
                rt.cleanup(bundle)

        live = [rt for rt in runtimes if not rt.error]
        timer, floor = find_timer(workdir)
        args.rss_floor = floor
        scratch = os.path.join(workdir, "time.out")
        phases = [("run", args.iterations, None), ("run-seccomp", args.iterations, None),
                  ("cycle", args.iterations, None)]
        if timer and args.rss_iterations > 0:
            phases += [("rss-run", args.rss_iterations, (timer, scratch)),
                       ("rss-cycle", args.rss_iterations, (timer, scratch))]
        # Interleave runtimes per iteration so drift (page cache, CPU frequency,
        # noisy neighbours) affects all of them alike.
        progress = not args.quiet and sys.stderr.isatty()
        for phase, count, rss in phases:
            for i in range(count):
                for rt in live:
                    if rt.error:
                        continue
                    cid = "%s%s-%s-%d" % (prefix, rt.name, phase, i)
                    try:
                        if phase == "run-seccomp":
                            rt.run_once(sc_bundle, cid, into=rt.run_seccomp_s)
                        elif phase.endswith("run"):
                            rt.run_once(bundle, cid, rss=rss)
                        else:
                            rt.cycle_once(bundle, cid, rss=rss)
                    except (OSError, RuntimeFailure) as exc:
                        rt.error = "%s iteration %d: %s" % (phase, i, exc)
                        rt.cleanup(bundle)
                    reap_orphans()
                if progress:
                    print("\r%-9s %d/%d" % (phase, i + 1, count), end="", file=sys.stderr, flush=True)
            if progress:
                print(file=sys.stderr)
            elif not args.quiet:
                print("%-9s done (%d iterations)" % (phase, count), file=sys.stderr, flush=True)
        report(runtimes, args)
    finally:
        for rt in runtimes:
            if rt.binary:
                rt.cleanup(bundle or workdir)
        kill_strays()
        shutil.rmtree(workdir, ignore_errors=True)
    # The benchmark itself succeeded if at least one runtime produced numbers.
    return 0 if any(rt.run_s for rt in runtimes) else 1


def main():
    global CMD_TIMEOUT
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--iterations", "-n", type=int, default=30,
                    help="measured iterations per runtime and phase (default 30)")
    ap.add_argument("--rss-iterations", type=int, default=5,
                    help="extra iterations, run under GNU time, for peak RSS (default 5; 0 = skip)")
    ap.add_argument("--runtimes", default=",".join(ALL_RUNTIMES),
                    help="comma-separated list (default: swiftrun,runc,crun)")
    ap.add_argument("--swiftrun", default=DEFAULT_SWIFTRUN,
                    help="path to the swiftrun binary (default: .build/release/swiftrun)")
    ap.add_argument("--swiftrun-unavailable", metavar="REASON",
                    help="list swiftrun as unavailable for REASON (e.g. its build failed)")
    ap.add_argument("--rootfs", default=DEFAULT_ROOTFS, help="busybox rootfs directory")
    ap.add_argument("--config", default=DEFAULT_CONFIG,
                    help="config.json used as template for the bench bundle")
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
