import CShim

/// prctl(2) options (<linux/prctl.h>), which Glibc's Swift overlay does not export; the values
/// come from the C headers through the shim.
public let PR_SET_PDEATHSIG = SR_PR_SET_PDEATHSIG
public let PR_SET_KEEPCAPS = SR_PR_SET_KEEPCAPS
public let PR_CAPBSET_READ = SR_PR_CAPBSET_READ
public let PR_CAPBSET_DROP = SR_PR_CAPBSET_DROP
public let PR_SET_CHILD_SUBREAPER = SR_PR_SET_CHILD_SUBREAPER
public let PR_SET_NO_NEW_PRIVS = SR_PR_SET_NO_NEW_PRIVS
public let PR_CAP_AMBIENT = SR_PR_CAP_AMBIENT
public let PR_CAP_AMBIENT_RAISE = SR_PR_CAP_AMBIENT_RAISE
public let PR_CAP_AMBIENT_CLEAR_ALL = SR_PR_CAP_AMBIENT_CLEAR_ALL
