#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import Runtime

enum PsCommand {
    static let spec = VerbSpec(
        name: "ps", abstract: "List the processes of a container.",
        usage: "[--format table|json] <container-id> [ps options]",
        flags: [RuncFlag("format", short: "f", value: true, default: "table", "table or json.")],
        positionals: [.id, Positional(name: "ps-args", help: "Options for ps(1) (default -ef).", passthrough: true)]
    ) { p, cx in
        try ps(store: cx.store, id: p.positional[0], format: p.value("format") ?? "table", psArgs: p.rest)
        return 0
    }

    static func ps(store: StateStore, id: String, format: String, psArgs: [String]) throws {
        let pids = try CgroupInfo.pids(store: store, id: id)
        switch format {
        case "json":
            writeStdout("[" + pids.map(String.init).inlineJoined(separator: ",") + "]\n")
        case "table":
            // Like runc: run ps(1) and keep the header plus the container's rows.
            let out = try runPs(psArgs.isEmpty ? ["-ef"] : psArgs)
            var lines = out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard let header = lines.first else { return }
            lines.removeFirst()
            let cols = header.split(separator: " ", omittingEmptySubsequences: true)
            guard let pidCol = cols.firstIndex(of: "PID") else {
                throw RuntimeError("ps: no PID column in the output of ps \(psArgs.inlineJoined(separator: " "))")
            }
            let wanted = Set(pids)
            var result = header + "\n"
            for l in lines {
                let f = l.split(separator: " ", omittingEmptySubsequences: true)
                if f.count > pidCol, let p = Int32(f[pidCol]), wanted.contains(p) { result += l + "\n" }
            }
            writeStdout(result)
        default:
            throw RuntimeError("--format: invalid format \"\(format)\" (table or json)")
        }
    }

    static func runPs(_ args: [String]) throws -> String {
        do {
            return String(decoding: try Subprocess.output(["ps"] + args), as: UTF8.self)
        } catch let e as SysError where e.op == "pipe" {
            throw RuntimeError("ps: pipe failed: \(Errno.describe(e.errno))")
        } catch let e as SysError {
            throw RuntimeError("ps: cannot run ps(1): \(String(cString: strerror(e.errno)))")
        }
    }
}
