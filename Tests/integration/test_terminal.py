"""process.terminal with --console-socket: the pty master arrives over the socket."""

import fcntl
import os
import struct
import termios

import pytest

from helpers import BINARY, ConsoleReceiver, new_id, read_until_end as read_all, run_in_pty


@pytest.fixture
def console(tmp_path):
    """Factory: console(name) -> a ConsoleReceiver listening in tmp_path, closed after the test."""
    made = []

    def make(name="console.sock"):
        made.append(ConsoleReceiver(str(tmp_path / name)))
        return made[-1]
    yield make
    for r in made:
        r.close()


def _create_start_read(rt, b, recv, on_master=None):
    """create with --console-socket, take the pty master (on_master(master) sees it before
    start), start, and return everything the container wrote up to "END"."""
    cid = new_id()
    rt.create(b, cid, "--console-socket", recv.path)
    master = recv.receive_master()
    try:
        if on_master:
            on_master(master)
        rt("start", cid)
        return read_all(master)
    finally:
        os.close(master)


def _run_in_pty(rt, b, **kw):
    """`run` of b in the foreground (cwd: the bundle) with a fresh pty as its terminal:
    (exit code, output bytes); kw as helpers.run_in_pty."""
    cid, _ = rt.run_argv(b)
    return run_in_pty([BINARY, "--root", rt.root, "run", cid], cwd=b.path, **kw)


def test_console_socket_receives_pty_master_with_size(rt, bundle, console):
    b = bundle().sh("tty; stty size; ls -l /dev/console; echo END")
    b.config["process"]["terminal"] = True
    b.config["process"]["consoleSize"] = {"height": 33, "width": 111}

    def size_before_start(master):
        rows, cols, _, _ = struct.unpack("HHHH", fcntl.ioctl(master, termios.TIOCGWINSZ, b"\0" * 8))
        assert (rows, cols) == (33, 111)
    out = _create_start_read(rt, b, console(), on_master=size_before_start)
    lines = [l.strip() for l in out.splitlines()]
    assert lines[0].startswith("/dev/pts/"), out
    assert lines[1] == "33 111", out
    assert lines[2].startswith("c"), out  # /dev/console is the pty slave (a char device)


def test_terminal_without_console_socket_fails_create(rt, bundle):
    b = bundle().args("true")
    b.config["process"]["terminal"] = True
    cid = new_id()
    p = rt.create(b, cid, check=False)
    assert p.returncode != 0
    assert "console" in p.stderr.lower()
    assert not rt.exists(cid)


def test_run_foreground_proxies_pty_with_window_size(rt, bundle):
    b = bundle().sh("tty; stty size; exit 5")
    b.config["process"]["terminal"] = True
    code, out = _run_in_pty(rt, b, winsize=(40, 132))
    out = out.decode(errors="replace")
    assert "/dev/pts/" in out and "40 132" in out, out
    assert code == 5


def test_terminal_belongs_to_the_process_user(rt, bundle, console):
    b = bundle().sh("stat -c %u:%g $(tty); echo ok > /proc/self/fd/1; echo END")
    b.config["process"]["terminal"] = True
    b.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    out = _create_start_read(rt, b, console())
    lines = [l.strip() for l in out.splitlines()]
    assert lines[0] == "1000:5", out  # the uid changes, the devpts gid (tty) stays
    assert "ok" in lines, out
    # exec --tty: the same for its pty.
    b.config["process"]["terminal"] = False
    b.args("sleep", "300")
    cid = new_id()
    rt.run(b, cid, "--detach")
    recv = console("exec.sock")
    p = rt.popen("exec", "--tty", "--detach", "--console-socket", recv.path, "--user", "1000:1000", cid,
                 "sh", "-c", "stat -c %u:%g $(tty); echo ok > /proc/self/fd/1; echo END")
    master = recv.receive_master()
    p.wait(timeout=20)
    out = read_all(master)
    os.close(master)
    lines = [l.strip() for l in out.splitlines()]
    assert lines[0] == "1000:5" and "ok" in lines, out


def test_run_foreground_terminal_output_has_no_carriage_returns(rt, bundle):
    # The pty proxied by `run` has ONLCR cleared, so "\n" stays "\n" (the outer terminal
    # here has it cleared too, so only the container's pty could add "\r").
    b = bundle().sh("printf 'a\\nb\\n'")
    b.config["process"]["terminal"] = True
    code, out = _run_in_pty(rt, b, onlcr=False)
    assert code == 0, out
    assert out == b"a\nb\n", out