import Runtime
import Seccomp

/// `swiftrun --version` / `-v`, in the layout of `runc --version` (engines and people parse the
/// first line and the `key: value` lines). BuildInfo is generated before each build by the
/// BuildInfo plugin (mk/buildinfo.sh); libseccomp is the library actually linked in, asked at
/// run time (seccomp_version()).
enum VersionInfo {
    static var text: String {
        """
        swiftrun version \(BuildInfo.version)
        commit: \(BuildInfo.commit)
        spec: \(ociVersion)
        swift: \(BuildInfo.swift)
        libseccomp: \(Seccomp.libseccompVersion)

        """
    }
}
