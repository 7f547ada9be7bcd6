// swift-tools-version: 6.2

import PackageDescription

/// Language features every target of ours turns on, so the rules are the same everywhere.
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "AllianceLedger",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Postgres", targets: ["Postgres"]),
        .library(name: "EmbeddedPostgres", targets: ["EmbeddedPostgres"]),
        .library(name: "AllianceLedger", targets: ["AllianceLedger"]),
        .library(name: "AllianceLedgerHTTP", targets: ["AllianceLedgerHTTP"]),
        .executable(name: "alliance-ledger", targets: ["alliance-ledger"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        // Without the default ConfigurationSupport trait: settings are read by our own strict
        // loader (see README, "Configuration"), so swift-configuration need not be built.
        .package(
            url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1",
            traits: ["FullFoundation"]),
        // Hummingbird's own HTTP types, named directly for header names such as Idempotency-Key.
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // Hummingbird's service lifecycle, named directly for the decision sweep that runs beside
        // the server.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // Tests only: reads docker-compose.yml.
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // libpq, the C client library. Never imported outside `Postgres`.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]
        ),
        .target(
            name: "Postgres",
            dependencies: [
                "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // posix_spawn with glibc's descriptor-closing extensions, for running pg_ctl and initdb.
        .target(name: "CProcessSpawn"),
        .target(
            name: "EmbeddedPostgres",
            dependencies: [
                "CProcessSpawn",
                "Postgres",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AllianceLedger",
            dependencies: [
                "Postgres",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings,
            plugins: ["EmbedFiles"]
        ),
        .target(
            name: "AllianceLedgerHTTP",
            dependencies: [
                "AllianceLedger",
                "Postgres",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // Embedded by the EmbedFiles plugin, not a resource read at run time.
            exclude: ["OpenAPI/openapi.json"],
            swiftSettings: strictSettings,
            plugins: ["EmbedFiles"]
        ),
        .executableTarget(
            name: "alliance-ledger",
            dependencies: [
                "AllianceLedger",
                "AllianceLedgerHTTP",
                "EmbeddedPostgres",
                "Postgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // What the benchmarks share: their private cluster, pgbench's raw ceiling, measurements.
        .target(
            name: "BenchmarkSupport",
            dependencies: [
                "AllianceLedger", "EmbeddedPostgres", "Postgres",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/BenchmarkSupport",
            swiftSettings: strictSettings
        ),
        // Benchmarks/README.md: the ledger-write benchmark, next to pgbench in the same run.
        .executableTarget(
            name: "ledger-benchmark",
            dependencies: [
                "AllianceLedger", "BenchmarkSupport", "EmbeddedPostgres", "Postgres",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/LedgerWriteBenchmark",
            swiftSettings: strictSettings
        ),
        // Benchmarks/README.md: the spend import of a generated CSV, next to a raw COPY of it.
        .executableTarget(
            name: "import-benchmark",
            dependencies: [
                "AllianceLedger", "BenchmarkSupport", "EmbeddedPostgres", "Postgres",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/ImportBenchmark",
            swiftSettings: strictSettings
        ),

        // Benchmarks/README.md: HTTP spend recording next to the library and pgbench, same run.
        .executableTarget(
            name: "decision-benchmark",
            dependencies: [
                "AllianceLedger", "BenchmarkSupport", "EmbeddedPostgres", "Postgres",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/DecisionBenchmark",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "settlement-benchmark",
            dependencies: [
                "AllianceLedger", "BenchmarkSupport", "EmbeddedPostgres", "Postgres",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/SettlementBenchmark",
            swiftSettings: strictSettings
        ),
        // Benchmarks/README.md: a statement preview next to a raw GROUP BY, ledger and hledger.
        .executableTarget(
            name: "statement-benchmark",
            dependencies: [
                "AllianceLedger", "BenchmarkSupport", "EmbeddedPostgres", "Postgres",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/StatementBenchmark",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "http-benchmark",
            dependencies: [
                "AllianceLedger", "AllianceLedgerHTTP", "BenchmarkSupport", "EmbeddedPostgres", "Postgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/HTTPBenchmark",
            swiftSettings: strictSettings
        ),

        // Build tooling: turns files of the package into Swift source, so the binary carries them:
        // SQL/*.sql for its schema, VERSION for --version, openapi.json for GET /openapi.json.
        .executableTarget(
            name: "embed-files",
            path: "Plugins/EmbedFilesTool",
            swiftSettings: strictSettings
        ),
        .plugin(
            name: "EmbedFiles",
            capability: .buildTool(),
            dependencies: ["embed-files"]
        ),

        // Test support: a private PostgreSQL cluster per test run, a database per test.
        .target(
            name: "TestSupport",
            dependencies: [
                "EmbeddedPostgres", "Postgres", "AllianceLedger",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PostgresTests",
            dependencies: ["Postgres", "TestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "EmbeddedPostgresTests",
            dependencies: ["EmbeddedPostgres", "Postgres", "TestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AllianceLedgerTests",
            dependencies: [
                "AllianceLedger", "Postgres", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // Independent vectors, and the scripts that write and check them, read by the tests
            // through Bundle.module: a copied folder keeps the generated JSON one file, not a
            // Swift literal to regenerate beside it.
            resources: [.copy("Vectors")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AllianceLedgerHTTPTests",
            dependencies: [
                "AllianceLedgerHTTP", "AllianceLedger", "Postgres", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "alliance-ledgerTests",
            dependencies: [
                "alliance-ledger", "TestSupport", "Postgres", "AllianceLedger", "EmbeddedPostgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
