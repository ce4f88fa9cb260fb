// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "textnlp",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "textnlp", targets: ["textnlp"]),
        .library(name: "TextNLPInference", targets: ["TextNLPInference"]),
        .library(name: "TextNLPMetrics", targets: ["TextNLPMetrics"]),
        .library(name: "TextNLPPipeline", targets: ["TextNLPPipeline"]),
        .library(name: "TextNLPJobs", targets: ["TextNLPJobs"]),
        .library(name: "TextNLPBatches", targets: ["TextNLPBatches"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(
            name: "CKernels",
            cSettings: [.unsafeFlags(["-O3"])]
        ),
        .target(
            name: "TextNLPInference",
            dependencies: ["CBLAS", "CKernels"]
        ),
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        .target(name: "TextNLPMetrics"),
        .target(
            name: "TextNLPPipeline",
            dependencies: [
                "TextNLPInference",
                "TextNLPMetrics",
                "CZstd",
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        .target(
            name: "TextNLPJobs",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "TextNLPBatches",
            dependencies: [
                "TextNLPInference",
                "TextNLPPipeline",
                "TextNLPJobs",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "TextNLPServer",
            dependencies: [
                "TextNLPInference",
                "TextNLPMetrics",
                "TextNLPPipeline",
                "TextNLPJobs",
                "TextNLPBatches",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            resources: [.copy("Resources/openapi.json")]
        ),
        .executableTarget(
            name: "textnlp",
            dependencies: [
                "TextNLPInference",
                "TextNLPMetrics",
                "TextNLPPipeline",
                "TextNLPJobs",
                "TextNLPBatches",
                "TextNLPServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What the test targets share: child processes without Foundation's Process, work off the shared pool.
        .target(
            name: "TextNLPTestSupport",
            dependencies: ["TextNLPJobs", .product(name: "PostgresNIO", package: "postgres-nio")],
            path: "Tests/TextNLPTestSupport"
        ),
        .testTarget(
            name: "TextNLPInferenceTests",
            dependencies: ["TextNLPInference", "TextNLPTestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "TextNLPMetricsTests",
            dependencies: ["TextNLPMetrics", "TextNLPTestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "TextNLPPipelineTests",
            dependencies: ["TextNLPPipeline", "TextNLPInference", "TextNLPTestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "TextNLPJobsTests",
            dependencies: [
                "TextNLPJobs",
                "TextNLPTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "TextNLPBatchesTests",
            dependencies: ["TextNLPBatches", "TextNLPJobs", "TextNLPPipeline", "TextNLPInference", "TextNLPTestSupport"]
        ),
        .testTarget(
            name: "TextNLPServerTests",
            dependencies: [
                "TextNLPServer", "TextNLPBatches", "TextNLPJobs", "TextNLPPipeline", "TextNLPTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        // The command line, driven as a user drives it: the built `textnlp` executable in a child process.
        .testTarget(
            name: "TextNLPCLITests",
            dependencies: ["textnlp", "TextNLPPipeline", "TextNLPInference", "TextNLPTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
