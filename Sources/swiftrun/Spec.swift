import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec
import Runtime

struct SpecCommand: Verb {
    static let configuration = CommandConfiguration(commandName: "spec", abstract: "Write a default config.json into the bundle.")
    static let verbName = "spec"
    @OptionGroup var globals: GlobalOptions
    @Option(name: [.customShort("b"), .long], help: "Bundle directory (default: current directory).") var bundle: String = "."
    @Flag(help: "Make a config for a rootless container (user namespace with mappings).") var rootless = false
    @Flag(help: "Add an example process.landlock (read everything, write /tmp, bind TCP 8080; see Docs/LANDLOCK.md).")
    var landlock = false

    func execute(_ cx: Invocation) throws {
        let path = (bundle.hasSuffix("/") ? bundle : bundle + "/") + "config.json"
        var spec = DefaultSpec.make(rootless: rootless, hostUID: Proc.effectiveUID, hostGID: Proc.effectiveGID)
        if landlock { spec.process?.landlock = LinuxLandlock.example }
        let bytes = SpecLoader.encodePretty(spec)
        do {
            let fd = FileDescriptor(adopting: try FileIO.open(path, O_WRONLY | O_CREAT | O_EXCL, mode: 0o666))
            try FileIO.writeAll(fd: fd.rawValue, bytes + [UInt8(ascii: "\n")], name: path)
        } catch let e as SysError {
            if e.errno == EEXIST { throw RuntimeError("File \(path) exists. Remove it first") }
            throw RuntimeError("write \(path): \(String(cString: strerror(e.errno)))")
        }
    }
}
