// swift-tools-version:6.1
// Bulkhead — audits the software isolation layer of Linux servers against the ISM's
// Virtualisation hardening controls (ISM-1460 and its sister controls).
//
// One target per pipeline stage; imports only point down the list in ../shared/DESIGN.md:
//   BulkheadModel → HostInspection → Discovery → VendorEvidence / Census / Advisories → Checks
//   → Assessment → Store → Reporting → bulkhead (CLI)
import PackageDescription

// BULKHEAD_FUZZ=1 (Fuzz/run): Bulkhead's own targets are compiled for libFuzzer with AddressSanitizer; the
// dependencies keep their normal flags, so a fuzz build reuses the objects a normal debug build already made.
let fuzz: [SwiftSetting] =
    Context.environment["BULKHEAD_FUZZ"].map { $0.isEmpty ? [] : [.unsafeFlags(["-sanitize=fuzzer,address", "-g"])] } ?? []

let strict: [SwiftSetting] =
    [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("InternalImportsByDefault"),
    ] + fuzz

// The hardening checks, one folder each: Sources/Checks/Probes/<family>/<id>/ holds <id>.json (its definition,
// shipped as a resource), <id>.swift (its implementation) and fixtures/ (its good and bad configurations, test
// data outside the target). ChecksTests fails when a probe folder is missing from this list.
let checkProbes = [
    "cloud-hypervisor.api-socket", "cloud-hypervisor.landlock", "cloud-hypervisor.seccomp", "crosvm.sandbox", "firecracker.api-socket",
    "firecracker.guest-smt", "firecracker.jailer", "firecracker.jailer-limits", "firecracker.jail-paths", "firecracker.mmds-v1",
    "firecracker.seccomp", "firecracker.uid",
    "gvisor.directfs",
    "gvisor.network-host", "gvisor.platform", "gvisor.rootfs-overlay", "gvisor.unsafe-flags", "host.cpu-vulnerabilities", "host.iommu",
    "host.ksm", "host.kvm-device",
    "host.kvm-ignore-msrs", "host.lockdown", "host.lsm-enforcing", "host.mitigations-off", "host.nested-virt", "host.smt", "host.swap",
    "host.vfio-unsafe-interrupts", "kata.annotations", "kata.debug", "kata.guest-seccomp", "kata.hypervisor", "kata.shared-fs",
    "kata.vmm-sandbox", "libvirt.admin-interface", "libvirt.clear-capabilities", "libvirt.domain-type", "libvirt.dynamic-ownership",
    "libvirt.graphics-exposure", "libvirt.graphics-listen",
    "libvirt.graphics-password", "libvirt.hostdev", "libvirt.legacy-devices", "libvirt.migrate-tls", "libvirt.namespaces", "libvirt.polkit-manage",
    "libvirt.qemu-commandline", "libvirt.qemu-user", "libvirt.require-confined",
    "libvirt.sched-core", "libvirt.seccomp-sandbox", "libvirt.seclabel-none",
    "libvirt.security-driver", "lifecycle.host-os", "lifecycle.support-window", "logging.audit-coverage", "logging.central",
    "logging.integrity-monitoring", "qemu.accelerator", "qemu.display-exposure", "qemu.legacy-devices", "qemu.machine-type",
    "qemu.monitor-network", "qemu.non-root", "qemu.sandbox", "runtime.engine-api", "runtime.engine-socket", "runtime.engine-socket-mount",
    "runtime.host-namespaces", "runtime.kernel-fs-writable", "runtime.lsm-profile", "runtime.privileged", "runtime.user-namespace",
    "xen.device-model", "xen.device-nodes", "xen.display-exposure", "xen.dom0-mem", "xen.driver-domains", "xen.pci-permissive", "xen.spec-ctrl",
    "xen.toolstack-config", "xen.xenstored-socket", "xen.xsm",
]
func probeFolder(_ id: String) -> String { "Probes/\(id.prefix { $0 != "." })/\(id)" }

let package = Package(
    name: "Bulkhead",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "bulkhead", targets: ["bulkhead"]),
        .executable(name: "bulkhead-probe", targets: ["bulkhead-probe"]),
        .executable(name: "bulkhead-server", targets: ["bulkhead-server"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.40.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        // Fleet (issue 17): the server and the agent's transport.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        // YAML (log forwarders' configurations): Formats' YAMLReader bounds it.
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // Value types shared by every stage. No I/O.
        .target(name: "BulkheadModel", exclude: ["README.md"], swiftSettings: strict),
        // Creates secret/evidence files (O_CREAT|O_EXCL|O_NOFOLLOW, 0600) and reads files a user names (regular only).
        .target(name: "SafeFiles", dependencies: ["BulkheadModel"], exclude: ["README.md"], swiftSettings: strict),
        // Runs child processes (swift-subprocess): argument arrays, bounded output, SIGTERM then SIGKILL.
        .target(
            name: "ProcessRunner",
            dependencies: [
                "BulkheadModel", .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            exclude: ["README.md"],
            swiftSettings: strict),
        // Zip archives (ZIPFoundation) streamed under a byte budget, with zip-slip and link members refused.
        .target(
            name: "ZipExtraction",
            dependencies: ["BulkheadModel", "ZIPFoundation", .product(name: "SystemPackage", package: "swift-system")],
            exclude: ["README.md"],
            swiftSettings: strict),
        // The formats Bulkhead reads, with no knowledge of hosts: JSON pull reader and JSON values, gzip, tar,
        // RPM headers and rpmdb images, dpkg status, XML tree, conf syntax, argv and QEMU option strings.
        .target(
            name: "Formats",
            dependencies: [
                "BulkheadModel",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                // SHA-256, one of the .xz integrity checks (XZ.swift).
                .product(name: "Crypto", package: "swift-crypto"),
                // YAML documents (YAMLReader.swift), read under Formats' bounds.
                .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["README.md"],
            // Optimised in debug builds too: its byte loops (LZ4, apt's lists, gzip, tar) go through Span, whose
            // bounds-checked accessors are calls at -Onone; a debug `assess` spent seconds decoding apt's 50 MB
            // list, and the suite's LZ4 tests minutes. Release builds are unchanged.
            swiftSettings: strict + [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        // The only target that reads the host: bounded reads, live or snapshot roots, facts.
        .target(
            name: "HostInspection",
            dependencies: [
                "BulkheadModel", "Formats", "SafeFiles",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["README.md"],
            swiftSettings: strict),
        // Detectors (one per product family) and configuration parsers.
        .target(
            name: "Discovery",
            dependencies: ["BulkheadModel", "Formats", "HostInspection", "ProcessRunner"],
            exclude: ["README.md"],
            swiftSettings: strict),
        // The product/vendor catalog as data files, the ISM-1460 criteria, attestations.
        .target(
            name: "VendorEvidence",
            dependencies: ["BulkheadModel", "SafeFiles"],
            exclude: ["README.md"],
            resources: [.copy("Catalog"), .copy("ISM")],
            swiftSettings: strict),
        // Language census of source trees: memory-safe share and unsafe density.
        .target(
            name: "Census", dependencies: ["BulkheadModel", "ProcessRunner", "ZipExtraction"], exclude: ["README.md"], swiftSettings: strict),
        // Advisory import (CVE 5, OSV, NVD 2.0, KEV), version schemes, backports, statistics.
        .target(
            name: "Advisories",
            dependencies: [
                "BulkheadModel", "Formats", "ZipExtraction", "SafeFiles", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            exclude: ["README.md"],
            swiftSettings: strict),
        // Hardening checks: one folder per check (definition, implementation, fixtures).
        .target(
            name: "Checks",
            dependencies: ["BulkheadModel", "SafeFiles", "Formats"],
            exclude: ["README.md"] + checkProbes.map { probeFolder($0) + "/fixtures" },
            resources: checkProbes.map { .copy(probeFolder($0) + "/\($0).json") },
            swiftSettings: strict),
        // Control evaluation per mechanism.
        .target(
            name: "Assessment",
            dependencies: ["BulkheadModel", "Formats", "HostInspection", "Discovery", "VendorEvidence", "Census", "Advisories", "Checks"],
            exclude: ["README.md"],
            swiftSettings: strict),
        // Every renderer (assessment reports, terminal text of every command) and the signed evidence bundle.
        .target(
            name: "Reporting",
            dependencies: [
                "BulkheadModel", "HostInspection", "Discovery", "VendorEvidence", "Census", "Advisories", "Checks", "Assessment", "Store",
                "Lab", "SafeFiles", .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["README.md"],
            swiftSettings: strict),
        // SQLite history, reviews, waivers, training register; an assessment report becomes a record here.
        .target(
            name: "Store",
            dependencies: ["BulkheadModel", "Assessment", "SafeFiles", .product(name: "GRDB", package: "GRDB.swift")],
            exclude: ["README.md"],
            swiftSettings: strict),
        // The thin CLI.
        .executableTarget(
            name: "bulkhead",
            dependencies: [
                "BulkheadModel", "Formats", "HostInspection", "Discovery", "VendorEvidence", "Census", "Advisories",
                "Checks", "Assessment", "Reporting", "Store", "Lab", "SafeFiles", "FleetAgent", "FleetProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["README.md"],
            swiftSettings: strict),
        // Runs inside a guest or sandbox; FoundationEssentials only. Linked fully static
        // (-static-executable) so it runs in a bare initramfs, a gVisor sandbox or a minimal rootfs.
        .executableTarget(
            name: "bulkhead-probe",
            dependencies: ["CCPUID"],
            exclude: ["README.md"],
            swiftSettings: strict,
            linkerSettings: [
                .unsafeFlags(
                    ["-static-executable", "-l_FoundationCollections", "-l_FoundationCShims", "-lswiftSynchronization"], .when(platforms: [.linux]))
            ]),
        // The CPUID instruction for the probe (Swift has no inline assembly); one static inline function.
        .target(name: "CCPUID", exclude: ["README.md"]),
        // Boots real isolation mechanisms, runs the probe inside and evaluates threat scenarios.
        .target(
            name: "Lab",
            dependencies: ["BulkheadModel", "HostInspection", "ProcessRunner", "SafeFiles"],
            exclude: ["README.md"],
            swiftSettings: strict),

        // Fleet wire format shared by the agent and the server: the submission envelope, the canonical string
        // that is signed, the in-memory bundle and its verification. No I/O.
        .target(
            name: "FleetProtocol", dependencies: ["BulkheadModel", .product(name: "Crypto", package: "swift-crypto")], exclude: ["README.md"],
            swiftSettings: strict),
        // The fleet server: PostgreSQL schema and migrations, enrolment, verified ingest, read API, dashboard.
        .target(
            name: "FleetServer",
            dependencies: [
                "FleetProtocol", "Formats", "Reporting", "Assessment", "BulkheadModel",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["README.md"],
            swiftSettings: strict),
        // The host side of the fleet: the agent key, enrolment, submission, the bounded spool.
        .target(
            name: "FleetAgent",
            dependencies: [
                "FleetProtocol", "SafeFiles",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["README.md"],
            swiftSettings: strict),
        .executableTarget(
            name: "bulkhead-server",
            dependencies: [
                "FleetServer", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"), .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            exclude: ["README.md"],
            swiftSettings: strict),

        // Benchmarks (run with `swift run -c release NAME`; they print figures, they assert nothing).
        .executableTarget(
            name: "DiscoveryBenchmark", dependencies: ["Discovery", "HostInspection"], path: "Benchmarks/DiscoveryBenchmark"),

        .testTarget(name: "BulkheadModelTests", dependencies: ["BulkheadModel"]),
        .testTarget(name: "ProcessRunnerTests", dependencies: ["ProcessRunner"]),
        .testTarget(name: "SafeFilesTests", dependencies: ["SafeFiles", "BulkheadModel", "BulkheadTestSupport"]),
        .testTarget(name: "ZipExtractionTests", dependencies: ["ZipExtraction", "BulkheadTestSupport"]),
        .testTarget(
            name: "ChecksTests",
            dependencies: ["Checks", "BulkheadModel", "Formats", "HostInspection", "Discovery", "Reporting", "Assessment", "BulkheadTestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "DetectorTests", dependencies: ["Discovery", "Formats", "HostInspection", "BulkheadModel", "BulkheadTestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "ReportingTests",
            dependencies: [
                "Reporting", "Assessment", "Advisories", "VendorEvidence", "Discovery", "HostInspection", "BulkheadModel", "BulkheadTestSupport",
            ]),
        .testTarget(
            name: "HostInspectionTests",
            dependencies: ["HostInspection", "Formats", "BulkheadModel", "BulkheadTestSupport", .product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "DiscoveryTests", dependencies: ["Discovery", "Formats", "BulkheadModel", "BulkheadTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LabTests", dependencies: ["Lab", "BulkheadModel", "BulkheadTestSupport"]),
        .testTarget(
            name: "VendorEvidenceTests",
            dependencies: ["VendorEvidence", "BulkheadModel", "Reporting", "BulkheadTestSupport", .product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "AssessmentTests",
            dependencies: [
                "Assessment", "VendorEvidence", "Discovery", "Formats", "HostInspection", "BulkheadModel", "Census", "Checks", "Advisories",
                "Reporting", "BulkheadTestSupport",
            ]),
        .testTarget(
            name: "CensusTests", dependencies: ["Census", "BulkheadModel", "ProcessRunner", "BulkheadTestSupport"], resources: [.copy("Fixtures")]),
        // Writes to a store slowly so StoreTests can kill it mid-transaction or race two writers.
        .executableTarget(
            name: "StoreTestWriter", dependencies: ["Store", "BulkheadModel"], path: "Tests/StoreTests/Writer",
            swiftSettings: strict),
        .testTarget(
            name: "StoreTests",
            dependencies: [
                "Store", "Assessment", "BulkheadModel", "Reporting", "StoreTestWriter", "BulkheadTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            exclude: ["Writer", "Fixtures"]),
        // Fleet ingest and read benchmark (docs/fleet.md, README "Benchmarks").
        .executableTarget(
            name: "fleet-bench",
            dependencies: [
                "FleetServer", "FleetAgent", "FleetProtocol", "Reporting", "BulkheadTestSupport", "ProcessRunner",
                .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Benchmarks/fleet-bench"),
        // Advisory import benchmark driver (Benchmarks/advisories.sh).
        .executableTarget(
            name: "advisories-bench", dependencies: ["Advisories", "Formats"], path: "Benchmarks/advisories-bench", swiftSettings: strict),
        // Helpers shared by test targets (the tools a test needs, a real rpm database built at test time, zip
        // archives written with ZIPFoundation).
        .target(
            name: "BulkheadTestSupport", dependencies: ["ZIPFoundation"], path: "Tests/TestSupport", exclude: ["README.md"],
            swiftSettings: strict),
        // The built `bulkhead` binary run from outside (strace, snapshots, replays).
        .testTarget(name: "EndToEndTests", dependencies: ["BulkheadTestSupport"]),
        // The format readers on their own: the XML reader against libxml2 (Foundation's XMLParser) on real documents.
        .testTarget(name: "FormatsTests", dependencies: ["Formats", "BulkheadTestSupport"], exclude: ["Fixtures"]),
        .testTarget(
            name: "AdvisoriesTests",
            dependencies: [
                "Advisories", "Formats", "BulkheadModel", "VendorEvidence", "Assessment", "HostInspection", "BulkheadTestSupport", "Reporting",
                "SafeFiles", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            resources: [.copy("Fixtures")]),
        // The built `bulkhead` binary as a user runs it: exit statuses, usage text, error lines.
        .testTarget(name: "CLITests", dependencies: ["BulkheadTestSupport"]),
        // The fleet against a real PostgreSQL (TestSupport starts a throwaway cluster).
        .testTarget(
            name: "FleetTests",
            dependencies: [
                "FleetServer", "FleetProtocol", "FleetAgent", "Reporting", "Assessment", "BulkheadModel", "BulkheadTestSupport",
                .product(name: "JWTKit", package: "jwt-kit"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
    ]
)
