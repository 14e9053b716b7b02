#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec
import Runtime

enum SpecCommand {
    static let spec = VerbSpec(
        name: "spec", abstract: "Write a default config.json into the bundle.",
        flags: [
            RuncFlag("bundle", short: "b", value: true, "Bundle directory (default: current directory)."),
            RuncFlag("rootless", "Make a config for a rootless container (user namespace with mappings)."),
            RuncFlag("landlock", "Add an example process.landlock (read everything, write /tmp, bind TCP 8080; see Docs/LANDLOCK.md)."),
        ],
        positionals: []
    ) { p, _ in
        let bundle = p.value("bundle") ?? "."
        let path = (bundle.hasSuffix("/") ? bundle : bundle + "/") + "config.json"
        var spec = DefaultSpec.make(rootless: p.flag("rootless"), hostUID: Proc.effectiveUID, hostGID: Proc.effectiveGID)
        if p.flag("landlock") { spec.process?.landlock = LinuxLandlock.example }
        let bytes = SpecLoader.encodePretty(spec)
        do {
            let fd = FileDescriptor(adopting: try FileIO.open(path, O_WRONLY | O_CREAT | O_EXCL, mode: 0o666))
            try FileIO.writeAll(fd: fd.rawValue, bytes + [UInt8(ascii: "\n")], name: path)
        } catch let e as SysError {
            if e.errno == EEXIST { throw RuntimeError("File \(path) exists. Remove it first") }
            throw RuntimeError("write \(path): \(String(cString: strerror(e.errno)))")
        }
        return 0
    }
}
