"""process.terminal with --console-socket: the pty master arrives over the socket."""

import array
import fcntl
import os
import socket
import struct
import termios

from helpers import BINARY, new_id, read_pty, run_in_pty


class ConsoleReceiver:
    """A minimal console-socket server, as containerd's shim or conmon run one."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(1)
        self.sock.settimeout(20)

    def receive_master(self):
        conn, _ = self.sock.accept()
        with conn:
            fds = array.array("i")
            msg, anc, _, _ = conn.recvmsg(256, socket.CMSG_LEN(fds.itemsize))
            for level, kind, data in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds.frombytes(data[:fds.itemsize])
        assert len(fds) == 1, "no fd received over the console socket"
        return fds[0]

    def close(self):
        self.sock.close()


def read_all(fd, timeout=10):
    return read_pty(fd, timeout, until=b"END").decode(errors="replace")


def test_console_socket_receives_pty_master_with_size(rt, bundle, tmp_path):
    b = bundle().sh("tty; stty size; ls -l /dev/console; echo END")
    b.config["process"]["terminal"] = True
    b.config["process"]["consoleSize"] = {"height": 33, "width": 111}
    recv = ConsoleReceiver(str(tmp_path / "console.sock"))
    cid = new_id()
    try:
        rt.create(b, cid, "--console-socket", recv.path)
        master = recv.receive_master()
        rows, cols, _, _ = struct.unpack("HHHH", fcntl.ioctl(master, termios.TIOCGWINSZ, b"\0" * 8))
        assert (rows, cols) == (33, 111)
        rt("start", cid)
        out = read_all(master)
        os.close(master)
    finally:
        recv.close()
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
    import pty
    import termios
    from helpers import BINARY
    b = bundle().sh("tty; stty size; exit 5")
    b.config["process"]["terminal"] = True
    b.save()
    cid = new_id()
    rt.ids.add(cid)
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 132, 0, 0))
        os.chdir(b.path)
        os.execv(BINARY, [BINARY, "--root", rt.root, "run", cid])
    out = read_all(fd, timeout=15)
    _, st = os.waitpid(pid, 0)
    os.close(fd)
    assert "/dev/pts/" in out and "40 132" in out, out
    assert os.waitstatus_to_exitcode(st) == 5


def test_terminal_belongs_to_the_process_user(rt, bundle, tmp_path):
    b = bundle().sh("stat -c %u:%g $(tty); echo ok > /proc/self/fd/1; echo END")
    b.config["process"]["terminal"] = True
    b.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    recv = ConsoleReceiver(str(tmp_path / "console.sock"))
    cid = new_id()
    try:
        rt.create(b, cid, "--console-socket", recv.path)
        master = recv.receive_master()
        rt("start", cid)
        out = read_all(master)
        os.close(master)
    finally:
        recv.close()
    lines = [l.strip() for l in out.splitlines()]
    assert lines[0] == "1000:5", out  # the uid changes, the devpts gid (tty) stays
    assert "ok" in lines, out
    # exec --tty: the same for its pty.
    b.config["process"]["terminal"] = False
    b.args("sleep", "300")
    cid = new_id()
    rt.run(b, cid, "--detach")
    recv = ConsoleReceiver(str(tmp_path / "exec.sock"))
    try:
        p = rt.popen("exec", "--tty", "--detach", "--console-socket", recv.path, "--user", "1000:1000", cid,
                     "sh", "-c", "stat -c %u:%g $(tty); echo ok > /proc/self/fd/1; echo END")
        master = recv.receive_master()
        p.wait(timeout=20)
        out = read_all(master)
        os.close(master)
    finally:
        recv.close()
    lines = [l.strip() for l in out.splitlines()]
    assert lines[0] == "1000:5" and "ok" in lines, out


def test_run_foreground_terminal_output_has_no_carriage_returns(rt, bundle):
    # The pty proxied by `run` has ONLCR cleared, so "\n" stays "\n" (the outer terminal
    # here has it cleared too, so only the container's pty could add "\r").
    b = bundle().sh("printf 'a\\nb\\n'")
    b.config["process"]["terminal"] = True
    b.save()
    cid = new_id()
    rt.ids.add(cid)
    code, out = run_in_pty([BINARY, "--root", rt.root, "run", cid], cwd=b.path, onlcr=False)
    assert code == 0, out
    assert out == b"a\nb\n", out