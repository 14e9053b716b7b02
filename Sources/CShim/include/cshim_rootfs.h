// swiftrun C shim for the rootfs stage (statfs is not exported by Swift's Glibc module).
#ifndef SWIFTRUN_CSHIM_ROOTFS_H
#define SWIFTRUN_CSHIM_ROOTFS_H

#include <stdint.h>

// fstatfs(fd) when path is NULL, else statfs(path). Fills the filesystem magic (f_type) and the
// ST_* mount flags (f_flags). Returns 0, or -1 with errno set.
int sr_statfs(int fd, const char *path, uint64_t *fs_type, uint64_t *mnt_flags);

#endif
