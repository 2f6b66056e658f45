import BulkheadModel
import Foundation

// host.swap: its words are in host.swap.json and its good and bad configurations in fixtures/, beside this file.
extension HostChecks {
    /// The swap areas of a /proc/swaps text (`Filename Type Size Used Priority`, one area a line, the kernel's
    /// octal escapes left as written), or nil when the header is not the kernel's.
    static func swapAreas(_ text: String) -> [(name: String, type: String)]? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard let header = lines.first, header.split(whereSeparator: \.isWhitespace).first == "Filename" else { return nil }
        lines.removeFirst()
        var areas: [(name: String, type: String)] = []
        for line in lines {
            let fields = line.split(whereSeparator: \.isWhitespace)
            guard fields.count >= 2 else { return nil }
            areas.append((String(fields[0]), String(fields[1])))
        }
        return areas
    }

    static let swap = Check.host("host.swap") { ctx in
        let path = "/proc/swaps"
        let firecracker = ctx.input.mechanisms.filter { $0.product == "firecracker" }
        guard !firecracker.isEmpty else {
            return .notApplicable("no Firecracker was found on this host (the recommendation is Firecracker's production host setup)")
        }
        guard let obs = ctx.input.observations, let state = obs.state(path) else {
            return ctx.unobserved("the active swap areas", at: path)
        }
        switch state {
        case .absent:
            // Without CONFIG_SWAP the kernel has no /proc/swaps; an offline root has no /proc at all.
            guard !ctx.facts.kernel.commandLine.isEmpty else {
                return .inconclusive("\(path) and /proc/cmdline were not seen: /proc was not read (an offline root?), so swap is unknown")
            }
            return .pass(
                "\(path) absent while /proc was read: a kernel built without swap", [ctx.file(path, "absent"), ctx.file("/proc/cmdline", "present")])
        case .present: return .inconclusive("\(path) exists but was not read")
        case .unreadable(let why): return .inconclusive("\(path) could not be read: \(why)")
        case .content(let text):
            guard let areas = swapAreas(text) else {
                return .inconclusive("\(path) is not the kernel's table (no `Filename Type Size Used Priority` header, or a short line)")
            }
            let listed = areas.map { "\($0.name) (\($0.type))" }
            let evidence = [ctx.file(path, areas.isEmpty ? "no swap areas" : listed.joined(separator: ", "))]
            if areas.isEmpty { return .pass("no swap area is active (\(path) lists only its header)", evidence) }
            let observed = "swap active on a Firecracker host: " + listed.joined(separator: ", ")
            if ctx.bool("allowed") { return .pass(observed + " (allowed by tailoring)", evidence + ctx.tailoring("allowed")) }
            return .fail(observed, evidence)
        }
    }
}
