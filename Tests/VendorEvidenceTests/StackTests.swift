import BulkheadModel
import Foundation
import Testing

@testable import VendorEvidence

/// The catalog corrections of issue 14 and the ISM-1743 judgement of host operating systems, on the real catalog.
@Suite struct CatalogCorrectionTests {
    let evaluator = ISM1460Evaluator(asOf: Fixture.asOf, catalog: Fixture.catalog)

    func product(_ id: ProductID) throws -> Product { try #require(Fixture.catalog.product(id)) }

    @Test func googlesMemorySafetyPaperIsNotARoadmapForGVisorOrCrosvm() throws {
        for id: ProductID in ["gvisor", "crosvm"] {
            let roadmap = try #require(try product(id).facts.first { $0.aspect == .memorySafetyRoadmap })
            #expect(roadmap.value == .unknown, "\(id)")
            #expect(roadmap.evidence.claim.contains("not a memory-safety roadmap"), "\(id)")
            let e = evaluator.evaluate(try product(id))
            #expect(e.result(.sbdCommitment)?.facts.contains { $0.aspect == .memorySafetyRoadmap && $0.value == .yes } == false)
        }
    }

    @Test func citrixsPledgePostDoesNotCoverXenServer() throws {
        let pledge = try #require(try product("xenserver").facts.first { $0.aspect == .pledge })
        #expect(pledge.value == .unknown)
        #expect(pledge.evidence.claim.contains("Virtual Apps and Desktops"))
        #expect(evaluator.evaluate(try product("xenserver")).result(.sbdCommitment)?.outcome == .unknown)
    }

    @Test func dockerIsFuzzedInOSSFuzz() throws {
        let fuzzing = try #require(try product("docker").facts.first { $0.aspect == .fuzzing })
        #expect(fuzzing.value == .yes)
        #expect("\(fuzzing.evidence.source)".contains("projects/moby"))
        #expect(evaluator.evaluate(try product("docker")).result(.secureProgramming)?.outcome != .unknown)
    }

    @Test func qemusStaleStableProcessTextIsNotReadAsALifecycle() throws {
        let lifecycle = try #require(try product("qemu").lifecycle)
        #expect(lifecycle.published == false)
        #expect(lifecycle.latestLines == nil)
        #expect(lifecycle.policy.contains("7.2.x") && lifecycle.policy.contains("stale"))
    }

    @Test func aComponentThatIsACatalogProductIsJudgedOnceAsThatProduct() throws {
        let xen = evaluator.evaluate(try product("xen"))
        let xenserver = evaluator.evaluate(try product("xenserver"))
        let part = try #require(xenserver.components.first { $0.component.id == "xen" })
        #expect(part.basis.hasPrefix("judged as catalog product xen"))
        #expect(xenserver.result(.memorySafeLanguages)?.outcome == xen.result(.memorySafeLanguages)?.outcome)
        // Xen's MISRA C, ECLAIR/Coverity and OSS-Fuzz practices carry into XenServer's 4b: the same code, judged once.
        #expect(xenserver.result(.memorySafePractices)?.outcome == .met)
        #expect(xenserver.result(.memorySafePractices)?.reasons.contains { $0.hasPrefix("inherited from xen:") } == true)
        #expect(xenserver.dependencies.contains { $0.product == "xen" && $0.memorySafety == xen.memorySafety })
        for id: ProductID in ["nutanix-ahv", "proxmox-ve"] {
            let e = evaluator.evaluate(try product(id))
            #expect(e.dependencies.contains { $0.product == "qemu" }, "\(id)")
            #expect(e.dependencies.contains { $0.product == "kvm" }, "\(id)")
            let qemuPart = try #require(e.components.first { $0.component.product == "qemu" })
            #expect(qemuPart.basis.hasPrefix("judged as catalog product qemu"), "\(id)")
        }
    }

    @Test func everyKernelPartOfAContainerRuntimeIsTheLinuxKernelProduct() throws {
        for p in Fixture.catalog.products {
            for c in p.components where c.id == "linux-kernel" || c.id == "host-kernel" {
                #expect(c.product == "linux-kernel", "\(p.id)")
            }
        }
    }
}

/// ISM-1743: the host's operating system, judged with the same evaluator and evidence rules as ISM-1460.
@Suite struct OperatingSystemTests {
    let evaluator = ISM1460Evaluator(asOf: Fixture.asOf, catalog: Fixture.catalog)

    @Test func eachDistributionFamilyHasSourcedFactsAndAnOSReleaseID() throws {
        let families: [(String, ProductID)] = [("debian", "debian"), ("ubuntu", "ubuntu"), ("rhel", "rhel"), ("sles", "sles")]
        for (osID, product) in families {
            let p = try #require(Fixture.catalog.operatingSystem(osReleaseID: osID), "\(osID)")
            #expect(p.id == product)
            #expect(p.role == .hostOperatingSystem)
            #expect(p.components.contains { $0.product == "linux-kernel" && $0.isolationCritical })
            #expect(p.facts.count >= 3)
            for f in p.facts {
                guard case .document(let url, _) = f.evidence.source else {
                    Issue.record("\(p.id): a fact without a document source")
                    continue
                }
                #expect(url.hasPrefix("https://"), "\(p.id) \(f.aspect)")
                #expect(f.evidence.observedAt <= Fixture.date("2026-12-02"))
            }
        }
        #expect(Fixture.catalog.operatingSystem(osReleaseID: "centos") == nil)  // a rebuild is not Red Hat
    }

    @Test func theKernelIsJudgedWithKVMNamespacesAndSeccompAsComponents() throws {
        let kernel = try #require(Fixture.catalog.product("linux-kernel"))
        #expect(Set(kernel.components.map(\.id)) == ["kvm", "namespaces", "seccomp"])
        let e = evaluator.evaluate(kernel)
        #expect(e.result(.memorySafeLanguages)?.outcome == .notMet)
        #expect(e.result(.memorySafePractices)?.outcome == .met)  // syzkaller + KASAN
        #expect(e.memorySafety == .practices)
    }

    @Test func redHatMeetsItsCommitmentFromItsOwnSDLAndIsCappedByTheKernel() throws {
        let rhel = try #require(Fixture.catalog.product("rhel"))
        let e = evaluator.evaluate(rhel, control: .ism1743)
        #expect(e.control == .ism1743 && e.verdict.control == .ism1743)
        #expect(e.rationale.first?.hasPrefix("ISM-1743 ") == true)
        #expect(e.result(.sbdCommitment)?.outcome == .met)
        #expect(e.result(.memorySafePractices)?.reasons.contains { $0.hasPrefix("inherited from linux-kernel:") } == true)
        #expect(e.memorySafety == .practices)
        #expect(e.dependencies.contains { $0.product == "linux-kernel" && $0.cap == .satisfiedLessPreferred })
        #expect(e.status == .partiallySatisfied)  // (2) secure by default has no evidence yet
        let confined = evaluator.evaluate(
            rhel, attestations: [ProductBuilder(id: "rhel").attestation(.defaultConfinement, .yes)], control: .ism1743)
        #expect(confined.status == .satisfiedLessPreferred)
    }

    @Test func debianAndUbuntuAndSUSEAreJudgedOnTheirOwnRecords() throws {
        let debian = evaluator.evaluate(try #require(Fixture.catalog.product("debian")), control: .ism1743)
        #expect(debian.result(.sbdCommitment)?.outcome == .unknown)  // a volunteer project: no pledge applies
        #expect(debian.result(.memorySafePractices)?.outcome == .met)
        #expect(debian.status == .partiallySatisfied)
        let ubuntu = evaluator.evaluate(try #require(Fixture.catalog.product("ubuntu")), control: .ism1743)
        #expect(ubuntu.result(.secureByDefault)?.outcome == .met)
        #expect(ubuntu.status == .partiallySatisfied)
        let sles = evaluator.evaluate(try #require(Fixture.catalog.product("sles")), control: .ism1743)
        #expect(sles.result(.sbdCommitment)?.outcome == .partiallyMet)  // a security statement only
        #expect(sles.result(.vulnerabilityHandling)?.outcome == .met)
    }
}
