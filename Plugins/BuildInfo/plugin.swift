import Foundation
import PackagePlugin

/// Generates BuildInfo.swift (version from `git describe` or VERSION, commit, Swift toolchain)
/// for `swiftrun --version` by running mk/buildinfo.sh before every build. The script rewrites
/// the file only when its content changes, so an unchanged tree recompiles nothing.
@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let out = context.pluginWorkDirectoryURL.appendingPathComponent("generated")
        let pkg = context.package.directoryURL
        let swiftc = (try? context.tool(named: "swiftc").url.path) ?? "swiftc"
        var env: [String: String] = [:]
        for key in ["PATH", "HOME", "SWIFTRUN_VERSION", "SWIFTRUN_COMMIT"] {
            if let v = ProcessInfo.processInfo.environment[key] { env[key] = v }
        }
        return [
            .prebuildCommand(
                displayName: "swiftrun build info (mk/buildinfo.sh)",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [pkg.appendingPathComponent("mk/buildinfo.sh").path, pkg.path, out.path, swiftc],
                environment: env,
                outputFilesDirectory: out),
        ]
    }
}
