// swift-tools-version:6.0
import PackageDescription

// The module list is the architecture: each target owns one responsibility.
// Linux only (Glibc, /proc, Debian's C libraries), so no other platform is declared.
let package = Package(
    name: "Sargable",
    products: [
        .executable(name: "sargable", targets: ["sargable"]),
        // Every module a library's public API mentions is a product too, so its types can be named.
        .library(name: "SargableCore", targets: ["SargableCore"]),
        .library(name: "SargableSyntax", targets: ["SargableSyntax", "CPgQueryFormat", "CPgQueryScanner"]),
        .library(name: "SargableSchema", targets: ["SargableSchema"]),
        .library(name: "SargableAnalysis", targets: ["SargableAnalysis"]),
        .library(name: "SargablePlan", targets: ["SargablePlan"]),
        .library(name: "SargableLint", targets: ["SargableLint", "SargableRules"]),
        .library(name: "SargableLogs", targets: ["SargableLogs"]),
        .library(name: "SargablePostgres", targets: ["SargablePostgres"]),
        .library(name: "SargableAdvisor", targets: ["SargableAdvisor"]),
        .library(name: "SargableTesting", targets: ["SargableTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C libraries from Debian, behind thin system-library shims and nothing else.
        .systemLibrary(name: "CPgQuery", path: "Sources/CPgQuery"),
        // A faster drop-in for the PostgreSQL formatting libpg_query writes its JSON trees with
        // (linked in place of the archive's own; nothing imports it but its tests).
        .target(name: "CPgQueryFormat"),
        // libpq is opened at run time on first use (Sources/CLibPQ/shim.h), so no pkgConfig: its
        // flags would link it.
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibPQ", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev", "libbz2-dev"])]),

        // Shared vocabulary: severities, findings, rule metadata, source positions.
        .target(name: "SargableCore"),
        // libpg_query's scanner returning plain token structs (pg_query_scan's protobuf costs more
        // than the scan). It needs PostgreSQL 15's server headers (postgresql-server-dev-15), reached
        // through the `postgresql-server` link to /usr/include/postgresql/15/server: a search path
        // outside the package would need unsafe flags, which packages depending on this one refuse.
        .target(name: "CPgQueryScanner", dependencies: ["CPgQuery"],
                exclude: ["postgresql-server", "tree_fields.inc"],
                cSettings: [.headerSearchPath("postgresql-server")]),
        // The only importer of CPgQuery (and CPgQueryScanner): parse tree, fingerprint, normalize,
        // split, scan, locations.
        .target(name: "SargableSyntax", dependencies: ["CPgQuery", "CPgQueryFormat", "CPgQueryScanner", "SargableCore"]),
        // The schema model (tables, columns, keys, indexes) fed by DDL replay or a live catalog.
        .target(name: "SargableSchema", dependencies: ["SargableCore"]),
        // What SQL means, for every consumer: FROM scopes, predicates, node readers, expression text
        // and structural identity, the DDL replay into a schema model.
        .target(name: "SargableAnalysis", dependencies: ["SargableCore", "SargableSyntax", "SargableSchema"]),
        // EXPLAIN plan model (from EXPLAIN JSON or auto_explain).
        .target(name: "SargablePlan", dependencies: ["SargableCore"]),
        // Lint engine: rule protocol, configuration, suppressions, reporters.
        .target(name: "SargableLint",
                dependencies: ["SargableCore", "SargableSyntax", "SargableSchema", "SargableAnalysis"]),
        // The rule catalogue: one file per rule, and the one registry of every rule (workload rules
        // are documented in SargableLogs, whose detectors they are).
        .target(name: "SargableRules",
                dependencies: ["SargableCore", "SargableSyntax", "SargableSchema", "SargableAnalysis", "SargablePlan",
                               "SargableLint", "SargableLogs"],
                path: "Rules",
                exclude: ["README.md"]),
        // Query logs: readers for every PostgreSQL log format, aggregation, workload findings (the
        // plan model reads auto_explain's query texts).
        .target(name: "SargableLogs", dependencies: ["CZlib", "SargableCore", "SargableSyntax", "SargablePlan"]),
        // The only importer of CLibPQ: connections, throwaway servers, catalog, EXPLAIN collector.
        .target(name: "SargablePostgres",
                dependencies: ["CLibPQ", "SargableCore", "SargableSyntax", "SargableSchema", "SargableAnalysis", "SargablePlan"]),
        // The index advisor: candidates from what statements mean, HypoPG what-if costing, selection
        // under a budget with write cost, drops, and verification on a real build.
        .target(name: "SargableAdvisor",
                dependencies: ["SargableCore", "SargableSyntax", "SargableSchema", "SargableAnalysis", "SargablePlan",
                               "SargablePostgres", "SargableLogs"]),
        // Test-suite support without a test framework: the shared server, template and per-test
        // databases, statement capture from the server's log, expectations and plan matchers, and
        // the `sargable check` runner. The CLI links this, so nothing here imports XCTest or Testing.
        .target(name: "SargableTestingCore",
                dependencies: ["SargableCore", "SargableSyntax", "SargablePlan", "SargableAnalysis", "SargableLogs",
                               "SargablePostgres"]),
        // What test suites import: the Swift Testing trait and the XCTest helper over the core,
        // reporting through Issue.record and XCTFail at the caller's source location.
        .target(name: "SargableTesting", dependencies: ["SargableTestingCore"]),
        // Command-line front end: one small type per subcommand.
        .target(name: "SargableCLI", dependencies: [
            "SargableCore", "SargableSyntax", "SargableSchema", "SargablePlan", "SargableLint",
            "SargableRules", "SargableLogs", "SargablePostgres", "SargableAdvisor", "SargableTestingCore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "sargable", dependencies: ["SargableCLI"]),

        .executableTarget(name: "sargable-bench",
                          dependencies: ["CPgQuery", "SargableCore", "SargableSyntax"],
                          path: "Benchmarks/FrontEndBenchmark"),

        .executableTarget(name: "sargable-pg-bench", dependencies: ["SargablePostgres"],
                          path: "Benchmarks/TemporaryPostgresBenchmark"),

        .executableTarget(name: "sargable-testing-bench", dependencies: ["SargableTestingCore"],
                          path: "Benchmarks/TestDatabaseBenchmark"),

        // Every reader (SQL, each log format, pg_stat_statements, configuration) under libFuzzer;
        // scripts/fuzz builds it with -sanitize=fuzzer, the ordinary build replays saved inputs.
        .executableTarget(name: "sargable-fuzz",
                          dependencies: ["SargableCore", "SargableSyntax", "SargableLint", "SargableRules", "SargableLogs"],
                          path: "Fuzz/ReaderFuzz"),

        .testTarget(name: "SargableCoreTests", dependencies: ["SargableCore"]),
        .testTarget(name: "SargableSyntaxTests", dependencies: ["SargableCore", "SargableSyntax", "CPgQueryFormat"]),
        .testTarget(name: "SargableAnalysisTests",
                    dependencies: ["SargableCore", "SargableSyntax", "SargableSchema", "SargableAnalysis"]),
        // Runs the built `sargable` executable as users do, so it depends on it.
        .testTarget(name: "SargableCLITests", dependencies: ["SargableCore", "SargableCLI", "sargable", "SargablePostgres", "SargableLogs"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "SargablePostgresTests",
                    dependencies: ["SargableCore", "SargablePostgres", "SargableSchema", "SargableSyntax", "SargablePlan", "SargableLint",
                                   "SargableRules"]),
        .testTarget(name: "SargablePlanTests", dependencies: ["SargableCore", "SargablePlan", "SargableLint", "SargableRules"]),
        .testTarget(name: "SargableLintTests", dependencies: [
            "SargableCore", "SargableSyntax", "SargableSchema", "SargableLint", "SargableRules", "SargableCLI",
        ]),
        .testTarget(name: "SargableAdvisorTests",
                    dependencies: ["SargableCore", "SargableAdvisor", "SargablePostgres", "SargableSyntax", "SargableLogs", "sargable"]),
        .testTarget(name: "SargableTestingTests",
                    dependencies: ["SargableTesting", "SargableTestingCore", "SargablePostgres", "SargablePlan", "SargableRules"],
                    // Migrations and seed the trait tests load by path.
                    exclude: ["Fixtures"]),
        .testTarget(name: "SargableLogsTests", dependencies: ["SargableCore", "SargableLogs", "SargablePlan", "SargableSyntax", "SargablePostgres", "sargable"]),
    ]
)
