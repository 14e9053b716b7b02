// swiftrun C shim for the rootfs stage (statfs is not exported by Swift's Glibc module).
#ifndef SWIFTRUN_CSHIM_ROOTFS_H
#define SWIFTRUN_CSHIM_ROOTFS_H

#include <stdint.h>

// fstatfs(fd) when path is NULL, else statfs(path). Fills the filesystem magic (f_type) and the
// ST_* mount flags (f_flags), each when its pointer is not NULL. Returns 0, or -1 with errno set.
int sr_statfs(int fd, const char *_Nullable path, uint64_t *_Nullable fs_type, uint64_t *_Nullable mnt_flags);

#endif
