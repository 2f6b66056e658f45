import BulkheadModel
import Foundation
import Reporting
import Testing

@testable import VendorEvidence

/// Every ISM-1460 verdict path on constructed evidence (docs/criteria.md).
@Suite struct VerdictPathTests {
    let evaluator = ISM1460Evaluator(asOf: Fixture.date("2026-11-28"))

    @Test func satisfiedWhenEveryCriterionIsMetWithMemorySafeLanguages() {
        var b = ProductBuilder.allMet()
        b.components.removeAll { $0.layer == .kernel }  // a stack with no host-kernel part
        let e = evaluator.evaluate(b.product)
        #expect(e.status == .satisfied)
        #expect(e.memorySafety == .languages)
        #expect(e.criteria.filter { $0.criterion != .memorySafePractices }.allSatisfy { $0.outcome == .met })
        #expect(e.dependencies.isEmpty)
        #expect(e.verdict.control == .ism1460 && e.verdict.status == .satisfied)
        #expect(e.verdict.evidence.count >= 7)
    }

    @Test func aKernelPartNobodyHasJudgedCapsTheVerdictAtPartial() throws {
        // KVM (C, kernel layer) with no catalog product to show its practices: unseen never passes.
        let e = evaluator.evaluate(ProductBuilder.allMet().product)
        #expect(e.memorySafety == .languages)
        #expect(e.status == .partiallySatisfied)
        #expect(e.weakestComponent == "KVM")
        let cap = try #require(e.dependencies.first)
        #expect(cap.component == "KVM" && cap.applied == true && cap.cap == .partiallySatisfied)
        #expect(e.rationale.first?.contains("capped at partiallySatisfied by KVM") == true)
        #expect(e.rationale.contains { $0.hasPrefix("Capped at partiallySatisfied by KVM") })
    }

    @Test func satisfiedLessPreferredWhenMemorySafetyComesFromPractices() {
        var b = ProductBuilder.allMet()
        b.components.removeAll { $0.layer == .kernel }
        b.facts.removeAll { $0.aspect == .memorySafeShare }
        b.components[0].languages = ["C"]
        // fuzzing + static analysis (already on record) are two memory-safe practices: 4b is met without a roadmap.
        let e = evaluator.evaluate(b.product)
        #expect(e.result(.memorySafeLanguages)?.outcome == .notMet)
        #expect(e.result(.memorySafePractices)?.outcome == .met)
        #expect(e.memorySafety == .practices)
        #expect(e.status == .satisfiedLessPreferred)
        #expect(e.weakestComponent == "Test VMM")
    }

    @Test func oneMemorySafePracticeIsPartialAndARoadmapIsShownNotCounted() {
        var b = ProductBuilder.allMet()
        b.components.removeAll { $0.layer == .kernel }
        b.facts.removeAll { $0.aspect == .memorySafeShare || $0.aspect == .staticAnalysis }
        b.components[0].languages = ["C"]
        b.add(.threatModel, .yes)  // (3) still met: fuzzing + threat model
        b.add(.memorySafetyRoadmap, .yes)
        let e = evaluator.evaluate(b.product)
        let practices = e.result(.memorySafePractices)
        #expect(practices?.outcome == .partiallyMet)
        #expect(practices?.reasons.contains { $0.hasPrefix("for information (a strength, counted under criterion 1 only)") } == true)
        #expect(e.status == .partiallySatisfied)
    }

    @Test func aLowConfidencePracticeDoesNotMeetPractices() {
        var b = ProductBuilder.allMet()
        b.components.removeAll { $0.layer == .kernel }
        b.facts.removeAll { $0.aspect == .memorySafeShare || $0.aspect == .staticAnalysis }
        b.components[0].languages = ["C"]
        b.add(.staticAnalysis, .yes, confidence: .low)
        #expect(evaluator.evaluate(b.product).result(.memorySafePractices)?.outcome == .partiallyMet)
    }

    @Test func formalVerificationCountsOnlyForTheIsolationCriticalCodeItNames() {
        var b = ProductBuilder.allMet()
        b.components = [
            Component(id: "kernel", name: "Verified kernel", languages: ["C"], layer: .mechanism, isolationCritical: true),
            Component(id: "vmm", name: "Unverified VMM", languages: ["C"], layer: .mechanism, isolationCritical: true),
        ]
        b.facts.removeAll { $0.aspect == .memorySafeShare || $0.aspect == .fuzzing || $0.aspect == .staticAnalysis }
        b.add(.formalVerification, .yes)  // names no component: not counted
        var e = evaluator.evaluate(b.product)
        #expect(e.result(.memorySafePractices)?.outcome == .unknown)
        #expect(e.result(.memorySafePractices)?.reasons.contains { $0.hasPrefix("not counted: formal verification") } == true)
        b.facts.removeAll { $0.aspect == .formalVerification }
        b.add(.formalVerification, .yes, component: "kernel")
        e = evaluator.evaluate(b.product)
        #expect(e.result(.memorySafePractices)?.outcome == .partiallyMet)  // the VMM is not covered
        b.add(.formalVerification, .yes, component: "vmm")
        e = evaluator.evaluate(b.product)
        #expect(e.result(.memorySafePractices)?.outcome == .met)
        #expect(e.result(.memorySafePractices)?.reasons.first?.contains("covers every memory-unsafe") == true)
    }

    @Test func aPledgeKnownOnlyFromThePressIsPartial() {
        var b = ProductBuilder.allMet()
        b.components.removeAll { $0.layer == .kernel }
        b.facts.removeAll { $0.aspect == .pledge }
        b.add(.pledge, .yes, confidence: .low, claim: "signed, says a newspaper")
        let e = evaluator.evaluate(b.product)
        #expect(e.result(.sbdCommitment)?.outcome == .partiallyMet)
        #expect(e.result(.sbdCommitment)?.reasons.first?.contains("primary source") == true)
        #expect(e.status == .partiallySatisfied)
        b.add(.pledge, .yes, confidence: .medium, claim: "the signer's own page")
        #expect(evaluator.evaluate(b.product).result(.sbdCommitment)?.outcome == .met)
    }

    @Test func partiallySatisfiedWhenACriterionIsOnlyPartlyMet() {
        var b = ProductBuilder.allMet()
        b.facts.removeAll { $0.aspect == .staticAnalysis }  // one practice left → (3) partiallyMet
        let e = evaluator.evaluate(b.product)
        #expect(e.result(.secureProgramming)?.outcome == .partiallyMet)
        #expect(e.status == .partiallySatisfied)
        #expect(e.rationale.first?.contains("(3) partiallyMet") == true)
    }

    @Test func notSatisfiedWhenNeitherLanguagesNorPracticesAreMemorySafe() {
        var b = ProductBuilder.allMet()
        b.facts.removeAll { $0.aspect == .memorySafeShare }
        b.add(.memorySafeShare, .percent(2), component: "vmm", confidence: .high)
        b.add(.sandboxedDeviceEmulation, .no)
        b.facts.removeAll { $0.aspect == .fuzzing || $0.aspect == .staticAnalysis }
        b.add(.fuzzing, .no)
        b.add(.threatModel, .yes)
        b.add(.codeReview, .yes)
        let e = evaluator.evaluate(b.product)
        #expect(e.result(.memorySafeLanguages)?.outcome == .notMet)
        #expect(e.result(.memorySafePractices)?.outcome == .notMet)
        #expect(e.memorySafety == .notMet)
        #expect(e.status == .notSatisfied)
    }

    @Test func notSatisfiedWhenACoreCriterionIsNegative() {
        var b = ProductBuilder.allMet()
        b.facts.removeAll { $0.aspect == .defaultConfinement }
        b.add(.defaultConfinement, .no, claim: "not an isolation boundary on its own")
        let e = evaluator.evaluate(b.product)
        #expect(e.result(.secureByDefault)?.outcome == .notMet)
        #expect(e.status == .notSatisfied)
    }

    @Test func notAssessedWhenThereIsNoEvidence() {
        var b = ProductBuilder()
        b.components = [Component(id: "vmm", name: "Closed VMM", languages: ["unknown"], layer: .mechanism, isolationCritical: true)]
        b.add(.pledge, .unknown, claim: "not found")
        let e = evaluator.evaluate(b.product)
        #expect(e.criteria.allSatisfy { $0.outcome == .unknown })
        #expect(e.status == .notAssessed)
        #expect(e.confidence == .low)
        // "not found" is unknown, not no.
        #expect(e.result(.sbdCommitment)?.reasons.first?.contains("not no") == true)
    }

    @Test func missingEvidenceOnOneCriterionIsPartialNotNegative() {
        var b = ProductBuilder.allMet()
        b.components.removeAll { $0.layer == .kernel }
        b.facts.removeAll { $0.criterion == .secureByDefault }
        let e = evaluator.evaluate(b.product)
        #expect(e.result(.secureByDefault)?.outcome == .unknown)
        #expect(e.status == .partiallySatisfied)
    }

    @Test func vulnerabilityHandlingSupportsButDoesNotGate() {
        // A young project with no advisories yet: criterion 5 unknown or negative does not hold it back.
        var b = ProductBuilder.allMet()
        b.components.removeAll { $0.layer == .kernel }
        b.facts.removeAll { $0.criterion == .vulnerabilityHandling }
        b.add(.advisories, .unknown, claim: "no advisories found")
        var e = evaluator.evaluate(b.product)
        #expect(e.result(.vulnerabilityHandling)?.outcome == .unknown)
        #expect(e.status == .satisfied)
        b.add(.vdp, .no)
        e = evaluator.evaluate(b.product)
        #expect(e.result(.vulnerabilityHandling)?.outcome == .notMet)
        #expect(e.status == .satisfied)
    }

    @Test func productNotInCatalogIsNotAssessedWithTheFileToAdd() {
        let e = evaluator.notInCatalog(product: "mystery-vmm", name: "Mystery VMM")
        #expect(e.status == .notAssessed)
        let text = e.rationale.joined(separator: "\n")
        #expect(text.contains("mystery-vmm.json"))
        #expect(text.contains("\"schemaVersion\": 1"))
        #expect(text.contains("--catalog DIR"))
        #expect(text.contains("docs/catalog-format.md"))
    }

    @Test func stackWithAMemoryUnsafePartOfItsOwnIsPartial() {
        var b = ProductBuilder.allMet()
        b.components.removeAll { $0.layer == .kernel }
        b.facts.removeAll { $0.aspect == .staticAnalysis }  // one practice: 4b partial
        b.add(.threatModel, .yes)
        b.components.append(Component(id: "dm", name: "Device model", languages: ["C"], layer: .mechanism, isolationCritical: true))
        let e = evaluator.evaluate(b.product)
        #expect(e.result(.memorySafeLanguages)?.outcome == .partiallyMet)
        #expect(e.weakestComponent == "Device model")
        #expect(e.status == .partiallySatisfied)
    }
}

/// Conflicts, overrides and staleness in the evidence merge.
@Suite struct EvidenceMergeTests {
    let asOf = Fixture.date("2026-11-28")

    @Test func attestationDecidesOverAnEqualConfidenceCatalogClaimAndTheConflictIsShown() throws {
        var b = ProductBuilder.allMet()
        b.facts.removeAll { $0.aspect == .pledge }
        b.add(.pledge, .yes, confidence: .medium, claim: "vendor says it signed")
        let att = b.attestation(.pledge, .no, confidence: .medium)
        let e = ISM1460Evaluator(asOf: asOf).evaluate(b.product, attestations: [att])
        let pledge = try #require(e.result(.sbdCommitment)?.facts.first { $0.aspect == .pledge })
        #expect(pledge.conflict)
        #expect(pledge.value == .no)
        #expect(pledge.others.count == 1 && pledge.others[0].fact.value == .yes)  // both shown
        #expect(pledge.resolution?.contains("never a silent override") == true)
        #expect(e.conflicts.count == 1)
        #expect(e.result(.sbdCommitment)?.outcome == .notMet)
        #expect(e.status == .notSatisfied)
        #expect(e.rationale.contains { $0.hasPrefix("Conflict on pledge") })
    }

    @Test func higherConfidenceCatalogFactBeatsALowConfidenceAttestation() throws {
        var b = ProductBuilder.allMet()
        b.facts.removeAll { $0.aspect == .pledge }
        b.add(.pledge, .yes, confidence: .medium)
        let att = b.attestation(.pledge, .no, confidence: .low)
        let e = ISM1460Evaluator(asOf: asOf).evaluate(b.product, attestations: [att])
        let pledge = try #require(e.result(.sbdCommitment)?.facts.first { $0.aspect == .pledge })
        #expect(pledge.conflict && pledge.value == .yes)
        #expect(pledge.resolution?.contains("higher confidence") == true)
        #expect(e.result(.sbdCommitment)?.outcome == .met)
    }

    @Test func attestationFillsAGapWithoutConflict() throws {
        var b = ProductBuilder.allMet()
        b.facts.removeAll { $0.aspect == .pledge }
        b.add(.pledge, .unknown, confidence: .medium, claim: "not found")
        let e0 = ISM1460Evaluator(asOf: asOf).evaluate(b.product)
        #expect(e0.result(.sbdCommitment)?.outcome == .unknown)
        let att = b.attestation(.pledge, .yes, confidence: .low)
        let e = ISM1460Evaluator(asOf: asOf).evaluate(b.product, attestations: [att])
        let pledge = try #require(e.result(.sbdCommitment)?.facts.first { $0.aspect == .pledge })
        #expect(!pledge.conflict && pledge.value == .yes)
        #expect(pledge.resolution?.contains("a known value beats") == true)
        // A low-confidence pledge alone lifts (1) to partiallyMet only: it needs a primary source.
        #expect(e.result(.sbdCommitment)?.outcome == .partiallyMet)
        #expect(e.confidence == .low)  // the deciding attestation is low confidence
    }

    @Test func measuredShareOverridesTheCatalogAndBothAreShown() throws {
        var b = ProductBuilder.allMet()
        let measured = CriterionFact.measuredMemorySafeShare(
            product: b.id, component: "vmm", percent: 60,
            evidence: Evidence(
                claim: "census: 60 % memory-safe", source: .measurement(command: "bulkhead census --product testvmm"), observedAt: asOf,
                confidence: .high))
        b.facts = b.facts.map { f in
            var f = f; if f.aspect == .memorySafeShare { f.evidence.confidence = .high }; return f
        }
        let e = ISM1460Evaluator(asOf: asOf).evaluate(b.product, measured: [measured])
        let share = try #require(e.result(.memorySafeLanguages)?.facts.first { $0.aspect == .memorySafeShare })
        #expect(share.value == .percent(60))
        #expect(share.conflict)
        #expect(share.others.first?.fact.value == .percent(99))
        #expect(share.resolution?.contains("measurement takes precedence over catalog") == true)
        #expect(e.result(.memorySafeLanguages)?.outcome == .partiallyMet)
        #expect(e.components.first { $0.component.id == "vmm" }?.basis.contains("measurement") == true)
        #expect(e.status == .partiallySatisfied)
    }

    @Test func staleFactsAreFlaggedAndLoseAConfidenceLevel() throws {
        var b = ProductBuilder.allMet()
        b.facts.removeAll { $0.aspect == .vdp }
        b.add(.vdp, .yes, confidence: .medium, observed: Fixture.date("2025-06-30"))
        // Not stale on 2026-06-01 (11 months), stale on 2026-07-01 (12 months and a day).
        let fresh = ISM1460Evaluator(asOf: Fixture.date("2026-06-01")).evaluate(b.product)
        #expect(fresh.staleFacts.isEmpty)
        let later = ISM1460Evaluator(asOf: Fixture.date("2026-07-01")).evaluate(b.product)
        let stale = try #require(later.staleFacts.first)
        #expect(later.staleFacts.count == 1)
        #expect(stale.fact.aspect == .vdp && stale.effectiveConfidence == .low)
        #expect(later.confidence == .low)
        #expect(later.rationale.contains { $0.contains("stale") && $0.contains("vdp (2025-06-30)") })
        // Every fact of the real catalog is stale two years on.
        let qemu = try #require(Fixture.catalog.product("qemu"))
        let old = ISM1460Evaluator(asOf: Fixture.date("2028-12-01")).evaluate(qemu)
        #expect(old.staleFacts.count == qemu.facts.count)
        #expect(old.confidence == .low)
    }

    @Test func staleAttestationLosesToAFreshCatalogFact() throws {
        var b = ProductBuilder.allMet()
        b.facts.removeAll { $0.aspect == .defaultConfinement }
        b.add(.defaultConfinement, .yes, confidence: .medium)
        let att = b.attestation(.defaultConfinement, .no, date: "2024-01-01", confidence: .medium)
        let e = ISM1460Evaluator(asOf: asOf).evaluate(b.product, attestations: [att])
        let f = try #require(e.result(.secureByDefault)?.facts.first { $0.aspect == .defaultConfinement })
        #expect(f.value == .yes && f.conflict)
        #expect(f.resolution?.contains("the other is stale") == true)
    }

    @Test func tieOnEverythingTakesTheLessFavourableValue() throws {
        var b = ProductBuilder.allMet()
        b.facts.removeAll { $0.aspect == .advisories }
        b.add(.advisories, .yes, claim: "a")
        b.add(.advisories, .no, claim: "b")
        let e = ISM1460Evaluator(asOf: asOf).evaluate(b.product)
        let f = try #require(e.result(.vulnerabilityHandling)?.facts.first { $0.aspect == .advisories })
        #expect(f.value == .no && f.conflict)
        #expect(f.resolution?.contains("less favourable") == true)
    }
}

/// Real-catalog verdicts with the reasons asserted.
@Suite struct RealCatalogVerdictTests {
    let evaluator = ISM1460Evaluator(asOf: Fixture.asOf, catalog: Fixture.catalog)

    func eval(_ id: ProductID) throws -> ISM1460Evaluation {
        evaluator.evaluate(try #require(Fixture.catalog.product(id)))
    }

    @Test func qemuFailsMemorySafeLanguagesAndIsJudgedOnPractices() throws {
        let e = try eval("qemu")
        #expect(e.result(.memorySafeLanguages)?.outcome == .notMet)
        let a = try #require(e.result(.memorySafeLanguages))
        #expect(a.reasons.contains { $0.contains("QEMU device model and VMM: memoryUnsafe") && $0.contains("0.5 %") })
        #expect(a.reasons.contains { $0.contains("KVM kernel module") && $0.contains("ISM-1743") })
        // CERT C + Coverity + ASan + OSS-Fuzz: four memory-safe practices on record meet 4b, no roadmap needed.
        let b = try #require(e.result(.memorySafePractices))
        #expect(b.outcome == .met)
        #expect(b.reasons.first == "4 different memory-safe practices are evidenced (codingStandard, fuzzing, sanitizers, staticAnalysis)")
        #expect(b.reasons.contains { $0.hasPrefix("against:") && $0.contains("sandboxedDeviceEmulation") })
        #expect(e.result(.secureByDefault)?.outcome == .partiallyMet)  // -sandbox off by default
        #expect(e.result(.secureByDefault)?.reasons.contains { $0.contains("default 'off'") } == true)
        #expect(e.result(.secureProgramming)?.outcome == .met)
        #expect(e.result(.vulnerabilityHandling)?.outcome == .met)
        #expect(e.memorySafety == .practices)
        // (1) and (2) are short, so the verdict stays partial on the catalog alone.
        #expect(e.status == .partiallySatisfied)
        #expect(e.weakestComponent == "QEMU device model and VMM")
        // KVM is judged once, as the kvm product, and allows QEMU up to the less preferred verdict.
        let kvm = try #require(e.dependencies.first { $0.product == "kvm" })
        #expect(kvm.memorySafety == .practices && kvm.cap == .satisfiedLessPreferred && !kvm.applied)
    }

    @Test func qemuReachesSatisfiedLessPreferredOnlyWhenItsPracticesAreEvidenced() throws {
        let qemu = try #require(Fixture.catalog.product("qemu"))
        let b = ProductBuilder(id: "qemu")
        // The organisation supplies what the catalog lacks: a primary-source commitment and confinement by default.
        let attested = [b.attestation(.pledge, .yes), b.attestation(.defaultConfinement, .yes)]
        let e = evaluator.evaluate(qemu, attestations: attested)
        #expect(e.result(.sbdCommitment)?.outcome == .met)
        // "Confined by default" contradicts qemu-options.hx "(default 'off')": a conflict for the assessor, not an override,
        // so two one-line attestations do not lift QEMU.
        let confinement = try #require(e.conflicts.first { $0.aspect == .defaultConfinement })
        #expect(confinement.value == .no && confinement.resolution?.contains("never a silent override") == true)
        #expect(e.result(.secureByDefault)?.outcome == .partiallyMet)
        #expect(e.memorySafety == .practices)
        #expect(e.status == .partiallySatisfied)
        // The same attestations without the practices on record: 4b is not met and the verdict stays partial.
        var bare = qemu
        bare.facts.removeAll { ISM1460Evaluator.memorySafePracticeAspects.contains($0.aspect) && $0.value == .yes }
        let without = evaluator.evaluate(bare, attestations: attested)
        #expect(without.result(.memorySafePractices)?.outcome == .notMet)  // only the "no" on sandboxed emulation remains
        #expect(without.memorySafety == .notMet)
        #expect(without.status == .notSatisfied)
    }

    @Test func xenReachesSatisfiedLessPreferredOnItsMISRAAndAnalysisPractices() throws {
        let xen = try #require(Fixture.catalog.product("xen"))
        let e = evaluator.evaluate(xen)
        #expect(e.result(.memorySafePractices)?.outcome == .met)
        #expect(e.result(.memorySafePractices)?.reasons.first?.contains("codingStandard, fuzzing, staticAnalysis") == true)
        #expect(e.memorySafety == .practices)
        #expect(e.status == .partiallySatisfied)  // (1) and (2) have no evidence in the catalog
        let b = ProductBuilder(id: "xen")
        let attested = evaluator.evaluate(xen, attestations: [b.attestation(.sdlPublished, .yes), b.attestation(.defaultConfinement, .yes)])
        #expect(attested.status == .satisfiedLessPreferred)
    }

    /// Issue 14's "if and only if": the same attestations that lift Xen to `satisfiedLessPreferred` do not lift it
    /// once its recorded practices (MISRA C, ECLAIR/Coverity, OSS-Fuzz) are taken out of the shipped entry.
    @Test func xenReachesSatisfiedLessPreferredOnlyWhenItsPracticesAreEvidenced() throws {
        let xen = try #require(Fixture.catalog.product("xen"))
        let b = ProductBuilder(id: "xen")
        let attestations = [b.attestation(.sdlPublished, .yes), b.attestation(.defaultConfinement, .yes)]
        #expect(evaluator.evaluate(xen, attestations: attestations).status == .satisfiedLessPreferred)
        var bare = xen
        let removed = bare.facts.filter { ISM1460Evaluator.memorySafePracticeAspects.contains($0.aspect) }
        #expect(Set(removed.map(\.aspect)) == [.codingStandard, .staticAnalysis, .fuzzing])  // what the catalog records
        bare.facts.removeAll { ISM1460Evaluator.memorySafePracticeAspects.contains($0.aspect) }
        let without = evaluator.evaluate(bare, attestations: attestations)
        #expect(without.result(.memorySafeLanguages)?.outcome == .notMet)  // 1.8 % memory-safe
        #expect(without.result(.memorySafePractices)?.outcome != .met)
        #expect(without.memorySafety != .practices && without.memorySafety != .languages)
        #expect(without.status != .satisfiedLessPreferred && without.status != .satisfied)
        // Nothing on record either way: 4b is unknown (unseen never passes) and, with 4a not met, the verdict is
        // partial at most.
        #expect(without.result(.memorySafePractices)?.outcome == .unknown)
        #expect(without.memorySafety == .partial)
        #expect(without.status == .partiallySatisfied)
        // One practice of the three is not enough either (two are needed at medium confidence or better).
        var one = xen
        one.facts.removeAll { $0.aspect == .staticAnalysis || $0.aspect == .fuzzing }
        let single = evaluator.evaluate(one, attestations: attestations)
        #expect(single.result(.memorySafePractices)?.outcome == .partiallyMet)
        #expect(single.status != .satisfiedLessPreferred && single.status != .satisfied)
        #expect(single.status == .partiallySatisfied)
        // XenServer inherits Xen's practices through component.product: with them gone from the catalog's xen entry,
        // its 4b is no longer met from Xen's record either.
        let xenserver = try #require(Fixture.catalog.product("xenserver"))
        #expect(evaluator.evaluate(xenserver).result(.memorySafePractices)?.outcome == .met)
        let stripped = Catalog(products: Fixture.catalog.products.map { $0.id == "xen" ? bare : $0 })
        let inherited = ISM1460Evaluator(asOf: Fixture.asOf, catalog: stripped).evaluate(xenserver)
        #expect(inherited.result(.memorySafePractices)?.outcome != .met)
        #expect(inherited.result(.memorySafePractices)?.reasons.contains { $0.hasPrefix("inherited from xen:") } != true)
        #expect(inherited.status != .satisfiedLessPreferred && inherited.status != .satisfied)
    }

    @Test func qemuWithAnAttestedRoadmapMeetsPractices() throws {
        let qemu = try #require(Fixture.catalog.product("qemu"))
        let file = try EvidenceFile.load(
            path: try Fixture.url("evidence-qemu-roadmap.json").path, catalog: Fixture.catalog, digest: EvidenceDocumentTests.digest)
        #expect(file.facts.count == 1)
        #expect(file.facts[0].evidence.confidence == .medium && file.problems.isEmpty)  // its document was checked
        let e = evaluator.evaluate(qemu, attestations: file.facts)
        let b = try #require(e.result(.memorySafePractices))
        #expect(b.outcome == .met)
        let roadmap = try #require(e.result(.sbdCommitment)?.facts.first { $0.aspect == .memorySafetyRoadmap })
        guard case .attestation(_, let by, _, let sha) = roadmap.decided.fact.origin else {
            Issue.record("roadmap not decided by the attestation")
            return
        }
        #expect(by.contains("A. Assessor") && sha.hasPrefix("9f86d081"))
        #expect(e.result(.sbdCommitment)?.outcome == .met)
        // The roadmap counts once, under (1); under 4b it is shown as a strength.
        #expect(b.reasons.contains { $0.hasPrefix("for information (a strength") })
        #expect(e.memorySafety == .practices)
        // Secure by default is still only partly met (-sandbox off), so the verdict stays partial.
        #expect(e.status == .partiallySatisfied)
    }

    @Test func firecrackerIsCappedByKVMAndItsPressOnlyPledge() throws {
        let e = try eval("firecracker")
        #expect(e.status == .partiallySatisfied)  // the pledge is known only from The Register
        #expect(e.result(.sbdCommitment)?.outcome == .partiallyMet)
        #expect(e.memorySafety == .languages)
        let kvm = try #require(e.dependencies.first)
        #expect(kvm.component == "KVM kernel module (Linux)" && kvm.product == "kvm" && kvm.cap == .satisfiedLessPreferred)
        #expect(e.rationale.contains { $0.hasPrefix("Depends on KVM kernel module (Linux) (allows up to satisfiedLessPreferred)") })
        // Kani harnesses in a handful of files are not verification of the VMM.
        #expect(e.result(.memorySafePractices)?.reasons.contains { $0.hasPrefix("not counted: formal verification") } == true)
        // With the pledge from a primary source, KVM still caps it below satisfied and the rationale says so.
        let withPledge = evaluator.evaluate(
            try #require(Fixture.catalog.product("firecracker")),
            attestations: [ProductBuilder(id: "firecracker").attestation(.pledge, .yes)])
        #expect(withPledge.status == .satisfiedLessPreferred)
        #expect(withPledge.rationale.first?.contains("capped at satisfiedLessPreferred by KVM kernel module (Linux)") == true)
        #expect(withPledge.rationale.contains { $0.hasPrefix("Capped at satisfiedLessPreferred by KVM kernel module (Linux)") })
        #expect(e.result(.memorySafeLanguages)?.reasons.contains { $0.contains("Firecracker VMM") && $0.contains("98.9 %") } == true)
        #expect(e.result(.sbdCommitment)?.reasons.contains { $0.contains("AWS signed") } == true)
        #expect(e.result(.secureByDefault)?.reasons.contains { $0.contains("Seccomp filters are used by default") } == true)
        #expect(e.weakestComponent == "KVM kernel module (Linux)")
        #expect(e.confidence == .low)  // the pledge fact is secondary (The Register)
    }

    @Test func gvisorIsNotSatisfiedWhileTheHostKernelCapsIt() throws {
        let e = try eval("gvisor")
        #expect(e.status == .partiallySatisfied)
        let kernel = try #require(e.dependencies.first)
        #expect(kernel.product == "linux-kernel" && kernel.cap == .satisfiedLessPreferred)
        let withPledge = evaluator.evaluate(
            try #require(Fixture.catalog.product("gvisor")), attestations: [ProductBuilder(id: "gvisor").attestation(.pledge, .yes)])
        #expect(withPledge.status == .satisfiedLessPreferred)
        #expect(withPledge.rationale.contains { $0.hasPrefix("Capped at satisfiedLessPreferred by Host kernel surface") })
        #expect(e.result(.memorySafeLanguages)?.reasons.contains { $0.contains("97.5 %") } == true)
        #expect(e.result(.secureProgramming)?.reasons.contains { $0.contains("No CGo is allowed") } == true)
        #expect(e.weakestComponent?.hasPrefix("Host kernel surface") == true)
    }

    @Test func crunFailsLanguagesAndHasOnlyPartialPractices() throws {
        let e = try eval("crun")
        #expect(e.result(.memorySafeLanguages)?.outcome == .notMet)
        #expect(e.result(.memorySafeLanguages)?.reasons.contains { $0.contains("0.9 %") } == true)
        #expect(e.result(.memorySafePractices)?.outcome == .partiallyMet)
        #expect(e.result(.sbdCommitment)?.outcome == .unknown)
        #expect(e.result(.vulnerabilityHandling)?.outcome == .met)
        #expect(e.status == .partiallySatisfied)
        #expect(e.weakestComponent == "crun / libcrun")
    }

    @Test func bubblewrapLeavesPolicyToItsCaller() throws {
        let e = try eval("bubblewrap")
        #expect(e.result(.secureByDefault)?.outcome == .partiallyMet)
        #expect(e.result(.secureByDefault)?.reasons.contains { $0.contains("entirely determined by the arguments") } == true)
        #expect(e.result(.memorySafeLanguages)?.outcome == .notMet)
        #expect(e.result(.memorySafeLanguages)?.reasons.contains { $0.contains("bwrap: memoryUnsafe") } == true)
        #expect(e.result(.memorySafePractices)?.outcome == .unknown)
        #expect(e.status == .partiallySatisfied)
        #expect(e.weakestComponent == "bwrap")
    }

    @Test func libkrunIsNotSatisfiedBecauseItIsNotAnIsolationBoundaryOnItsOwn() throws {
        let e = try eval("libkrun")
        #expect(e.result(.secureByDefault)?.outcome == .notMet)
        #expect(e.status == .notSatisfied)
    }

    @Test func sel4ProofCoversTheKernelNotLibvmm() throws {
        let e = try eval("sel4")
        #expect(e.result(.memorySafeLanguages)?.outcome == .notMet)
        #expect(e.result(.memorySafePractices)?.outcome == .partiallyMet)
        #expect(e.memorySafety == .partial)
    }

    @Test func kataIsJudgedByItsWeakestPartQEMU() throws {
        let e = try eval("kata-containers")
        #expect(e.result(.memorySafeLanguages)?.outcome == .partiallyMet)
        #expect(e.weakestComponent == "Hypervisor VMM (QEMU by default)")
        // QEMU's practices are inherited through component.product: the same code is judged once.
        #expect(e.result(.memorySafePractices)?.reasons.contains { $0.hasPrefix("inherited from qemu:") } == true)
        #expect(e.dependencies.contains { $0.product == "qemu" && $0.cap == .satisfiedLessPreferred })
    }

    @Test func crosvmAndCloudHypervisorAreNotSatisfiedWhileKVMCapsThem() throws {
        for id: ProductID in ["crosvm", "cloud-hypervisor"] {
            let e = try eval(id)
            #expect(e.status != .satisfied, "\(id)")
            #expect(e.dependencies.contains { $0.product == "kvm" && $0.cap == .satisfiedLessPreferred }, "\(id)")
        }
    }

    @Test func compareTableListsEveryCandidate() throws {
        let ids: [ProductID] = ["qemu", "firecracker", "cloud-hypervisor", "vmware-esxi"]
        let text = CatalogText.compare(try ids.map(eval))
        for id in ids { #expect(text.contains(id.rawValue)) }
        #expect(text.contains("Satisfied"))
        #expect(text.contains("98.9 %"))
        let show = CatalogText.show(try #require(Fixture.catalog.product("firecracker")), evaluation: try eval("firecracker"))
        #expect(show.contains("observed 2026-11-27"))
        #expect(show.contains("https://github.com/firecracker-microvm/firecracker/blob/81b38b9dad6056d7a48073e95ac5a9aed51cb2ab/docs/seccomp.md"))
        let stale = CatalogText.show(
            try #require(Fixture.catalog.product("firecracker")),
            evaluation: ISM1460Evaluator(asOf: Fixture.date("2028-01-01"), catalog: Fixture.catalog).evaluate(
                try #require(Fixture.catalog.product("firecracker"))))
        #expect(stale.contains("STALE, was medium"))
    }
}
