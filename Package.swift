// swift-tools-version: 6.2
import PackageDescription

// Our own targets build warning-free in Swift 6 mode; dependencies are unaffected.
let strict: [SwiftSetting] = [
    .treatAllWarnings(as: .error),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    // Release builds skip the runtime exclusivity checks (debug and test builds keep them): on the request
    // path they were a swift_beginAccess per ByteBuffer integer read, about 2.5% of the broker's CPU.
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let nioPosix = Target.Dependency.product(name: "NIOPosix", package: "swift-nio")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")

let package = Package(
    name: "Petrel",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "producer-perf", targets: ["ProducerPerf"]),
        .executable(name: "consumer-perf", targets: ["ConsumerPerf"]),
        .executable(name: "e2e-latency", targets: ["EndToEndLatency"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // C: io_uring ring + pwritev fallback, lz4 (frame), zstd, zlib, snappy (+xerial), CRC-32C.
        .target(
            name: "CSystemShims",
            path: "CSystemShims",
            linkerSettings: [
                .linkedLibrary("uring"), .linkedLibrary("lz4"), .linkedLibrary("zstd"),
                .linkedLibrary("z"), .linkedLibrary("snappy"),
            ]
        ),
        // Sans-io: primitives, framing, generated messages, record batch v2, codecs, CRC-32C, error codes.
        .target(name: "PetrelProtocol", dependencies: ["CSystemShims", nioCore], exclude: ["README.md"], swiftSettings: strict),
        // GoldenFrames/: captured client frames, read by path (`make golden-frames` re-captures them).
        .testTarget(name: "PetrelProtocolTests", dependencies: [
            "PetrelProtocol", nioCore, .product(name: "NIOEmbedded", package: "swift-nio"),
        ], exclude: ["GoldenFrames"]),
        // The protocol code generator (`make protocol`): Kafka JSON specs -> Sources/PetrelProtocol/Generated.
        .executableTarget(name: "PetrelProtocolGen", dependencies: [argumentParser], swiftSettings: strict),
        .testTarget(name: "PetrelProtocolGenTests", dependencies: ["PetrelProtocolGen"]),
        // Protocol codec benchmark (`make perf`): decode/encode of big Produce/Fetch messages vs memcpy.
        .executableTarget(name: "ProtocolBench", dependencies: ["PetrelProtocol", nioCore], path: "PerfTests/ProtocolBench",
                          swiftSettings: strict),
        // libFuzzer target over the request decoder (`make fuzz`); a plain build replays inputs.
        .executableTarget(name: "FuzzRequestDecoder", dependencies: ["PetrelProtocol", nioCore], swiftSettings: strict),
        // Perf: CRC-32C vs memcpy, lz4/zstd vs their CLI benchmarks (PerfTests/RESULTS.md).
        .executableTarget(
            name: "ShimsBench", dependencies: ["PetrelProtocol", nioCore], path: "PerfTests/ShimsBench", swiftSettings: strict),
        // Partition logs: segments, offset/time indexes, io_uring write path, recovery, retention.
        .target(
            name: "PetrelStorage",
            dependencies: [
                "PetrelProtocol", "CSystemShims", nioCore, logging,
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            exclude: ["README.md"], swiftSettings: strict
        ),
        .testTarget(name: "PetrelStorageTests", dependencies: ["PetrelStorage", "PetrelProtocol", nioCore, logging]),
        // Child process of the storage crash test: appends with durable waits until SIGKILLed.
        .executableTarget(
            name: "StorageCrashChild", dependencies: ["PetrelStorage", "PetrelProtocol", nioCore, logging],
            path: "Tests/StorageCrashChild", swiftSettings: strict
        ),
        // Storage throughput beside dd/cat references (`make perf`).
        .executableTarget(
            name: "StorageBench", dependencies: ["PetrelStorage", "PetrelProtocol", nioCore, logging],
            path: "PerfTests/StorageBench", swiftSettings: strict
        ),
        // Metadata records, MetadataImage, controller operations; the broker implements its MetadataLog.
        .target(
            name: "PetrelMetadata", dependencies: ["PetrelProtocol", nioCore], exclude: ["README.md"],
            swiftSettings: strict
        ),
        .testTarget(name: "PetrelMetadataTests", dependencies: ["PetrelMetadata", "PetrelProtocol", nioCore]),
        // NIO server, request dispatch, handlers, config, lifecycle: the only module that wires the others.
        .target(
            name: "PetrelBroker",
            dependencies: [
                "PetrelProtocol", "PetrelMetadata", "PetrelStorage", "PetrelCoordinator", nioCore, nioPosix, logging,
            ],
            exclude: ["README.md"], swiftSettings: strict
        ),
        .testTarget(name: "PetrelBrokerTests", dependencies: [
            "PetrelBroker", "PetrelProtocol", nioCore, nioPosix, logging,
            .product(name: "NIOEmbedded", package: "swift-nio"),
        ]),
        // The one executable: `petrel broker|...`; the only place that bootstraps LoggingSystem.
        .executableTarget(
            name: "petrel",
            dependencies: ["PetrelBroker", "PetrelClient", "PetrelProtocol", nioCore, nioPosix, logging, argumentParser],
            swiftSettings: strict,
            // Packed relative relocations (DT_RELR, glibc 2.36+, needs lld): the dynamic loader reads a
            // few KiB instead of ~1 MiB of .rela.dyn at every start, and that MiB stays out of RSS.
            linkerSettings: [
                .unsafeFlags(["-Xclang-linker", "-fuse-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"],
                             .when(configuration: .release))
            ]
        ),
        // Group coordinator (classic protocol) and __consumer_offsets; pure state, the broker drives it.
        .target(
            name: "PetrelCoordinator", dependencies: ["PetrelProtocol", nioCore], exclude: ["README.md"],
            swiftSettings: strict),
        .testTarget(
            name: "PetrelCoordinatorTests", dependencies: ["PetrelCoordinator", "PetrelProtocol", nioCore],
            swiftSettings: strict),
        // Producer, consumer (with groups) and admin client on SwiftNIO; used by the CLI and perf tools.
        .target(
            name: "PetrelClient", dependencies: ["PetrelProtocol", nioCore, nioPosix], exclude: ["README.md"],
            swiftSettings: strict),
        // Kafka's producer/consumer perf tools for the Petrel client (`make perf` figures).
        .executableTarget(
            name: "ProducerPerf", dependencies: ["PetrelClient", "PetrelProtocol", argumentParser],
            path: "PerfTests/ProducerPerf", swiftSettings: strict),
        .executableTarget(
            name: "ConsumerPerf", dependencies: ["PetrelClient", nioCore, argumentParser], path: "PerfTests/ConsumerPerf",
            swiftSettings: strict),
        .executableTarget(
            name: "EndToEndLatency", dependencies: ["PetrelClient", argumentParser], path: "PerfTests/EndToEndLatency",
            swiftSettings: strict),
        // Group coordinator benchmark (`make perf-groups`): rebalance latency and offset commits per second.
        .executableTarget(
            name: "GroupBench", dependencies: ["PetrelClient", "PetrelProtocol", argumentParser], path: "PerfTests/GroupBench",
            swiftSettings: strict),
        .testTarget(name: "PetrelClientTests", dependencies: ["PetrelClient", "PetrelProtocol", nioCore, nioPosix]),
    ]
)
