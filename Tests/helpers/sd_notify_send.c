/* sd_notify_send MESSAGE: sends MESSAGE as one datagram to the socket $NOTIFY_SOCKET names, as
 * sd_notify(3) does. A test helper for the NOTIFY_SOCKET relay, built static (gcc -static) so it
 * runs in the busybox rootfs. Exit 0 on success, 1 with a message on stderr otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

int main(int argc, char **argv) {
    const char *path = getenv("NOTIFY_SOCKET");
    if (argc != 2 || !path || !*path) { fprintf(stderr, "usage: NOTIFY_SOCKET=PATH %s MESSAGE\n", argv[0]); return 1; }
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof a.sun_path) { fprintf(stderr, "socket path too long\n"); return 1; }
    strcpy(a.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || sendto(fd, argv[1], strlen(argv[1]), 0, (struct sockaddr *)&a, sizeof a) < 0) {
        perror(path);
        return 1;
    }
    return 0;
}
