// Front-end throughput: libpg_query's C parse (the baseline) against Sargable's whole front end
// (split with recovery, parse, decode into the tape tree, one walk), in one process, one run.
//
//   swift run -c release sargable-bench [CORPUS_DIR] [--repeat N]
//
// The C side parses exactly the statements Sargable's splitter found, so both do the same work.
import CPgQuery
import Foundation
import SargableCore
import SargableSyntax

@main
enum FrontEndBenchmark {
    static func main() { runBenchmark() }

    // Not main-actor isolated: its closures run on LargeStack threads.
    nonisolated static func runBenchmark() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        var corpus = "../shared/corpus/postgres-regress"
        var repeats = 3
        var index = 0
        while index < arguments.count {
            if arguments[index] == "--repeat", index + 1 < arguments.count, let value = Int(arguments[index + 1]) {
                repeats = max(1, value)
                index += 2
            } else {
                corpus = arguments[index]
                index += 1
            }
        }

        let (paths, errors) = InputFiles.expand([corpus], extensions: [".sql"])
        guard errors.isEmpty, !paths.isEmpty else {
            print("sargable-bench: cannot read corpus '\(corpus)': \(errors.first?.reason ?? "no .sql files")")
            exit(2)
        }
        let files = paths.compactMap { path in (try? InputFiles.read(path)).map { SourceFile(path: path, contents: $0) } }
        let totalBytes = files.reduce(0) { $0 + $1.bytes.count }
        let statements = files.flatMap { SQLDocument(file: $0).statements.map(\.text) }
        let statementBytes = statements.reduce(0) { $0 + $1.utf8.count }
        let cStrings = statements.map { Array($0.utf8CString) }
        // The texts the parser must accept: psql variable references (`:name`) neutralised as psql
        // would substitute them. Parsed raw, those statements stop at the `:` and cost C almost nothing.
        let parsableCStrings = statements.map { text -> [CChar] in
            guard (try? PgQuery.parse(text)) == nil, let substituted = PsqlVariables.substituted(text),
                  (try? PgQuery.parse(substituted)) != nil else { return Array(text.utf8CString) }
            return Array(substituted.utf8CString)
        }

        @Sendable func seconds(_ body: () -> Void) -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }

        /// Best of `repeats` runs, to keep one noisy run from deciding the figure.
        func best(_ body: () -> Void) -> Double {
            (0 ..< repeats).map { _ in seconds(body) }.min()!
        }

        var sink = 0
        func parseAll(_ texts: [[CChar]]) -> Double {
            best {
                for text in texts {
                    text.withUnsafeBufferPointer { pointer in
                        let result = pg_query_parse(pointer.baseAddress)
                        sink &+= result.error == nil ? 1 : 0
                        pg_query_free_parse_result(result)
                    }
                }
            }
        }
        let results = LargeStack.run { () -> (c: Double, cRaw: Double, swift: Double, walked: Int) in
            let cRawTime = parseAll(cStrings)
            let cTime = parseAll(parsableCStrings)
            var walked = 0
            let swiftTime = best {
                walked = 0
                for file in files {
                    let document = SQLDocument(file: file)
                    for statement in document.parse() {
                        statement.root?.walk { _ in
                            walked += 1
                            return .visitChildren
                        }
                    }
                }
            }
            return (cTime, cRawTime, swiftTime, walked)
        }

        // The same front end on every core, files spread over large-stack workers (as the CLI runs it).
        let parallelTime = best {
            let counts = LargeStack.parallelMap(files) { file in
                var nodes = 0
                for statement in SQLDocument(file: file).parse() {
                    statement.root?.walk { _ in
                        nodes += 1
                        return .visitChildren
                    }
                }
                return nodes
            }
            sink &+= counts.reduce(0, +)
        }

        func rate(_ count: Int, _ time: Double) -> String { String(format: "%.0f", Double(count) / time) }
        func megabytes(_ bytes: Int, _ time: Double) -> String { String(format: "%.1f", Double(bytes) / time / 1e6) }

        print("corpus: \(files.count) files, \(totalBytes) bytes, \(statements.count) statements (\(statementBytes) bytes of statement text); best of \(repeats)")
        print("libpg_query pg_query_parse (C), statements as written:        \(String(format: "%.3f", results.cRaw)) s  \(rate(statements.count, results.cRaw)) statements/s  \(megabytes(statementBytes, results.cRaw)) MB/s")
        print("libpg_query pg_query_parse (C), psql variables substituted:   \(String(format: "%.3f", results.c)) s  \(rate(statements.count, results.c)) statements/s  \(megabytes(statementBytes, results.c)) MB/s")
        print("sargable front end (Swift), split+parse+decode+walk, 1 thread: \(String(format: "%.3f", results.swift)) s  \(rate(statements.count, results.swift)) statements/s  \(megabytes(totalBytes, results.swift)) MB/s  (\(results.walked) nodes walked)")
        print("sargable front end (Swift), \(LargeStack.defaultThreadCount) threads:                       \(String(format: "%.3f", parallelTime)) s  \(rate(statements.count, parallelTime)) statements/s  \(megabytes(totalBytes, parallelTime)) MB/s")
        print("ratio Swift (1 thread) / C throughput: \(String(format: "%.2f", results.c / results.swift)) against the substituted texts, \(String(format: "%.2f", results.cRaw / results.swift)) against the texts as written (target >= 0.50)")
        if sink == -1 { print(sink) }
    }
}
