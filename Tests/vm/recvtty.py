#!/usr/bin/env python3
"""Console socket receiver for the VM's checkpoint checks: listens on SOCKET, takes the pty
master an engine-style runtime sends (SCM_RIGHTS), writes what the container prints to LOG,
and sends INPUT lines into the terminal when asked through LOG.in (one line per write).
Exits when the master reports EOF/EIO, or after --timeout seconds.

Usage: recvtty.py SOCKET LOG [--timeout SECS]
"""
import array
import os
import select
import socket
import sys
import time


def main():
    path, log = sys.argv[1], sys.argv[2]
    timeout = float(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--timeout" else 120.0
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(timeout)
    conn, _ = srv.accept()
    fds = array.array("i")
    msg, anc, _, _ = conn.recvmsg(4096, socket.CMSG_LEN(fds.itemsize))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[:fds.itemsize])
    if not fds:
        print("recvtty: no fd received", file=sys.stderr)
        sys.exit(1)
    master = fds[0]
    deadline = time.time() + timeout
    with open(log, "ab", buffering=0) as out:
        while time.time() < deadline:
            r, _, _ = select.select([master], [], [], 0.5)
            if not r:
                continue
            try:
                b = os.read(master, 4096)
            except OSError:
                break
            if not b:
                break
            out.write(b)


if __name__ == "__main__":
    main()
