import BulkheadModel
import Foundation

// runtime.user-namespace: its words are in runtime.user-namespace.json and its good and bad configurations in fixtures/, beside this file.
extension SandboxChecks {
    /// `--userns-remap VALUE` or `--userns-remap=VALUE` on a dockerd command line (the last one wins).
    static func dockerUsernsRemapArgument(_ argv: [String]) -> String? {
        var found: String?
        var i = 1
        while i < argv.count {
            let a = argv[i]
            if a == "--userns-remap" {
                found = i + 1 < argv.count ? argv[i + 1] : ""
                i += 2
                continue
            }
            if a.hasPrefix("--userns-remap=") { found = String(a.dropFirst("--userns-remap=".count)) }
            i += 1
        }
        return found
    }

    /// `userns-remap` of /etc/docker/daemon.json: `.value` (nil when the key is absent), or the reason the file
    /// could not be judged; nil when the file is absent or was not collected.
    static func dockerUsernsRemapFile(_ obs: HostObservations) -> Result<String?, Problem>? {
        let path = "/etc/docker/daemon.json"
        switch obs.state(path) {
        case .content(let text)?:
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                return .failure(Problem(subject: path, message: "is not a JSON object (dockerd refuses to start with it)"))
            }
            if let offset = trailingComma(text) {
                return .failure(Problem(subject: path, message: "has a trailing comma at byte \(offset), which dockerd's JSON decoder refuses"))
            }
            if let duplicate = JSONDuplicateKeys.first(in: Array(text.utf8)) {
                return .failure(Problem(subject: path, message: "sets `\(duplicate.path)` twice"))
            }
            guard let value = object["userns-remap"] else { return .success(nil) }
            guard let string = value as? String else {
                return .failure(Problem(subject: path, message: "`userns-remap` is not a string (dockerd refuses to start with it)"))
            }
            return .success(string)
        case .unreadable(let why)?: return .failure(Problem(subject: path, message: why))
        case .present?: return .failure(Problem(subject: path, message: "exists but was not read"))
        case .absent?, nil: return nil
        }
    }

    static let runtimeUserNamespace = Check.host("runtime.user-namespace") { ctx in
        let path = "/etc/docker/daemon.json"
        let dockerds = ctx.facts.processes.filter { $0.programName == "dockerd" }
        guard let obs = ctx.input.observations, obs.state(path) != nil else {
            if dockerds.isEmpty { return .notApplicable("no dockerd is running (and /etc/docker/daemon.json was not collected)") }
            return ctx.unobserved("Docker's daemon configuration", at: path)
        }
        let file = dockerUsernsRemapFile(obs)
        guard !dockerds.isEmpty || file != nil else {
            return .notApplicable("no dockerd is running and /etc/docker/daemon.json is absent")
        }
        var evidence: [Evidence] = []
        var fileRemap: String?
        switch file {
        case .failure(let problem)?:
            return .inconclusive("\(path) could not be judged: \(problem.message)", [ctx.file(path, problem.message)])
        case .success(let value)?:
            fileRemap = value.flatMap { $0.isEmpty ? nil : $0 }
            evidence.append(ctx.file(path, value.map { "userns-remap: \"\($0)\"" } ?? "no userns-remap"))
        case nil: evidence.append(ctx.file(path, "absent"))
        }
        // A configured daemon that is not running is judged by its file alone.
        if dockerds.isEmpty {
            if let fileRemap { return .pass("userns-remap \"\(fileRemap)\" in \(path) (dockerd not running)", evidence) }
            return .fail("\(path) sets no userns-remap: container root is host root (dockerd not running; judged by its file)", evidence)
        }
        var wrong: [String] = []
        var unclear: [String] = []
        var good: [String] = []
        for d in dockerds {
            let argument = dockerUsernsRemapArgument(d.arguments)
            if let argument { evidence.append(ctx.process(d.pid, "cmdline", "--userns-remap=\(argument)")) }
            if let remap = argument.flatMap({ $0.isEmpty ? nil : $0 }) ?? fileRemap {
                good.append("dockerd (pid \(d.pid)) remaps container users to \"\(remap)\"")
                continue
            }
            guard let uid = d.confinement.uid else {
                unclear.append("dockerd (pid \(d.pid)) sets no userns-remap, and its user (rootless or not) was not observed")
                continue
            }
            evidence.append(ctx.process(d.pid, "status:Uid", "Uid: \(uid)"))
            if uid != 0 {
                good.append("dockerd (pid \(d.pid)) runs rootless as uid \(uid)")
            } else {
                wrong.append("dockerd (pid \(d.pid)) runs as root with no userns-remap: a container's root is root on the host")
            }
        }
        if !wrong.isEmpty { return .fail(wrong.joined(separator: "; "), evidence) }
        if !unclear.isEmpty { return .inconclusive(unclear.joined(separator: "; "), evidence) }
        return .pass(good.joined(separator: "; "), evidence)
    }
}
