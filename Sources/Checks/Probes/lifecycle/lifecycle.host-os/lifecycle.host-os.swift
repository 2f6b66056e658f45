import BulkheadModel
import Foundation

// lifecycle.host-os: its words are in lifecycle.host-os.json and its good and bad configurations in fixtures/, beside this file.
extension LifecycleChecks {
    static let hostOSSupport = Check.host("lifecycle.host-os") { ctx in
        let path = "/etc/os-release"
        guard let obs = ctx.input.observations, let state = obs.state(path) else { return ctx.unobserved("the host OS release", at: path) }
        guard case .content(let text) = state else {
            if case .unreadable(let why) = state { return .inconclusive("\(path) could not be read: \(why)") }
            return .inconclusive("\(path) is absent (host OS release unknown)")
        }
        let release = OSRelease(text)
        guard let id = release.fields["ID"], let version = release.versionID else {
            return .inconclusive("\(path) has no ID/VERSION_ID (rolling or unknown distribution)", [ctx.file(path, text.prefix(200).description)])
        }
        return judge(ctx, product: ProductID(id), version: version, versionEvidence: [ctx.file(path, "ID=\(id) VERSION_ID=\(version)")])
    }
}
