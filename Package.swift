// swift-tools-version:6.0
// Rounds: clinician-in-the-loop preference learning for medical language models.
// Layers, bottom to top (dependencies point down only): see README.md, "Layout".
import PackageDescription

/// Numeric layers are written against raw buffers. The shipped release binary drops their
/// bounds and overflow checks (-Ounchecked); with ROUNDS_CHECKED=1 in the environment (the
/// test script sets it) release builds keep them, so the suite runs optimized with checks on.
let checked = Context.environment["ROUNDS_CHECKED"] == "1"
let numeric: [SwiftSetting] = [
    .swiftLanguageMode(.v5),
    .unsafeFlags(checked ? ["-wmo"] : ["-Ounchecked", "-wmo"], .when(configuration: .release)),
]

/// The Tensor kernels use 8-lane fused multiply-add (SIMD8 `addProduct`); without these
/// flags Swift targets baseline x86-64 (SSE2) and turns each lane's FMA into a libm call.
/// Needs an AVX2/FMA CPU (x86-64-v3: Intel Haswell, AMD Zen and later).
/// The kernels are also optimized in debug builds: unoptimized SIMD code is ~100× slower,
/// which would make every test that runs the real model crawl.
let vectorISA: [SwiftSetting] = [
    .unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma", "-Xcc", "-mf16c"], .when(platforms: [.linux])),
    .unsafeFlags(["-O"], .when(configuration: .debug)),
]

/// The weight decoders in C (AVX2 intrinsics; see Sources/CKernels): optimized in every build,
/// no fused multiply-add, so they reproduce the GGUF reader's `Float(q) * d + m` bit for bit.
let cKernels: [CSetting] = [
    .unsafeFlags(["-mavx2", "-mf16c", "-O2", "-ffp-contract=off"], .when(platforms: [.linux])),
]

let package = Package(
    name: "Rounds",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rounds", targets: ["rounds"]),
        .executable(name: "rounds-bench", targets: ["rounds-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
    ],
    targets: [
        // OpenBLAS (Debian: libopenblas-dev) is opened at run time by CHost, which picks its kernels.
        .target(name: "CHost", linkerSettings: [.linkedLibrary("dl"), .linkedLibrary("m")]),
        .target(name: "Support"),
        .target(name: "Privacy", dependencies: ["Support"]),
        .target(name: "CKernels", dependencies: ["CHost"], cSettings: cKernels),
        .target(name: "Tensor", dependencies: ["CHost", "CKernels"], swiftSettings: numeric + vectorISA),
        .target(name: "ModelFiles", dependencies: ["Support"], swiftSettings: numeric),
        .target(name: "Tokenizer", dependencies: ["ModelFiles", "Support"]),
        .target(name: "Llama", dependencies: ["Tensor", "ModelFiles", "Support"], swiftSettings: numeric),
        .target(name: "Generation", dependencies: ["Llama", "Tokenizer"], swiftSettings: numeric),
        .target(name: "Training", dependencies: ["Llama", "Tokenizer", "Generation", "Support"], swiftSettings: numeric),
        .target(name: "FeedbackStore", dependencies: ["Support", "Privacy", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "Review", dependencies: ["FeedbackStore", "Privacy", "Support"]),
        .target(
            name: "Loop",
            dependencies: ["FeedbackStore", "Training", "Generation", "Support"]),
        // Not production code: the scripted reviewers and simulated worlds of the tests, and
        // the synthetic feedback the benchmarks seed. The CLI uses it only for its labelled
        // simulation commands (`simulate-review`, `eval-sft`).
        .target(
            name: "RoundsSimulation",
            dependencies: ["FeedbackStore", "Generation", "Llama", "Privacy", "Tensor", "Tokenizer", "Support",
                           .product(name: "GRDB", package: "GRDB.swift")]),
        .executableTarget(
            name: "rounds",
            dependencies: [
                "Loop", "Review", "FeedbackStore", "Privacy", "Support", "Training", "Generation", "Tokenizer", "ModelFiles", "Llama",
                "RoundsSimulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "rounds-bench",
            dependencies: ["Generation", "Training", "Tokenizer", "FeedbackStore", "Review", "Loop", "Privacy", "Support",
                "RoundsSimulation", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: numeric),
        .testTarget(name: "SupportTests", dependencies: ["Support"]),
        .testTarget(name: "PrivacyTests", dependencies: ["Privacy"]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor"]),
        .testTarget(name: "ModelFilesTests", dependencies: ["ModelFiles"]),
        .testTarget(name: "TokenizerTests", dependencies: ["Tokenizer"]),
        .testTarget(name: "LlamaTests", dependencies: ["Llama", "Tokenizer"]),
        .testTarget(name: "GenerationTests", dependencies: ["Generation"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training"]),
        .testTarget(name: "FeedbackStoreTests", dependencies: ["FeedbackStore", "Support"]),
        .testTarget(name: "ReviewTests", dependencies: ["Review", "Support"]),
        .testTarget(name: "LoopTests", dependencies: ["Loop", "RoundsSimulation"]),
        .testTarget(name: "RoundsCLITests", dependencies: ["rounds"]),
    ]
)
