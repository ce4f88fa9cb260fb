// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "textnlp",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "textnlp", targets: ["textnlp"]),
        .library(name: "TextNLPInference", targets: ["TextNLPInference"]),
        .library(name: "TextNLPMetrics", targets: ["TextNLPMetrics"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
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
        .target(name: "TextNLPMetrics"),
        .executableTarget(
            name: "textnlp",
            dependencies: [
                "TextNLPInference",
                "TextNLPMetrics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "TextNLPInferenceTests",
            dependencies: ["TextNLPInference", "textnlp"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "TextNLPMetricsTests",
            dependencies: ["TextNLPMetrics", "textnlp"],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
