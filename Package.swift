// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "partmand",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "partmand", targets: ["partmand"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
    ],
    targets: [
        // System libraries.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),

        // Pure domain: intervals, naming, planner. No I/O, no clock.
        .target(name: "PartmandCore"),

        // libpq wrapper: connections, queries, errors, pool. Knows nothing about partitions.
        .target(
            name: "PartmandPostgres",
            dependencies: [
                "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Catalog snapshot and plan execution.
        .target(
            name: "PartmandEngine",
            dependencies: [
                "PartmandCore",
                "PartmandPostgres",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // systemd integration: sd_notify, watchdog, journald logging. Knows nothing about PostgreSQL.
        .target(
            name: "PartmandSystemd",
            dependencies: ["CSystemd", .product(name: "Logging", package: "swift-log")]
        ),

        // Strict YAML configuration.
        .target(
            name: "PartmandConfig",
            dependencies: [
                "PartmandCore",
                .product(name: "Yams", package: "Yams"),
            ]
        ),

        // The long-running service: Dispatch timers, signals, reload, retries, watchdog.
        .target(
            name: "PartmandDaemon",
            dependencies: [
                "PartmandCore",
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
                "PartmandConfig",
                "PartmandEngine",
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
            dependencies: ["PartmandPostgres", .product(name: "Logging", package: "swift-log")],
            path: "Tests/PartmandTestSupport"
        ),

        // Unit tests (no database).
        .testTarget(name: "PartmandCoreTests", dependencies: ["PartmandCore"]),
        .testTarget(name: "PartmandConfigTests", dependencies: ["PartmandConfig"]),
        // Integration tests (real PostgreSQL 15, see scripts/test).
        .testTarget(
            name: "PartmandPostgresTests",
            dependencies: ["PartmandPostgres", "PartmandTestSupport", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "PartmandEngineTests",
            dependencies: [
                "PartmandEngine", "PartmandCore", "PartmandPostgres", "PartmandTestSupport",
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
