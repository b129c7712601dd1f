import ArgumentParser
import SargableCore
import SargableLint
import SargableRules

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "List every rule (id, severity, category, title), or explain one.",
        discussion: """
        The catalogue page Rules/README.md is generated from the same metadata: \
        `sargable rules --markdown > Rules/README.md`.

        Examples:
          sargable rules
          sargable rules explain non-sargable-predicate
          sargable rules --markdown > Rules/README.md
        """,
        subcommands: [ExplainRuleCommand.self]
    )

    @Flag(help: "Print the catalogue page (Rules/README.md) instead of the list.")
    var markdown = false

    func run() throws {
        let rules = RuleRegistry.allMetadata
        if markdown {
            Terminal.print(RuleCatalogue.markdown(rules, options: RuleRegistry.options), terminator: "")
            return
        }
        let idWidth = rules.map(\.id.count).max() ?? 0
        let categoryWidth = RuleCategory.allCases.map(\.rawValue.count).max() ?? 0
        var out = ""
        for rule in rules {
            out += pad(rule.id, idWidth) + "  " + pad(rule.severity.rawValue, 7) + "  "
                + pad(rule.category.rawValue, categoryWidth) + "  " + rule.title + (rule.isEnabledByDefault ? "" : " (opt-in)") + "\n"
        }
        Terminal.print(out, terminator: "")
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }
}

struct ExplainRuleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Print a rule's rationale, fix, options and bad/good examples.",
        discussion: """
        Examples:
          sargable rules explain unindexed-foreign-key
        """
    )

    @Argument(help: ArgumentHelp("A rule id, as `sargable rules` lists them.", valueName: "id"),
              completion: .list(RuleRegistry.allIDs))
    var id: String

    func run() throws {
        guard let rule = RuleRegistry.allMetadata.first(where: { $0.id == id }) else {
            throw CommandFailure("unknown rule '\(id)'; `sargable rules` lists them")
        }
        Terminal.print(RuleCatalogue.explain(rule, options: RuleRegistry.options[id] ?? []), terminator: "")
    }
}
