#if canImport(Glibc)
import Glibc
#endif
import CShim
import LinuxSys

enum NoNewPrivileges {
    static func set() throws {
        try sys("prctl(PR_SET_NO_NEW_PRIVS)") { sr_prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) }
    }
}
