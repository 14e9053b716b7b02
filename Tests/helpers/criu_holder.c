/* criu_holder: a test helper for the VM suite's CRIU checks (Tests/vm/inside.sh), built static
 * (gcc -static) so it runs in the busybox rootfs. Both modes count "n=I" lines to stdout five times
 * a second forever, holding one resource the whole time, opened once at start:
 *
 *   criu_holder lock FILE     an flock(2) LOCK_EX on FILE and a POSIX fcntl(2) write lock on
 *                             FILE.posix (both files created if missing)
 *   criu_holder dgram PATH    a unix datagram socket connected once to PATH (a socket bound outside
 *                             the container); each line is also sent over it
 *
 * Exit 1 with a message on stderr when the resource cannot be had. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int lock_files(const char *path) {
    char posix[4096];
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) { perror(path); return -1; }
    snprintf(posix, sizeof posix, "%s.posix", path);
    int pfd = open(posix, O_RDWR | O_CREAT, 0644);
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
    if (pfd < 0 || fcntl(pfd, F_SETLK, &fl) < 0) { perror(posix); return -1; }
    return 0;
}

static int connect_dgram(const char *path) {
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof a.sun_path) { fprintf(stderr, "%s: path too long\n", path); return -1; }
    strcpy(a.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) { perror(path); return -1; }
    return fd;
}

int main(int argc, char **argv) {
    int sock = -1;
    if (argc == 3 && strcmp(argv[1], "lock") == 0) {
        if (lock_files(argv[2]) < 0) return 1;
    } else if (argc == 3 && strcmp(argv[1], "dgram") == 0) {
        if ((sock = connect_dgram(argv[2])) < 0) return 1;
    } else {
        fprintf(stderr, "usage: %s lock FILE | dgram SOCKET\n", argv[0]);
        return 1;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (unsigned long i = 1;; i++) {
        char line[64];
        int n = snprintf(line, sizeof line, "n=%lu\n", i);
        fputs(line, stdout);
        if (sock >= 0 && send(sock, line, n, 0) < 0) perror("send");
        usleep(200000);
    }
}
