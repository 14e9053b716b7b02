#include "cshim_rootfs.h"
#include <sys/vfs.h>

int sr_statfs(int fd, const char *path, uint64_t *fs_type, uint64_t *mnt_flags) {
    struct statfs s;
    int r = path ? statfs(path, &s) : fstatfs(fd, &s);
    if (r != 0) return -1;
    if (fs_type) *fs_type = (uint64_t)s.f_type;
    if (mnt_flags) *mnt_flags = (uint64_t)s.f_flags;
    return 0;
}
