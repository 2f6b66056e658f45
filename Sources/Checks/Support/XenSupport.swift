import BulkheadModel
import Foundation

// Xen's boot command line as GRUB's defaults give it, shared by the xen.* checks that read hypervisor options
// (xen.spec-ctrl, xen.xsm, xen.dom0-mem).
extension SandboxChecks {
    /// The GRUB variables whose words update-grub passes to Xen (GRUB's 20_linux_xen).
    static let grubXenVariables = ["GRUB_CMDLINE_XEN", "GRUB_CMDLINE_XEN_DEFAULT"]

    /// The value of `NAME=VALUE` (optionally `export NAME=…`) on one shell line of a GRUB defaults file, when
    /// NAME is one of `names`: double or single quotes removed, an unquoted value ending at whitespace or `#`.
    static func grubAssignment(_ line: Substring, names: [String]) -> (name: String, value: String)? {
        var text = line.drop { $0 == " " || $0 == "\t" }
        if text.hasPrefix("export ") { text = text.dropFirst(7).drop { $0 == " " } }
        guard let eq = text.firstIndex(of: "="), let name = names.first(where: { $0 == text[..<eq] }) else { return nil }
        let rest = text[text.index(after: eq)...]
        guard let quote = rest.first, quote == "\"" || quote == "'" else {
            return (name, String(rest.prefix { $0 != " " && $0 != "\t" && $0 != "#" }))
        }
        var value = ""
        var escaped = false
        for c in rest.dropFirst() {
            if escaped {
                value.append(c)
                escaped = false
            } else if c == "\\" && quote == "\"" {
                escaped = true
            } else if c == quote {
                return (name, value)
            } else {
                value.append(c)
            }
        }
        return nil  // an unterminated quote: not one line's assignment
    }

    /// Xen's command line as GRUB's defaults give it: each file in order (later assignments win, `$NAME` and
    /// `${NAME}` expanded from earlier ones), the words of GRUB_CMDLINE_XEN then GRUB_CMDLINE_XEN_DEFAULT,
    /// with the file and variable that gave each.
    static func grubXenWords(_ files: [(path: String, text: String)]) -> [(word: String, source: String)] {
        var values: [String: (value: String, source: String)] = [:]
        for (path, text) in files {
            for line in text.split(separator: "\n") {
                guard let (name, raw) = grubAssignment(line, names: grubXenVariables) else { continue }
                var value = raw
                for other in grubXenVariables {
                    let current = values[other]?.value ?? ""
                    value = value.replacingOccurrences(of: "${\(other)}", with: current)
                    // The longer name first, so $GRUB_CMDLINE_XEN does not eat $GRUB_CMDLINE_XEN_DEFAULT.
                    if other == "GRUB_CMDLINE_XEN" {
                        value = value.replacingOccurrences(of: "$GRUB_CMDLINE_XEN_DEFAULT", with: "\u{1}")
                        value = value.replacingOccurrences(of: "$GRUB_CMDLINE_XEN", with: current)
                        value = value.replacingOccurrences(of: "\u{1}", with: "$GRUB_CMDLINE_XEN_DEFAULT")
                    } else {
                        value = value.replacingOccurrences(of: "$\(other)", with: current)
                    }
                }
                values[name] = (value, "\(path) \(name)")
            }
        }
        return grubXenVariables.flatMap { name in
            (values[name].map { v in v.value.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { (String($0), v.source) } }) ?? []
        }
    }

    /// Xen's command line as read from GRUB's defaults: the files, their words, and one evidence item per file.
    struct XenGrubCommandLine {
        var files: [(path: String, text: String)]
        var words: [(word: String, source: String)]
        var evidence: [Evidence]

        /// The words `NAME=…` (or a bare `NAME`), in order, with where each came from.
        func options(_ name: String) -> [(word: String, value: Substring?, source: String)] {
            words.compactMap { w in
                if w.word == name { return (w.word, nil, w.source) }
                guard w.word.hasPrefix(name + "=") else { return nil }
                return (w.word, w.word.dropFirst(name.count + 1), w.source)
            }
        }
    }

    /// Either Xen's GRUB command line, or the result a check gives when it cannot be judged: not applicable
    /// without Xen, inconclusive when GRUB's defaults were not collected, not read, or do not exist.
    enum XenGrubRead {
        case read(XenGrubCommandLine)
        case result(CheckResult)
    }

    /// A host check judged on Xen's GRUB command line: `judge` runs when `xenGrubCommandLine` read it, else the
    /// check gives the result that says why it could not (not applicable without Xen, inconclusive unread).
    static func xenCommandLineCheck(
        _ id: String, _ judge: @escaping @Sendable (CheckContext, XenGrubCommandLine) -> CheckResult
    ) -> Check {
        Check.host(id) { ctx in
            switch xenGrubCommandLine(ctx) {
            case .read(let line): judge(ctx, line)
            case .result(let result): result
            }
        }
    }

    /// Reads Xen's command line from /etc/default/grub then /etc/default/grub.d/*.cfg (in name order).
    static func xenGrubCommandLine(_ ctx: CheckContext) -> XenGrubRead {
        let grub = "/etc/default/grub"
        let grubD = "/etc/default/grub.d"
        guard ctx.input.mechanisms.contains(where: { $0.product == "xen" }) else {
            return .result(.notApplicable("Xen was not found on this host"))
        }
        guard let obs = ctx.input.observations, let main = obs.state(grub) else {
            return .result(ctx.unobserved("GRUB's Xen command line", at: grub))
        }
        var files: [(path: String, text: String)] = []
        switch main {
        case .content(let text): files.append((grub, text))
        case .absent: break
        case .present: return .result(.inconclusive("\(grub) exists but was not read"))
        case .unreadable(let why): return .result(.inconclusive("\(grub) could not be read: \(why)"))
        }
        switch obs.listed[grubD] {
        case .unreadable(let why)?: return .result(.inconclusive("\(grubD) could not be listed: \(why)"))
        case nil: return .result(ctx.unobserved("GRUB's drop-in defaults", at: grubD))
        default: break
        }
        let prefix = grubD + "/"
        for path in obs.files.keys.filter({ $0.hasPrefix(prefix) && $0.hasSuffix(".cfg") }).sorted() {
            switch obs.files[path] {
            case .content(let text)?: files.append((path, text))
            case .unreadable(let why)?: return .result(.inconclusive("\(path) could not be read: \(why)"))
            default: return .result(.inconclusive("\(path) was listed but not read"))
            }
        }
        guard !files.isEmpty else {
            return .result(
                .inconclusive(
                    "neither \(grub) nor \(grubD)/*.cfg exists: Xen's command line is set elsewhere (xen.efi's xen.cfg, another boot loader), which is not read"
                ))
        }
        let words = grubXenWords(files)
        let evidence = files.map { file in
            let mine = words.filter { $0.source.hasPrefix(file.path + " ") }.map(\.word)
            return ctx.file(file.path, mine.isEmpty ? "no Xen command-line words" : "Xen words: " + mine.joined(separator: " "))
        }
        return .read(XenGrubCommandLine(files: files, words: words, evidence: evidence))
    }
}

// dom0's root-only endpoints, judged from `stat` (xen.xenstored-socket, xen.device-nodes): each path's metadata,
// never opened.
extension SandboxChecks {
    /// `stat` of each of `paths`: absent ones skipped, unobserved or unreadable ones and those whose kind `expectedKind`
    /// refuses (it returns what the path should be) unclear, the rest judged by `rule` (its complaints) and any owner but
    /// root wrong. Passes only with something seen and nothing wrong or unclear; `what` names the paths when there are no
    /// observations, `none` is the not-applicable sentence.
    static func rootOnly(
        _ ctx: CheckContext, paths: [String], what: String, none: String, expectedKind: (String, String) -> String?,
        rule: (String, HostObservations.FileStat) -> [String]
    ) -> CheckResult {
        guard let obs = ctx.input.observations else { return ctx.unobserved(what, at: paths[0]) }
        var wrong: [String] = []
        var unclear: [String] = []
        var evidence: [Evidence] = []
        var seen: [String] = []
        for path in paths {
            switch obs.stats[path] {
            case nil: unclear.append("\(path) was not observed (not collected from \(obs.source))")
            case .absent?: continue
            case .unreadable(let why)?: unclear.append("\(path): \(why)")
            case .stat(let st)?:
                evidence.append(ctx.file(path, "\(st.kind) mode \(st.octalMode), owner uid \(st.uid), group gid \(st.gid)"))
                seen.append("\(path) \(st.octalMode) uid \(st.uid) gid \(st.gid)")
                if let expected = expectedKind(path, st.kind) {
                    unclear.append("\(path) is a \(st.kind), not \(expected)")
                    continue
                }
                wrong += rule(path, st)
                if st.uid != 0 { wrong.append("\(path) is owned by uid \(st.uid), not root") }
            }
        }
        if !wrong.isEmpty { return .fail(wrong.joined(separator: "; "), evidence) }
        if !unclear.isEmpty { return .inconclusive(unclear.joined(separator: "; "), evidence) }
        if seen.isEmpty { return .notApplicable(none) }
        return .pass("root only: " + seen.joined(separator: "; "), evidence)
    }
}
