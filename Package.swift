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
        .library(name: "Dates", targets: ["Dates"]),
        .library(name: "Postgres", targets: ["Postgres"]),
        .library(name: "EmbeddedPostgres", targets: ["EmbeddedPostgres"]),
        .library(name: "AllianceLedger", targets: ["AllianceLedger"]),
        .library(name: "AllianceLedgerHTTP", targets: ["AllianceLedgerHTTP"]),
        .executable(name: "alliance-ledger", targets: ["alliance-ledger"]),
        // Not API: tooling that the benchmarks' own package (Benchmarks/) shares with the
        // availability check here, and a package depending on this one can only use products.
        .library(name: "ServiceHarness", targets: ["ServiceHarness"]),
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
        // Hummingbird's event loops, named directly for the server's idle timeout, closing a
        // connection after its answer, and the thread pool that spools uploads to disk.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
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
        // Days and instants, values every layer uses: in a module of their own, so that the
        // service and the command line need not import the database driver to name a date.
        .target(name: "Dates", swiftSettings: strictSettings),
        .target(
            name: "Postgres",
            dependencies: [
                "CLibPQ",
                "Dates",
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
                "Dates", "Postgres",
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
                "Dates", "Postgres",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            // Embedded by the EmbedFiles plugin, not a resource read at run time.
            exclude: ["OpenAPI/openapi.json", "Public/site.css"],
            swiftSettings: strictSettings,
            plugins: ["EmbedFiles"]
        ),
        .executableTarget(
            name: "alliance-ledger",
            dependencies: [
                "AllianceLedger",
                "AllianceLedgerHTTP",
                "EmbeddedPostgres",
                "Dates", "Postgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // The availability check of the README's "Slow clients and graceful shutdown", run by
        // CI's evidence stages (Tests/Evidence/slow-clients, graceful-shutdown) against the built
        // binary's serve. Evidence tooling with PASS or FAIL, not a benchmark: it stays here so
        // that CI's one build has it. The benchmarks are a package of their own, Benchmarks/.
        .executableTarget(
            name: "availability-check",
            dependencies: [
                "AllianceLedger", "Dates", "EmbeddedPostgres", "Postgres", "ServiceHarness",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/Evidence/AvailabilityCheck",
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

        // The built binary's serve as a process of its own, and the one raw HTTP/1.1 client that
        // controls each byte: for the tests and the availability check. The private migrated
        // cluster a benchmark or the availability check runs against, and what they print. Not
        // TestSupport, which links Swift Testing and so cannot be in an executable.
        .target(
            name: "ServiceHarness",
            dependencies: [
                "AllianceLedger", "EmbeddedPostgres", "Postgres",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/ServiceHarness",
            swiftSettings: strictSettings
        ),
        // Test support: a private PostgreSQL cluster per test run, a database per test.
        .target(
            name: "TestSupport",
            dependencies: [
                "EmbeddedPostgres", "Dates", "Postgres", "AllianceLedger", "ServiceHarness",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PostgresTests",
            dependencies: ["Dates", "Postgres", "TestSupport"],
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
                "AllianceLedger", "Dates", "Postgres", "TestSupport",
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
                "AllianceLedgerHTTP", "AllianceLedger", "Dates", "Postgres", "ServiceHarness", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "alliance-ledgerTests",
            dependencies: [
                "alliance-ledger", "ServiceHarness", "TestSupport", "Dates", "Postgres", "AllianceLedger",
                "EmbeddedPostgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)

// libFuzzer over the pure parsers (CSV, periods, amounts, strict JSON): only for
// Tests/Evidence/fuzz-parsers.py, which sets ALLIANCE_LEDGER_FUZZ=1 and builds with -sanitize=fuzzer
// in a scratch path of its own. That is a second full build, so CI's build never has this target.
if Context.environment["ALLIANCE_LEDGER_FUZZ"] == "1" {
    // Coverage for libFuzzer in the parsers' module and the fuzzer itself only: the build's own
    // tools (embed-files) cannot link with it.
    let fuzzing: [SwiftSetting] = [.unsafeFlags(["-sanitize=fuzzer"])]
    for target in package.targets where target.name == "AllianceLedger" {
        target.swiftSettings = (target.swiftSettings ?? []) + fuzzing
    }
    package.targets.append(
        .executableTarget(
            name: "parser-fuzzer",
            dependencies: ["AllianceLedger"],
            path: "Tests/Fuzz/Sources",
            swiftSettings: strictSettings + fuzzing,
            linkerSettings: [.unsafeFlags(["-sanitize=fuzzer"])]
        )
    )
}
