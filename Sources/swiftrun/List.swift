import ArgumentParser
import OCISpec
import Runtime

struct ListCommand: Verb {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List containers.")
    static let verbName = "list"
    @OptionGroup var globals: GlobalOptions
    @Option(name: [.customShort("f"), .long], help: "table or json.") var format: String = "table"
    @Flag(name: [.customShort("q"), .long], help: "Print only the IDs.") var quiet = false

    func execute() throws {
        let states = Inspect.all(store: try globals.store)
        if quiet {
            writeStdout(states.map { $0.id + "\n" }.joined())
            return
        }
        switch format {
        case "table": writeStdout(Inspect.table(states))
        case "json":
            writeStdout(states.isEmpty ? "null\n" : String(decoding: SpecLoader.encodeOrdered(states), as: UTF8.self) + "\n")
        default: throw RuntimeError("--format: invalid format \"\(format)\" (table or json)")
        }
    }
}
