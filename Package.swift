// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "partmand",
    products: [
        .executable(name: "partmand", targets: ["partmand"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
    ],
    targets: [
        // System libraries.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // memfd_create and file sealing, which glibc declares only under _GNU_SOURCE. Header only.
        .systemLibrary(name: "CMemfd"),

        // Civil dates and durations: plain arithmetic every layer shares. No I/O, no clock.
        .target(name: "PartmandTime"),

        // Waiting on shared state: a lock with a condition on the monotonic clock. No I/O.
        .target(name: "PartmandSync"),

        // Pure domain: intervals, naming, planner. No I/O, no clock.
        .target(name: "PartmandCore", dependencies: ["PartmandTime"]),

        // libpq wrapper: connections, queries, errors, pool. Knows nothing about partitions.
        .target(
            name: "PartmandPostgres",
            dependencies: [
                "CLibPQ",
                "PartmandSync",
                "PartmandTime",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Catalog snapshot and plan execution.
        .target(
            name: "PartmandEngine",
            dependencies: [
                "PartmandCore",
                "PartmandPostgres",
                "PartmandSync",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Online migration of a plain table to a range-partitioned one: the checks (pure rules over
        // facts read from the catalog), the steps, the swap.
        .target(
            name: "PartmandMigration",
            dependencies: [
                "PartmandCore",
                "PartmandEngine",
                "PartmandPostgres",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // systemd integration: the notify protocol, watchdog, journald's native protocol; no libsystemd.
        // Knows nothing about PostgreSQL.
        .target(
            name: "PartmandSystemd",
            dependencies: ["CMemfd", "PartmandTime", .product(name: "Logging", package: "swift-log")]
        ),

        // Log levels and line formats, and the handler writing lines to stderr.
        .target(
            name: "PartmandLogging", dependencies: ["PartmandTime", .product(name: "Logging", package: "swift-log")]),

        // Strict YAML configuration.
        .target(
            name: "PartmandConfig",
            dependencies: [
                "PartmandCore",
                "PartmandLogging",
                "PartmandTime",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),

        // What every command builds from a configuration: the connection pool and the engine.
        .target(
            name: "PartmandRuntime",
            dependencies: [
                "PartmandConfig",
                "PartmandEngine",
                "PartmandPostgres",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // What `partmand run` tells monitoring: the Prometheus registry, the health verdict, and the
        // small HTTP server (SwiftNIO) that serves /metrics and /healthz from memory.
        .target(
            name: "PartmandObservability",
            dependencies: [
                "PartmandConfig",
                "PartmandCore",
                "PartmandEngine",
                "PartmandTime",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),

        // The long-running service: Dispatch timers, signals, reload, retries, watchdog.
        .target(
            name: "PartmandDaemon",
            dependencies: [
                "PartmandObservability",
                "PartmandCore",
                "PartmandRuntime",
                "PartmandTime",
                "PartmandConfig",
                "PartmandEngine",
                "PartmandPostgres",
                "PartmandSystemd",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Commands and wiring.
        .target(
            name: "PartmandCLI",
            dependencies: [
                "PartmandCore",
                "PartmandLogging",
                "PartmandRuntime",
                "PartmandConfig",
                "PartmandEngine",
                "PartmandMigration",
                "PartmandObservability",
                "PartmandPostgres",
                "PartmandSystemd",
                "PartmandDaemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "partmand", dependencies: ["PartmandCLI"]),

        // Shared test helpers: the test server, private clusters, fixtures.
        .target(
            name: "PartmandTestSupport",
            dependencies: ["PartmandPostgres", "PartmandTime", .product(name: "Logging", package: "swift-log")],
            path: "Tests/PartmandTestSupport"
        ),

        // Unit tests (no database).
        .testTarget(
            name: "PartmandTimeTests", dependencies: ["PartmandTime", "PartmandCore", "PartmandTestSupport"]),
        .testTarget(name: "PartmandCoreTests", dependencies: ["PartmandCore", "PartmandTime"]),
        .testTarget(name: "PartmandConfigTests", dependencies: ["PartmandConfig"]),
        .testTarget(name: "PartmandSyncTests", dependencies: ["PartmandSync"]),
        .testTarget(
            name: "PartmandLoggingTests",
            dependencies: ["PartmandLogging", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "PartmandMigrationTests", dependencies: ["PartmandMigration", "PartmandCore"]),
        .testTarget(
            name: "PartmandObservabilityTests",
            dependencies: [
                "PartmandObservability", "PartmandEngine", "PartmandCore", "PartmandConfig", "PartmandTestSupport",
            ]
        ),
        // Integration tests (real PostgreSQL 15, see scripts/test).
        .testTarget(
            name: "PartmandPostgresTests",
            dependencies: ["PartmandPostgres", "PartmandTestSupport", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "PartmandEngineTests",
            dependencies: [
                "PartmandEngine", "PartmandMigration", "PartmandCore", "PartmandPostgres", "PartmandTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "PartmandSystemdTests",
            dependencies: ["PartmandSystemd", "PartmandTestSupport", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "PartmandDaemonTests",
            dependencies: [
                "PartmandDaemon", "PartmandCore", "PartmandEngine", "PartmandTestSupport", "partmand",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "PartmandPartmanTests",
            dependencies: [
                "PartmandEngine", "PartmandCore", "PartmandPostgres", "PartmandConfig", "PartmandTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "PartmandCLITests",
            dependencies: [
                "PartmandCLI", "partmand", "PartmandCore", "PartmandEngine", "PartmandPostgres", "PartmandTestSupport",
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
