// swift-tools-version: 6.2

import PackageDescription

// The benchmarks, a package of their own so that the project's `swift build` and CI never build
// them (issue 17). They use the project's library products by path, as an application would:
//
//   swift build --package-path Benchmarks -c release
//   Benchmarks/.build/release/ledger-benchmark --seconds 5
//
// See Benchmarks/README.md for each benchmark.

/// The project's own strict settings (Package.swift at the root), so the rules are the same here.
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// What every benchmark uses: the project's modules and the benchmarks' shared support.
let common: [Target.Dependency] = [
    "BenchmarkSupport",
    .product(name: "ServiceHarness", package: "AllianceLedger"),
    .product(name: "AllianceLedger", package: "AllianceLedger"),
    .product(name: "Dates", package: "AllianceLedger"),
    .product(name: "EmbeddedPostgres", package: "AllianceLedger"),
    .product(name: "Postgres", package: "AllianceLedger"),
    .product(name: "Logging", package: "swift-log"),
]

let package = Package(
    name: "AllianceLedgerBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "AllianceLedger", path: ".."),
        // The same versions and traits as the root package names, so both resolve alike.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(
            url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1",
            traits: ["FullFoundation"]),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // What the benchmarks share: pgbench's raw ceiling, measurements, their alliance. Their
        // private cluster is the project's ServiceHarness's, which the availability check uses too.
        .target(
            name: "BenchmarkSupport",
            dependencies: [
                .product(name: "AllianceLedger", package: "AllianceLedger"),
                .product(name: "Dates", package: "AllianceLedger"),
                .product(name: "EmbeddedPostgres", package: "AllianceLedger"),
                .product(name: "Postgres", package: "AllianceLedger"),
                .product(name: "ServiceHarness", package: "AllianceLedger"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "BenchmarkSupport",
            swiftSettings: strictSettings
        ),
        // README.md here: the ledger-write benchmark, next to pgbench in the same run.
        .executableTarget(
            name: "ledger-benchmark", dependencies: common, path: "LedgerWriteBenchmark",
            swiftSettings: strictSettings),
        // The spend import of a generated CSV, next to a raw COPY of it.
        // With writers recording spend through the HTTP service meanwhile.
        .executableTarget(
            name: "import-benchmark",
            dependencies: common + [
                .product(name: "AllianceLedgerHTTP", package: "AllianceLedger"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "ImportBenchmark", swiftSettings: strictSettings),
        // Decisions: votes under contention, and races to decide.
        .executableTarget(
            name: "decision-benchmark", dependencies: common, path: "DecisionBenchmark",
            swiftSettings: strictSettings),
        .executableTarget(
            name: "settlement-benchmark", dependencies: common, path: "SettlementBenchmark",
            swiftSettings: strictSettings),
        // A statement preview next to a raw GROUP BY, ledger and hledger.
        .executableTarget(
            name: "statement-benchmark", dependencies: common, path: "StatementBenchmark",
            swiftSettings: strictSettings),
        // Flat cost as one alliance's history grows (issue 21).
        .executableTarget(name: "proof-work-benchmark", dependencies: common, path: "ProofWorkBenchmark"),
        .executableTarget(
            name: "flat-cost-benchmark", dependencies: common, path: "FlatCostBenchmark",
            swiftSettings: strictSettings),
        // HTTP spend recording next to the library and pgbench, same run.
        .executableTarget(
            name: "http-benchmark",
            dependencies: common + [
                .product(name: "AllianceLedgerHTTP", package: "AllianceLedger"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "HTTPBenchmark",
            swiftSettings: strictSettings
        ),
    ]
)
