import ArgumentParser
import Foundation
import SargableCore
#if canImport(Glibc)
import Glibc
#endif

/// The `sargable` command. Each subcommand is a small type in its own file.
public struct Sargable: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "sargable",
        abstract: "Find what makes PostgreSQL queries slow or unsafe, and prove it.",
        discussion: """
        Exit codes (stable for every command):
          0  success, nothing at or above the failing severity
          1  findings at or above the failing severity
          2  usage error, unreadable input or unreachable database
          130  interrupted (Ctrl-C, SIGTERM) while talking to a server
        """,
        version: "0.1.0",
        subcommands: [
            FingerprintCommand.self,
            LintCommand.self,
            ParseCommand.self,
            RulesCommand.self,
            AnalyzeCommand.self,
            ExplainCommand.self,
            AdviseCommand.self,
            DatabaseCommand.self,
            DoctorCommand.self,
            CheckCommand.self,
        ]
    )

    public init() {}

    /// Runs the command line and returns the process exit status. Usage errors exit 2 (not
    /// ArgumentParser's 64) so every command shares one documented set of codes.
    public static func run(arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> Int32 {
        // A reader that stops early (`| head`) shows up as EPIPE from write(2), handled by Terminal,
        // instead of a signal that kills the process mid-report. A handler, not SIG_IGN: exec resets
        // handlers, so the commands `database run` starts still get the default SIGPIPE.
        signal(SIGPIPE) { _ in }
        return Terminal.exitStatus(afterCommandExited: runCommand(arguments))
    }

    private static func runCommand(_ arguments: [String]) -> Int32 {
        do {
            let arguments = LintInputs.givingBareChangedItsDefault(arguments)
            var command = try parsedDirectly(arguments) ?? parseAsRoot(arguments)
            try command.run()
            return SargableExitCode.success.rawValue
        } catch let exit as ExitCode {
            return exit.rawValue
        } catch let error as CommandFailure {
            Terminal.error(error.message)
            return SargableExitCode.usageOrInputError.rawValue
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                Terminal.print(fullMessage(for: error))
                return 0
            }
            Terminal.error(usageError(message(for: error), arguments: arguments))
            return SargableExitCode.usageOrInputError.rawValue
        }
    }

    /// The command when the first argument names a subcommand and the rest parse as its
    /// arguments: ArgumentParser then reflects that command's options only, not every command's,
    /// which is most of a one-file lint's start-up. Anything else (help, a usage error) is left
    /// to the whole command line's parse, for its messages.
    private static func parsedDirectly(_ arguments: [String]) -> (any ParsableCommand)? {
        guard let name = arguments.first,
              let subcommand = configuration.subcommands.first(where: { $0._commandName == name }),
              subcommand.configuration.subcommands.isEmpty,
              !arguments.contains(where: { $0 == "-h" || $0 == "--help" || $0.hasPrefix("--generate-completion") })
        else { return nil }
        return try? subcommand.parseAsRoot(Array(arguments.dropFirst()))
    }

    /// ArgumentParser's message as one line, in the form of every other error, with the help of
    /// the (sub)command the arguments name: `sargable: error: unexpected argument 'x'; see
    /// 'sargable lint --help'`.
    static func usageError(_ message: String, arguments: [String]) -> String {
        var command: any ParsableCommand.Type = Sargable.self
        var names = ["sargable"]
        for argument in arguments {
            guard let subcommand = command.configuration.subcommands.first(where: { $0._commandName == argument }) else { break }
            command = subcommand
            names.append(argument)
        }
        var text = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: "; ")
        // ArgumentParser's sentences start with a capital; ours are lower case after `error:`.
        if let first = text.first, first.isUppercase, text.dropFirst().first?.isLowercase == true {
            text = first.lowercased() + text.dropFirst()
        }
        if text.hasSuffix(".") { text.removeLast() }
        return "\(text); see '\(names.joined(separator: " ")) --help'"
    }
}

/// An error that ends a command with exit 2 and one line on stderr.
public struct CommandFailure: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
