// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "swiftrun",
    products: [
        .executable(name: "swiftrun", targets: ["swiftrun"]),
        .library(name: "OCISpec", targets: ["OCISpec"]),
        .library(name: "Runtime", targets: ["Runtime"]),
    ],
    // No package dependencies: the CLI parses with its own table (Sources/swiftrun/CLI.swift);
    // swift-argument-parser linked FoundationEssentials, Swift Concurrency and libdispatch in.
    dependencies: [],
    targets: [
        // One-line C shims over syscalls Swift cannot call directly or safely.
        .target(
            name: "CShim",
            linkerSettings: [.linkedLibrary("seccomp")]
        ),
        // Typed Swift facade over the syscalls the runtime uses; errors carry errno and context.
        // libdbus-1's header (declarations only), for the systemd cgroup driver's D-Bus calls.
        .systemLibrary(name: "CDBus", pkgConfig: "dbus-1", providers: [.apt(["libdbus-1-dev"])]),
        .target(name: "LinuxSys", dependencies: ["CShim", "CDBus"]),
        // Pure OCI runtime-spec v1.3.0 model: Codable types and validation. No syscalls.
        .target(name: "OCISpec"),
        // Root filesystem preparation inside the container's mount namespace.
        .target(name: "Rootfs", dependencies: ["OCISpec", "LinuxSys"]),
        // cgroup v2 and v1 managers, one file per controller; the v2 device eBPF filter.
        .target(name: "Cgroups", dependencies: ["OCISpec", "LinuxSys"]),
        // seccomp filters compiled with libseccomp, installed, and the notify listener protocol.
        .target(name: "Seccomp", dependencies: ["OCISpec", "LinuxSys", "CShim"]),
        // Container lifecycle, state, process spawning, hooks, security.
        .target(name: "Runtime", dependencies: ["OCISpec", "LinuxSys", "Rootfs", "Cgroups", "Seccomp"]),
        // Thin CLI: one file per verb.
        .executableTarget(
            name: "swiftrun",
            dependencies: [
                "Runtime", "OCISpec", "LinuxSys", "Seccomp",
            ],
            plugins: ["BuildInfo"]
        ),
        // Writes BuildInfo.swift (version, commit, toolchain) before each build: mk/buildinfo.sh.
        .plugin(name: "BuildInfo", capability: .buildTool()),
        // C shims only the tests call (reading back scheduling attributes, playing the seccomp agent).
        .target(name: "CShimTestSupport", path: "Tests/CShimTestSupport"),
        .testTarget(name: "OCISpecTests", dependencies: ["OCISpec"], exclude: ["Fixtures"]),
        .testTarget(name: "LinuxSysTests", dependencies: ["LinuxSys"]),
        .testTarget(name: "RootfsTests", dependencies: ["Rootfs", "OCISpec"]),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "OCISpec", "CShimTestSupport", "LinuxSys", "Rootfs", "Cgroups", "Seccomp"]),
        .testTarget(name: "CgroupsTests", dependencies: ["Cgroups", "OCISpec", "LinuxSys"]),
        .testTarget(name: "SeccompTests", dependencies: ["Seccomp", "OCISpec", "LinuxSys", "CShimTestSupport"], exclude: ["Fixtures"]),
        // The CLI's table-driven parser, help and dump (Sources/swiftrun/CLI.swift).
        .testTarget(name: "CLITests", dependencies: ["swiftrun"]),
        // Docs/ARCHITECTURE.md checked against the package.
        .testTarget(name: "DocsTests"),
        // Source rules no compiler checks: only LinuxSys reaches the kernel (issue 8).
        .testTarget(name: "LintTests"),
    ]
)
