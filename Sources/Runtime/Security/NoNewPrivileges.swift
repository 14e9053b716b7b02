#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

enum NoNewPrivileges {
    static func set(kernel k: any Kernel) throws {
        try sys("prctl(PR_SET_NO_NEW_PRIVS)") { k.prctl(PR_SET_NO_NEW_PRIVS, 1) }
    }
}
