import BulkheadModel
import Foundation
import Reporting
import Store
import Testing

@Suite struct HistoryTests {
    @Test func recordRoundTripsEveryPart() throws {
        let dir = try TempDir()
        let store = try Store.open(at: dir.path("s.sqlite"))
        let rec = sampleRecord(finished: at(2026, 11, 1, 3, 4), stale: ["qemu: security page checked 2025-01-02"])
        let id = try store.record(rec)
        let back = try store.assessment(run: id)
        #expect(back == rec)
        let summary = try #require(try store.runs().first)
        #expect(summary.outcomeCounts == ["fail": 1, "pass": 1, "inconclusive": 1])
        #expect(summary.mechanismCount == 2 && summary.advisoryCount == 1 && summary.staleFactCount == 1 && summary.problemCount == 1)
        #expect(throws: StoreError.self) { try store.assessment(run: 999) }
    }

    @Test func historyIsNewestFirstPerHost() throws {
        let dir = try TempDir()
        let store = try Store.open(at: dir.path("s.sqlite"))
        #expect(try store.runs().isEmpty)
        #expect(try store.hosts().isEmpty)
        try store.record(sampleRecord(host: "b", finished: at(2026, 3, 1)))
        try store.record(sampleRecord(host: "a", finished: at(2026, 1, 1)))
        try store.record(sampleRecord(host: "a", finished: at(2026, 2, 1)))
        #expect(try store.runs().map(\.id) == [1, 3, 2])
        #expect(try store.runs(host: "a").map(\.id) == [3, 2])
        #expect(try store.runs(limit: 1).map(\.id) == [1])
        #expect(try store.hosts() == ["a", "b"])
    }

    @Test func aFailedWriteLeavesNothingBehind() throws {
        let dir = try TempDir()
        let store = try Store.open(at: dir.path("s.sqlite"))
        try store.record(sampleRecord(finished: at(2026, 1, 1)))
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try store.record(sampleRecord(finished: at(2026, 2, 1))) { row in if row == 5 { throw Stop() } }
        }
        #expect(try store.runs().count == 1)
        #expect(try store.record(sampleRecord(finished: at(2026, 3, 1))) == 2)
        #expect(try store.runs().count == 2)
    }
}

@Suite struct WaiverTests {
    @Test func waivedFailureIsNeverPassAndRevertsOnExpiry() throws {
        let dir = try TempDir()
        let store = try Store.open(at: dir.path("s.sqlite"))
        let run = try store.record(sampleRecord(finished: at(2026, 11, 1)))
        let until = try DateInput.endExclusive("2026-12-31", timeZone: sydney)
        try store.addWaiver(
            checkID: "qemu.sandbox", host: "hv01", from: at(2026, 11, 2), until: until, reason: "seccomp breaks virtiofsd",
            approver: "Sam CISO", recordedAt: at(2026, 11, 2))
        // Before the waiver starts: fail.
        #expect(try store.effectiveCounts(run: run, at: at(2026, 11, 1, 12)) == ["fail": 1, "pass": 1, "inconclusive": 1])
        // In force: waived, and the pass count does not move.
        let during = try store.effectiveCounts(run: run, at: at(2026, 12, 31, 12, 59, in: sydney))
        #expect(during == ["waived": 1, "pass": 1, "inconclusive": 1])
        // The last instant of 31 Dec in Sydney is still covered; midnight is not.
        #expect(try store.effectiveCounts(run: run, at: until.addingTimeInterval(-1))["waived"] == 1)
        #expect(try store.effectiveCounts(run: run, at: until) == ["fail": 1, "pass": 1, "inconclusive": 1])
    }

    @Test func waiversOnlyTouchFailuresOfTheirHostCheckAndSubject() throws {
        let f = Finding(checkID: "qemu.sandbox", subject: "qemu/web01", outcome: .fail, severity: .high, controls: [.ism1604])
        let w = Waiver(
            id: 7, checkID: "qemu.sandbox", host: "hv01", subject: "qemu/web01", validFrom: at(2026, 1, 1), validUntil: at(2027, 1, 1),
            reason: "r", approver: "a", recordedAt: at(2026, 1, 1))
        let now = at(2026, 6, 1)
        #expect(EffectiveOutcome.of(f, host: "hv01", at: now, waivers: [w]) == .waived(waiverID: 7, until: at(2027, 1, 1)))
        #expect(EffectiveOutcome.of(f, host: "hv02", at: now, waivers: [w]) == .fail)
        var other = f
        other.subject = "qemu/db01"
        #expect(EffectiveOutcome.of(other, host: "hv01", at: now, waivers: [w]) == .fail)
        var passing = f
        passing.outcome = .pass
        #expect(EffectiveOutcome.of(passing, host: "hv01", at: now, waivers: [w]) == .pass)
        var inconclusive = f
        inconclusive.outcome = .inconclusive(reason: "unreadable")
        #expect(EffectiveOutcome.of(inconclusive, host: "hv01", at: now, waivers: [w]).label == "inconclusive")
        #expect(EffectiveOutcome.waived(waiverID: 1, until: now).isOpen == false)
        #expect(EffectiveOutcome.waived(waiverID: 1, until: now).label != "pass")
    }

    @Test func badWaiversAreRefused() throws {
        let dir = try TempDir()
        let store = try Store.open(at: dir.path("s.sqlite"))
        let now = at(2026, 6, 1)
        #expect(throws: StoreError.self) {
            try store.addWaiver(checkID: "x", host: "h", from: now, until: at(2026, 5, 1), reason: "r", approver: "a")
        }
        #expect(throws: StoreError.self) {
            try store.addWaiver(checkID: "x", host: "h", from: now, until: at(2027, 1, 1), reason: " ", approver: "a")
        }
        #expect(throws: StoreError.self) { try store.addWaiver(checkID: "x", host: "h", from: now, until: at(2027, 1, 1), reason: "r", approver: "") }
        #expect(throws: StoreError.self) { try store.addWaiver(checkID: "", host: "h", from: now, until: at(2027, 1, 1), reason: "r", approver: "a") }
        #expect(try store.waivers().isEmpty)
    }
}

@Suite struct WaiverTargetTests {
    @Test func aWaiverThatWouldCoverNothingIsRefusedWithWhatExists() throws {
        let dir = try TempDir()
        let store = try Store.open(at: dir.path("s.sqlite"))
        func refusal(_ check: String, host: String = "hv01", subject: String? = nil) -> String? {
            do {
                try store.checkWaiverTarget(checkID: check, host: host, subject: subject, knownCheckIDs: ["qemu.sandbox", "host.iommu", "host.smt"])
                return nil
            } catch let error as StoreError {
                #expect(error.code == .invalidArgument)
                return error.message
            } catch {
                return "\(error)"
            }
        }
        #expect(refusal("qemu.sandbox")?.contains("none yet") == true)
        try store.record(sampleRecord(finished: at(2026, 9, 1)))
        #expect(refusal("qemu.sandbox") == nil)
        #expect(refusal("qemu.sandbox", subject: "qemu/web01") == nil)
        #expect(refusal("host.iommu", subject: "host") == nil)
        // Catalog checks that have not reported yet may be waived for the whole host, never for a made-up subject.
        #expect(refusal("host.smt") == nil)
        #expect(refusal("host.smt", subject: "host")?.contains("no recorded finding") == true)
        #expect(refusal("qemu.sandbx")?.contains("Did you mean qemu.sandbox") == true)
        #expect(refusal("qemu.sandbox", subject: "qemu/web1")?.contains("its subjects there: qemu/web01") == true)
        #expect(refusal("qemu.sandbox", host: "hv1")?.contains("recorded hosts: hv01") == true)
        // Ids the host's findings carry count as known (lab scenarios, advisories).
        #expect(refusal("qemu.run-as-root") == nil)
    }
}

@Suite struct DriftTests {
    @Test func driftBetweenTheLastTwoRunsNamesEveryKindOfChange() throws {
        let dir = try TempDir()
        let store = try Store.open(at: dir.path("s.sqlite"))
        try store.record(sampleRecord(host: "other", finished: at(2026, 9, 1)))
        try store.record(sampleRecord(finished: at(2026, 9, 2), stale: ["kvm: vendor page checked 2025-08-01"]))
        try store.record(
            sampleRecord(
                finished: at(2026, 10, 2), qemuVersion: "1:8.2.2+ds-0ubuntu1.4", sandboxOutcome: .pass, extraMechanism: true,
                advisories: ["CVE-2025-0001"], stale: ["qemu: security page checked 2025-09-01"], verdict1604: .satisfied))
        let d = try store.drift(host: "hv01", at: at(2026, 10, 3))
        #expect(d.from.id == 2 && d.to.id == 3)
        #expect(d.mechanismsAdded.map(\.product) == ["runsc"])
        #expect(d.mechanismsRemoved.isEmpty)
        #expect(d.versionChanges.map(\.key) == ["qemu"])
        #expect(d.versionChanges.first?.to == "1:8.2.2+ds-0ubuntu1.4")
        #expect(d.advisoriesNew.map(\.id) == ["CVE-2025-0001"])
        #expect(d.advisoriesFixed.map(\.id) == ["CVE-2024-3446"])
        #expect(d.checkChanges.count == 1)
        #expect(d.checkChanges.first?.checkID == "qemu.sandbox")
        #expect(d.checkChanges.first?.from == .fail && d.checkChanges.first?.to == .pass)
        #expect(d.verdictChanges.map(\.key) == ["ISM-1604 qemu"])
        #expect(d.staleFactsNew == ["qemu: security page checked 2025-09-01"])
        #expect(d.staleFactsResolved == ["kvm: vendor page checked 2025-08-01"])
        let lines = IntervalReportRenderer.driftLines(d, timeZone: utc)
        #expect(lines.contains("Check qemu.sandbox on qemu/web01 [high]: fail → pass"))
        // Default host: the latest run's; explicit ids; a single run is an error.
        #expect(try store.drift(at: at(2026, 10, 3)).to.id == 3)
        #expect(try store.drift(from: 3, to: 2, at: at(2026, 10, 3)).mechanismsRemoved.map(\.product) == ["runsc"])
        #expect(throws: StoreError.self) { try store.drift(host: "other") }
        #expect(throws: StoreError.self) { try store.drift(host: "nobody") }
    }

    @Test func waiverAppliesToDriftAndExpiryBringsTheFailureBack() throws {
        let dir = try TempDir()
        let store = try Store.open(at: dir.path("s.sqlite"))
        try store.record(sampleRecord(finished: at(2026, 9, 1), sandboxOutcome: .pass))
        try store.record(sampleRecord(finished: at(2026, 10, 1), sandboxOutcome: .fail))
        try store.addWaiver(checkID: "qemu.sandbox", host: "hv01", from: at(2026, 10, 2), until: at(2026, 12, 1), reason: "r", approver: "a")
        let during = try store.drift(at: at(2026, 11, 1))
        #expect(during.checkChanges.first?.to?.label == "waived")
        #expect(during.checkChanges.first?.from == .pass)
        let after = try store.drift(at: at(2026, 12, 1))
        #expect(after.checkChanges.first?.to == .fail)
    }

    @Test func guestsThatAppearOrVanishAreNamedBeforeTheirChecks() throws {
        let dir = try TempDir()
        let store = try Store.open(at: dir.path("s.sqlite"))
        try store.record(sampleRecord(finished: at(2026, 9, 1), guestName: "web01"))
        try store.record(sampleRecord(finished: at(2026, 10, 1), guestName: "db02"))
        let d = try store.drift(at: at(2026, 10, 2))
        #expect(d.guestsAppeared.map(\.subject) == ["qemu/db02"])
        #expect(d.guestsVanished.map(\.subject) == ["qemu/web01"])
        let lines = IntervalReportRenderer.driftLines(d, timeZone: utc)
        let appeared = try #require(lines.firstIndex(of: "Guest appeared: qemu/db02"))
        let check = try #require(lines.firstIndex(of: "Check qemu.sandbox on qemu/db02 [high]: not run → fail (guest appeared)"))
        #expect(appeared < check)
        #expect(lines.contains("Guest vanished: qemu/web01"))
        #expect(lines.contains("Check qemu.sandbox on qemu/web01 [high]: fail → not run (guest vanished)"))
    }

    @Test func identicalRunsHaveNoDrift() throws {
        let dir = try TempDir()
        let store = try Store.open(at: dir.path("s.sqlite"))
        try store.record(sampleRecord(finished: at(2026, 9, 1)))
        try store.record(sampleRecord(finished: at(2026, 10, 1)))
        #expect(try store.drift().isEmpty)
    }
}
