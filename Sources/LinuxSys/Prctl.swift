/// prctl(2) options (linux/prctl.h), which Glibc's Swift overlay does not export.
public let PR_SET_PDEATHSIG: Int32 = 1
public let PR_SET_KEEPCAPS: Int32 = 8
public let PR_CAPBSET_READ: Int32 = 23
public let PR_CAPBSET_DROP: Int32 = 24
public let PR_SET_CHILD_SUBREAPER: Int32 = 36
public let PR_SET_NO_NEW_PRIVS: Int32 = 38
public let PR_CAP_AMBIENT: Int32 = 47
public let PR_CAP_AMBIENT_RAISE: Int32 = 2
public let PR_CAP_AMBIENT_CLEAR_ALL: Int32 = 4
