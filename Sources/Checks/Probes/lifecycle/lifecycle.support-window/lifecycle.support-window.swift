import BulkheadModel
import Foundation

// lifecycle.support-window: its words are in lifecycle.support-window.json and its good and bad configurations in fixtures/, beside this file.
extension LifecycleChecks {
    static let mechanismSupport = Check.mechanism("lifecycle.support-window") { ctx, mechanism in
        guard ctx.definition.products.contains(mechanism.product.rawValue) else { return nil }
        guard let version = mechanism.version, !version.isEmpty else {
            return .inconclusive("the installed version of \(mechanism.name) is unknown", mechanism.evidence)
        }
        let versionEvidence = mechanism.evidence.filter {
            if case .package = $0.source { return true }
            return $0.claim.localizedCaseInsensitiveContains("version")
        }
        return judge(ctx, product: mechanism.product, version: version, versionEvidence: Array(versionEvidence.prefix(2)))
    }
}
