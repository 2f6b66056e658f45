import Advisories
import Assessment
import BulkheadModel
import Foundation
import HostInspection

// The tests below were written against stages that read a root; these shims give them the same calls
// over one collection (`Support.evidence`), so each still exercises what the stage declared it reads.

extension BackportReader {
    init(root: any HostRoot, packages: [InstalledPackage], aliases: [ProductAliases], mechanisms: [IsolationMechanism]) {
        self.init(evidence: Support.evidence(root, packages: packages), aliases: aliases, mechanisms: mechanisms)
    }
}

extension AdvisoryFindings {
    static func findings(
        mechanisms: [IsolationMechanism], packages: [InstalledPackage], aliases: [ProductAliases], databasePath: String,
        root: any HostRoot, now: Date
    ) -> [Finding] {
        findings(
            mechanisms: mechanisms, evidence: Support.evidence(root, packages: packages, now: now), aliases: aliases,
            databasePath: databasePath, now: now)
    }
}
