import ArgumentParser
import Runtime

struct FeaturesCommand: Verb {
    static let configuration = CommandConfiguration(commandName: "features", abstract: "Print the features this runtime implements as JSON.")
    static let verbName = "features"
    @OptionGroup var globals: GlobalOptions

    func execute(_ cx: Invocation) throws {
        writeStdout(String(decoding: try RuntimeFeatures.json(version: BuildInfo.version), as: UTF8.self) + "\n")
    }
}
