"""make install / uninstall / deb, the man pages, the completions and --version.

Run by `make install-test` (a step of `make test`) as root, after `make build`:
every test drives make, dpkg, apt-get, groff, man or a shell the way a person
or a distribution would, against the tree's own release build.
"""

import glob
import gzip
import os
import re
import shutil
import subprocess
import tempfile

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.path.join(REPO, ".build", "release", "swiftrun")
MAKE = os.environ.get("MAKE", "make")

COMPLETIONS = {
    "bash": "share/bash-completion/completions/swiftrun",
    "zsh": "share/zsh/site-functions/_swiftrun",
    "fish": "share/fish/vendor_completions.d/swiftrun.fish",
}


def run(argv, check=True, **kw):
    kw.setdefault("stdin", subprocess.DEVNULL)
    kw.setdefault("timeout", 300)
    p = subprocess.run([str(a) for a in argv], capture_output=True, text=True, **kw)
    if check and p.returncode != 0:
        raise AssertionError("%s exited %d\nstdout:\n%s\nstderr:\n%s"
                             % (" ".join(map(str, argv)), p.returncode, p.stdout[-4000:], p.stderr[-4000:]))
    return p


def make(*args):
    # -s: only what the recipes print; the Makefile's own build step runs (a no-op
    # after `make build`), so this is exactly what `make install` does for a user.
    return run([MAKE, "-s", "--no-print-directory", "-C", REPO] + list(args))


def files_under(root):
    out = set()
    for d, _, names in os.walk(root):
        for n in names:
            out.add("/" + os.path.relpath(os.path.join(d, n), root))
    return out


def help_text(*verb):
    return run([BINARY] + list(verb) + ["--help"]).stdout


def verbs():
    """The subcommands listed by `swiftrun --help` (without `help`)."""
    text = help_text()
    block = text.split("SUBCOMMANDS:", 1)[1]
    names = re.findall(r"^  ([a-z][a-z-]*)\s", block, re.M)
    assert "create" in names and "exec" in names, text
    return names


def help_flags(text):
    """Every -x / --long-flag in the OPTIONS section of a --help text."""
    opts = text.split("OPTIONS:", 1)[1].split("SUBCOMMANDS:", 1)[0]
    flags = set()
    for l in opts.splitlines():
        m = re.match(r"^\s{2}(-.*?)(?:\s{2,}|$)", l)
        if m:
            flags |= set(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", m.group(1)))
    return flags


# For parametrize; without a binary the session fixture stops the run with the reason.
VERBS = verbs() if os.access(BINARY, os.X_OK) else []


def expected_files(prefix):
    pages = ["swiftrun"] + ["swiftrun-" + v for v in verbs()]
    want = {prefix + "/sbin/swiftrun"}
    want |= {prefix + "/share/man/man8/%s.8" % p for p in pages}
    want |= {prefix + "/" + c for c in COMPLETIONS.values()}
    return want


def render(page, width=200):
    """A man page as plain text (no overstrike, no SGR), and groff's warnings."""
    p = run(["groff", "-ww", "-man", "-Tascii", "-P-cbou", "-rLL=%dn" % width, page],
            env=dict(os.environ, LC_ALL="C.UTF-8"))
    return p.stdout, p.stderr


def snapshot(paths):
    """Names, sizes and mtimes below system directories install must not touch."""
    seen = {}
    for top in paths:
        for d, _, names in os.walk(top):
            for n in names:
                f = os.path.join(d, n)
                try:
                    st = os.lstat(f)
                except FileNotFoundError:
                    continue
                seen[f] = (st.st_size, st.st_mtime_ns)
    return seen


# Where an install that ignored DESTDIR would write (default PREFIX, or /usr).
SYSTEM_DIRS = ["/usr/local/sbin", "/usr/local/share", "/usr/share/man/man8",
               "/usr/share/bash-completion/completions", "/usr/share/zsh", "/usr/share/fish", "/usr/sbin"]


@pytest.fixture(scope="session", autouse=True)
def _root_and_binary():
    if os.geteuid() != 0:
        pytest.exit("Tests/install must run as root (dpkg, apt-get and mount namespaces)", returncode=2)
    if not os.access(BINARY, os.X_OK):
        pytest.exit("%s not built: run `make build` first" % BINARY, returncode=2)


@pytest.fixture(scope="session")
def installed(tmp_path_factory):
    """One `make install DESTDIR=...` with the default PREFIX, and what it left outside."""
    dest = str(tmp_path_factory.mktemp("destdir"))
    before = snapshot(SYSTEM_DIRS)
    out = make("install", "DESTDIR=" + dest).stdout
    after = snapshot(SYSTEM_DIRS)
    return dest, out, before, after


@pytest.fixture(scope="session")
def deb(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("deb"))
    make("deb", "DEB_OUT=" + out)
    debs = glob.glob(os.path.join(out, "swiftrun_*.deb"))
    assert len(debs) == 1, debs
    return debs[0]


# ---------------------------------------------------------------- make install

def test_install_writes_exactly_the_expected_files(installed):
    dest, _, _, _ = installed
    assert files_under(dest) == expected_files("/usr/local")


def test_install_writes_nothing_outside_destdir(installed):
    _, _, before, after = installed
    added = sorted(set(after) - set(before))
    changed = sorted(f for f in set(before) & set(after) if before[f] != after[f])
    assert not added and not changed, "outside DESTDIR: added %s, changed %s" % (added, changed)


def test_installed_binary_is_stripped_and_runs(installed):
    dest, _, _, _ = installed
    exe = os.path.join(dest, "usr/local/sbin/swiftrun")
    assert os.stat(exe).st_mode & 0o777 == 0o755
    sections = run(["readelf", "-S", "-W", exe]).stdout
    assert ".symtab" not in sections and ".debug_info" not in sections, "not stripped"
    assert ".debug_info" in run(["readelf", "-S", "-W", BINARY]).stdout  # the build keeps them
    assert run([exe, "--version"]).stdout == run([BINARY, "--version"]).stdout
    for f in files_under(dest) - {"/usr/local/sbin/swiftrun"}:
        assert os.stat(dest + f).st_mode & 0o777 == 0o644, f


def test_install_honours_prefix_and_directory_overrides(tmp_path):
    make("install", "DESTDIR=%s" % tmp_path, "PREFIX=/opt/sr", "MANDIR=/opt/sr/man",
         "ZSHCOMPDIR=/usr/share/zsh/vendor-completions")
    want = {f.replace("/opt/sr/share/man", "/opt/sr/man") for f in expected_files("/opt/sr")}
    want = {f.replace("/opt/sr/share/zsh/site-functions", "/usr/share/zsh/vendor-completions")
            for f in want}
    assert files_under(str(tmp_path)) == want


def test_uninstall_removes_exactly_what_install_wrote(tmp_path):
    make("install", "DESTDIR=%s" % tmp_path)
    foreign = [tmp_path / "usr/local/sbin/runc", tmp_path / "usr/local/share/man/man8/runc.8",
               tmp_path / "usr/local/share/bash-completion/completions/runc"]
    for f in foreign:
        f.write_text("not ours\n")
    make("uninstall", "DESTDIR=%s" % tmp_path)
    assert files_under(str(tmp_path)) == {"/" + str(f.relative_to(tmp_path)) for f in foreign}
    # and again: nothing to remove is not an error
    make("uninstall", "DESTDIR=%s" % tmp_path)


# ---------------------------------------------------------------- man pages

def pages_of(installed):
    dest = installed[0]
    return {os.path.basename(p)[:-2]: p
            for p in glob.glob(os.path.join(dest, "usr/local/share/man/man8/*.8"))}


def test_every_verb_has_a_page_and_is_listed_in_swiftrun_8(installed):
    pages = pages_of(installed)
    text, _ = render(pages["swiftrun"])
    commands = text.split("\nCOMMANDS\n", 1)[1].split("\nEXIT STATUS\n", 1)[0]
    for v in verbs():
        assert "swiftrun-" + v in pages, "no swiftrun-%s(8)" % v
        assert re.search(r"^\s+%s\b" % re.escape(v), commands, re.M), "%s not in COMMANDS" % v
        assert "swiftrun-%s(8)" % v in text


@pytest.mark.parametrize("verb", [None] + VERBS)
def test_every_help_flag_is_in_the_page(installed, verb):
    page = pages_of(installed)["swiftrun" if verb is None else "swiftrun-" + verb]
    text, _ = render(page)
    flags = help_flags(help_text(*([verb] if verb else [])))
    assert "--help" in flags and "--root" in flags
    # Only the option lists count, not a mention in the prose or the examples.
    start = re.search(r"^(GLOBAL )?OPTIONS$", text, re.M).start()
    end = start + re.search(r"^(COMMANDS|EXIT STATUS)$", text[start:], re.M).start()
    documented = set(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", text[start:end]))
    missing = sorted(flags - documented)
    assert not missing, "in `swiftrun %s --help` but not in %s: %s" % (verb or "", page, missing)


@pytest.mark.parametrize("verb", [None] + VERBS)
def test_page_has_the_sections_and_renders_without_warnings(installed, verb):
    name = "swiftrun" if verb is None else "swiftrun-" + verb
    page = pages_of(installed)[name]
    text, warnings = render(page, width=80)
    assert warnings == "", "groff -ww: " + warnings
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "ENVIRONMENT",
                    "FILES", "EXAMPLES", "SEE ALSO"):
        assert re.search(r"^%s$" % section, text, re.M) or \
            (section == "OPTIONS" and "\nGLOBAL OPTIONS\n" in text), "%s: no %s" % (name, section)
    for word in ("XDG_RUNTIME_DIR", "NOTIFY_SOCKET", "LISTEN_FDS", "/run/swiftrun"):
        assert word in text, "%s does not mention %s" % (name, word)
    assert re.search(r"^%s - \S" % re.escape(name), text.split("NAME", 1)[1].strip(), re.M)
    # man-db's own check, as lintian runs it
    p = run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", page],
            env=dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="80"))
    assert p.stderr == "", p.stderr


# ---------------------------------------------------------------- completions

def test_bash_completion_loads_and_completes(installed):
    f = os.path.join(installed[0], "usr/local", COMPLETIONS["bash"])
    script = ('source %s; complete -p swiftrun; COMP_WORDS=(swiftrun cr); COMP_CWORD=1; '
              'COMP_LINE="swiftrun cr"; COMP_POINT=${#COMP_LINE}; _swiftrun swiftrun cr swiftrun; '
              'printf "%%s\\n" "${COMPREPLY[@]}"' % f)
    p = run(["bash", "-c", script])
    assert "-F _swiftrun swiftrun" in p.stdout
    assert "create" in p.stdout.split(), p.stdout
    if os.path.exists("/usr/share/bash-completion/bash_completion"):
        p = run(["bash", "-c", "source /usr/share/bash-completion/bash_completion; source %s; "
                 "complete -p swiftrun" % f])
        assert "_swiftrun" in p.stdout


def test_zsh_completion_parses(installed):
    if not shutil.which("zsh"):
        pytest.skip("zsh is not installed (make deps installs it)")
    run(["zsh", "-n", os.path.join(installed[0], "usr/local", COMPLETIONS["zsh"])])


def test_fish_completion_loads_and_completes(installed, tmp_path):
    if not shutil.which("fish"):
        pytest.skip("fish is not installed (make deps installs it)")
    f = os.path.join(installed[0], "usr/local", COMPLETIONS["fish"])
    p = run(["fish", "--no-config", "-c", "source %s; complete -C 'swiftrun cr'" % f],
            env=dict(os.environ, HOME=str(tmp_path)))
    assert re.search(r"^create\b", p.stdout, re.M), p.stdout


# ---------------------------------------------------------------- --version

def test_version_has_runc_layout():
    out = run([BINARY, "--version"]).stdout
    lines = out.splitlines()
    assert len(lines) == 5, out
    assert re.fullmatch(r"swiftrun version \d+\.\d+\.\d+\S*", lines[0]), lines[0]
    assert re.fullmatch(r"commit: ([0-9a-f]{40}(-dirty)?|unknown)", lines[1]), lines[1]
    assert lines[2] == "spec: 1.3.0"
    assert re.fullmatch(r"swift: \d+\.\d+(\.\d+)?.*", lines[3]), lines[3]
    assert re.fullmatch(r"libseccomp: \d+\.\d+\.\d+", lines[4]), lines[4]
    for argv in (["-v"], ["--root", "/nonexistent", "--version"], ["--log-format=json", "-v"],
                 ["list", "--version"]):
        assert run([BINARY] + argv).stdout == out, argv


def test_version_matches_the_checkout_and_the_linked_libseccomp():
    lines = run([BINARY, "--version"]).stdout.splitlines()
    info = dict(l.split("=", 1) for l in
                run(["sh", os.path.join(REPO, "mk/buildinfo.sh"), "--print", REPO]).stdout.splitlines())
    assert lines[0] == "swiftrun version " + info["version"]
    assert lines[1] == "commit: " + info["commit"]
    if os.path.isdir(os.path.join(REPO, ".git")) or os.path.isfile(os.path.join(REPO, ".git")):
        head = run(["git", "-C", REPO, "rev-parse", "HEAD"]).stdout.strip()
        assert lines[1].startswith("commit: " + head)
    # Linked statically: the version is that of the libseccomp-dev the build used.
    dev = run(["dpkg-query", "-W", "-f=${Version}", "libseccomp-dev"], check=False).stdout
    if dev:
        assert lines[4] == "libseccomp: " + re.match(r"(?:\d+:)?(\d+\.\d+\.\d+)", dev).group(1)
    feats = run([BINARY, "features"]).stdout
    assert '"org.swiftrun.version": "%s"' % info["version"] in feats


def test_version_script_works_from_a_tarball(tmp_path):
    """`git archive` output (no .git): the version is VERSION, the commit the archived one."""
    if not shutil.which("git") or run(["git", "-C", REPO, "rev-parse", "HEAD"], check=False).returncode:
        pytest.skip("not a git checkout, so there is no archive to make")
    tar = subprocess.run(["git", "-C", REPO, "archive", "HEAD"], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tmp_path)], input=tar, check=True)
    info = dict(l.split("=", 1) for l in
                run(["sh", str(tmp_path / "mk/buildinfo.sh"), "--print", str(tmp_path)]).stdout.splitlines())
    head = run(["git", "-C", REPO, "rev-parse", "HEAD"]).stdout.strip()
    assert info["commit"] == head
    version = open(os.path.join(REPO, "VERSION")).read().strip()
    assert info["version"] == version or re.fullmatch(r"\d+\.\d+\.\d+.*", info["version"])


def test_pages_build_without_a_commit_date():
    """Outside git the date is empty: it must reach neither swift build (clang rejects an
    empty SOURCE_DATE_EPOCH) nor the pages (which then carry today's date)."""
    p = run([MAKE, "-s", "--no-print-directory", "-C", REPO, "man", "SOURCE_DATE_EPOCH="],
            env=dict(os.environ, SOURCE_DATE_EPOCH=""))
    assert "manpages: " in p.stdout
    th = open(os.path.join(REPO, ".build/dist/man/swiftrun.8")).read().split("\n.TH ", 1)[1]
    assert re.match(r'SWIFTRUN 8 "\d{4}-\d\d-\d\d" ', th), th[:80]


# ---------------------------------------------------------------- make deb

def debianize(v):
    """mk/deb.sh's mapping of a --version to a native Debian version."""
    v = v.replace("-dev.", "~dev.", 1)
    v = re.sub(r"-(\d+)-g", r"+\1.g", v, count=1)
    v = re.sub(r"-dirty$", ".dirty", v)
    return v.replace("-", ".")


def test_debianize_orders_like_the_versions():
    assert debianize("0.1.0-dev.57+g1a2b3c4") == "0.1.0~dev.57+g1a2b3c4"
    assert debianize("0.2.0-3-g1a2b3c4-dirty") == "0.2.0+3.g1a2b3c4.dirty"
    assert debianize("0.2.0") == "0.2.0"
    order = ["0.1.0-dev.9+gffff", "0.1.0-dev.57+g1a2b", "0.1.0", "0.1.0-3-gabc", "0.2.0-dev.60+g0"]
    for a, b in zip(order, order[1:]):
        assert run(["dpkg", "--compare-versions", debianize(a), "lt", debianize(b)],
                   check=False).returncode == 0, (a, b)


def deb_field(deb, name):
    return run(["dpkg-deb", "-f", deb, name]).stdout.strip()


def test_deb_control_fields(deb):
    version = run([BINARY, "--version"]).stdout.splitlines()[0].split()[-1]
    assert deb_field(deb, "Package") == "swiftrun"
    dv = deb_field(deb, "Version")
    assert re.fullmatch(r"[0-9][A-Za-z0-9.+~]*", dv), dv  # native: no hyphen
    assert dv == debianize(version)
    assert os.path.basename(deb) == "swiftrun_%s_%s.deb" % (
        dv, run(["dpkg", "--print-architecture"]).stdout.strip())
    assert run(["dpkg", "--compare-versions", dv, "gt", "0"]).returncode == 0
    assert deb_field(deb, "Architecture") == run(["dpkg", "--print-architecture"]).stdout.strip()
    assert deb_field(deb, "Section") == "admin"
    assert "<" in deb_field(deb, "Maintainer")
    # The binary is static: libseccomp is built in, so no Depends; Built-Using names it.
    assert "NEEDED" not in run(["readelf", "-d", BINARY], check=False).stdout
    assert deb_field(deb, "Depends") == "" and deb_field(deb, "Pre-Depends") == ""
    built_using = deb_field(deb, "Built-Using")
    assert re.search(r"\blibseccomp \(= [^)]+\)", built_using), built_using
    assert "glibc (= " in built_using
    symbols = run(["nm", BINARY]).stdout
    if not re.search(r" cap_get_proc$", symbols, re.M):
        assert "libcap2" not in built_using, "Built-Using names libcap, which is not linked in"
    desc = deb_field(deb, "Description")
    assert "statically" in desc and "libseccomp" in desc
    assert int(deb_field(deb, "Installed-Size")) > 1000


def test_deb_contents(deb):
    listing = run(["dpkg-deb", "-c", deb]).stdout
    files = set()
    for l in listing.splitlines():
        perms, owner, path = l.split()[0], l.split()[1], l.split()[-1]
        assert owner == "root/root", l
        if not perms.startswith("d"):
            files.add(path.lstrip("."))
            assert perms == ("-rwxr-xr-x" if path.endswith("/sbin/swiftrun") else "-rw-r--r--"), l
    pages = ["swiftrun"] + ["swiftrun-" + v for v in verbs()]
    want = {"/usr/sbin/swiftrun",
            "/usr/share/bash-completion/completions/swiftrun",
            "/usr/share/zsh/vendor-completions/_swiftrun",
            "/usr/share/fish/vendor_completions.d/swiftrun.fish",
            "/usr/share/doc/swiftrun/copyright",
            "/usr/share/doc/swiftrun/changelog.gz",
            "/usr/share/lintian/overrides/swiftrun"}
    want |= {"/usr/share/man/man8/%s.8.gz" % p for p in pages}
    assert files == want
    with tempfile.TemporaryDirectory() as d:
        run(["dpkg-deb", "-x", deb, d])
        copyright_text = open(os.path.join(d, "usr/share/doc/swiftrun/copyright")).read()
        for part in ("libseccomp", "LGPL-2.1", "Apache", "glibc"):
            assert part in copyright_text
        with gzip.open(os.path.join(d, "usr/share/man/man8/swiftrun.8.gz"), "rt") as f:
            assert f.read().startswith('.\\"')


def test_deb_is_lintian_clean(deb):
    if not shutil.which("lintian"):
        pytest.skip("lintian is not installed (make deps installs it)")
    # Errors and warnings fail; info tags are shown (-v) but allowed: the only ones are
    # spelling-error-in-binary false positives in the static libraries' strings.
    p = run(["lintian", "--fail-on", "error,warning", "--display-info", deb], check=False)
    print(p.stdout)
    tags = [l for l in p.stdout.splitlines() if re.match(r"^[EW]: ", l)]
    assert p.returncode == 0 and not tags, p.stdout + p.stderr
    assert not [l for l in p.stdout.splitlines() if l.startswith("I: ")
                and "spelling-error-in-binary" not in l], p.stdout


def test_deb_installs_runs_and_removes_with_dpkg_root(deb, tmp_path):
    root = tmp_path / "root"
    for d in ("var/lib/dpkg/info", "var/lib/dpkg/updates"):
        (root / d).mkdir(parents=True)
    (root / "var/lib/dpkg/status").write_text("")
    dpkg = ["dpkg", "--root=%s" % root, "--log=/dev/null"]
    run(dpkg + ["-i", deb])
    env = dict(os.environ, PATH="%s/usr/sbin:/usr/bin:/bin" % root)
    p = run(["sh", "-c", "command -v swiftrun && swiftrun --version"], env=env)
    assert p.stdout.splitlines()[0] == str(root / "usr/sbin/swiftrun")
    assert p.stdout.splitlines()[1].startswith("swiftrun version ")
    page = run(["man", "-M", str(root / "usr/share/man"), "-P", "cat", "swiftrun"],
               env=dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")).stdout
    assert page.startswith("SWIFTRUN(8)")
    assert "Status: install ok installed" in run(dpkg[:2] + ["-s", "swiftrun"]).stdout
    run(dpkg + ["-r", "swiftrun"])
    assert not [f for f in files_under(str(root)) if not f.startswith("/var/lib/dpkg/")]


def test_deb_apt_get_install_in_a_private_mount_namespace(deb, tmp_path):
    """The real thing: `apt-get install ./swiftrun_*.deb`, then swiftrun from PATH and
    `man swiftrun`, then `apt-get remove`, with /usr, /var and /etc overlaid in a
    mount namespace of its own so the host is untouched."""
    if not shutil.which("unshare") or not shutil.which("apt-get"):
        pytest.skip("needs unshare(1) and apt-get")
    if "overlay" not in open("/proc/filesystems").read():
        pytest.skip("this kernel has no overlay filesystem for the throwaway /usr, /var and /etc")
    script = r"""
set -eu
t=$1 deb=$2
for d in usr var etc; do
    mkdir -p "$t/$d.up" "$t/$d.work"
    mount -t overlay overlay -o "lowerdir=/$d,upperdir=$t/$d.up,workdir=$t/$d.work" "/$d"
done
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends "$deb" >"$t/apt.log" 2>&1 \
    || { cat "$t/apt.log"; exit 1; }
echo "path=$(command -v swiftrun)"
swiftrun --version | sed -n 1p
MANWIDTH=80 man -P cat swiftrun | sed -n 1p
man -w swiftrun-create
apt-get remove -y -q swiftrun >>"$t/apt.log" 2>&1 || { cat "$t/apt.log"; exit 1; }
if [ -e /usr/sbin/swiftrun ]; then echo "still-there"; else echo "removed"; fi
"""
    before = os.path.exists("/usr/sbin/swiftrun")
    p = run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh",
             str(tmp_path), deb], check=False)
    if p.returncode != 0 and "mount" in p.stderr and "overlay" in p.stderr:
        pytest.skip("overlay mounts are refused here: " + p.stderr.strip())
    assert p.returncode == 0, p.stdout + p.stderr
    lines = p.stdout.splitlines()
    assert lines[0] == "path=/usr/sbin/swiftrun", p.stdout
    assert lines[1].startswith("swiftrun version "), p.stdout
    assert lines[2].startswith("SWIFTRUN(8)"), p.stdout
    assert lines[3] == "/usr/share/man/man8/swiftrun-create.8.gz", p.stdout
    assert lines[4] == "removed", p.stdout
    assert os.path.exists("/usr/sbin/swiftrun") == before  # the host did not see any of it
