import ArgumentParser
import SargableLint
import SargableRules

/// `--config FILE`, else the `.sargable.yml` / `.sargable.toml` found from the working directory
/// upwards: one loader for every command that reports findings (lint, explain, analyze), so a rule
/// turned off or regraded there is off or regraded everywhere.
struct ConfigurationFileOption: ParsableArguments {
    @Option(help: ArgumentHelp("Configuration file (default: .sargable.yml/.sargable.toml found upwards).", valueName: "file"))
    var config: String?

    func load() throws -> Configuration {
        let path: String?
        if let config {
            path = config
        } else {
            path = LintInputs.currentDirectory().flatMap(Configuration.find(from:))
        }
        guard let path else { return Configuration() }
        do {
            return try Configuration.load(path: path, rules: RuleRegistry.configurableRules)
        } catch let error as ConfigurationError {
            throw CommandFailure(error.description)
        }
    }
}
