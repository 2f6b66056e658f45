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
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard let eq = line.firstIndex(of: "=") else { continue }
            var value = String(line[line.index(after: eq)...])
            if value.count >= 2, value.first == "\"" || value.first == "'", value.last == value.first {
                value = String(value.dropFirst().dropLast())
            }
            fields[String(line[..<eq])] = value
        }
        guard let id = fields["ID"], let version = fields["VERSION_ID"] else {
            return .inconclusive("\(path) has no ID/VERSION_ID (rolling or unknown distribution)", [ctx.file(path, text.prefix(200).description)])
        }
        return judge(ctx, product: ProductID(id), version: version, versionEvidence: [ctx.file(path, "ID=\(id) VERSION_ID=\(version)")])
    }
}
