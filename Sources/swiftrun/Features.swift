import Runtime

enum FeaturesCommand {
    static let spec = VerbSpec(name: "features", abstract: "Print the features this runtime implements as JSON.",
                               positionals: []) { _, _ in
        writeStdout(String(decoding: try RuntimeFeatures.json(version: BuildInfo.version), as: UTF8.self) + "\n")
        return 0
    }
}
