import BulkheadModel
import Foundation

/// What `logging.integrity-monitoring` needs covered, and how auditd watches, AIDE selection lines and a
/// Tripwire policy cover a path. Pure functions over collected text.
enum IntegrityCoverage {
    /// A path an integrity monitor must cover: a mechanism's configuration file (its directory named) or binary.
    struct Target: Hashable, Sendable {
        var path: String
        /// `libvirt configuration (/etc/libvirt)`, `QEMU binary`.
        var what: String
        /// The configuration directory the file stands for; nil for a binary.
        var directory: String?
    }

    /// Each product's configuration directory and a file that stands for it (what a monitor must see change).
    static let configuration: [String: (directory: String, file: String)] = [
        "libvirt": ("/etc/libvirt", "/etc/libvirt/qemu.conf"), "qemu": ("/etc/qemu", "/etc/qemu/bridge.conf"),
        "xen": ("/etc/xen", "/etc/xen/xl.conf"), "kata-containers": ("/etc/kata-containers", "/etc/kata-containers/configuration.toml"),
        "docker": ("/etc/docker", "/etc/docker/daemon.json"), "containerd": ("/etc/containerd", "/etc/containerd/config.toml"),
        "podman": ("/etc/containers", "/etc/containers/containers.conf"), "lxc": ("/etc/lxc", "/etc/lxc/default.conf"),
        "firecracker": ("/etc/firecracker", "/etc/firecracker/vm_config.json"),
    ]

    /// Configuration directories whose existence is collected (a directory that does not exist needs no monitor).
    static var configurationDirectories: [String] { configuration.values.map(\.directory).sorted() }

    /// The targets of the discovered mechanisms: configuration directories observed present, binaries discovery saw
    /// (`binary present at`) and the executables of running guests. `unobserved` names directories never collected.
    static func targets(_ input: CheckInput) -> (targets: [Target], unobserved: [String]) {
        var out: [Target] = []
        var unobserved: [String] = []
        var seen: Set<String> = []
        func add(_ t: Target) { if seen.insert(t.path).inserted { out.append(t) } }
        for m in input.mechanisms {
            if let c = configuration[m.product.rawValue] {
                switch input.observations?.state(c.directory) {
                case .present?, .content?: add(Target(path: c.file, what: "\(m.name) configuration (\(c.directory))", directory: c.directory))
                case .absent?: break
                case .unreadable?, nil: unobserved.append(c.directory)
                }
            }
            for e in m.evidence where e.claim.contains("binary present at") {
                if case .file(let path, _) = e.source { add(Target(path: path, what: "\(m.name) binary", directory: nil)) }
            }
            for g in m.guests {
                guard let pid = g.pid, let exe = input.facts.processes.first(where: { $0.pid == pid })?.executable, exe.hasPrefix("/") else {
                    continue
                }
                add(Target(path: exe.replacingOccurrences(of: " (deleted)", with: ""), what: "\(m.name) binary", directory: nil))
            }
        }
        return (out, unobserved)
    }

    // MARK: auditd

    /// A watch from an audit rule: `-w PATH -p PERMS` or `-a always,exit -F path=|dir= … -F perm=`.
    struct Watch: Hashable, Sendable {
        var path: String
        /// Recursive (a directory watch, `-F dir=`).
        var tree: Bool
        var permissions: String
        var rule: String
    }

    /// The watches of audit rule lines. `-w` on a directory watches its whole tree (auditctl(8)); a missing `-p`
    /// means `rwxa`. A syscall rule without `perm=` or with `-a never` is not a watch.
    static func auditWatches(_ rules: [String]) -> [Watch] {
        var out: [Watch] = []
        for rule in rules {
            let f = rule.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            if f.first == "-w", f.count >= 2 {
                var perms = "rwxa"
                if let i = f.firstIndex(of: "-p"), i + 1 < f.count { perms = f[i + 1] }
                let path = f[1].count > 1 && f[1].hasSuffix("/") ? String(f[1].dropLast()) : f[1]
                out.append(Watch(path: path, tree: true, permissions: perms, rule: rule))
            } else if f.first == "-a", f.count >= 2, !f[1].contains("never") {
                var path: String?
                var tree = false
                var perms: String?
                for (i, x) in f.enumerated() where x == "-F" && i + 1 < f.count {
                    let kv = f[i + 1]
                    if kv.hasPrefix("path=") { path = String(kv.dropFirst(5)) }
                    if kv.hasPrefix("dir=") { path = String(kv.dropFirst(4)); tree = true }
                    if kv.hasPrefix("perm=") { perms = String(kv.dropFirst(5)) }
                }
                if let path, let perms {
                    let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
                    out.append(Watch(path: trimmed, tree: tree, permissions: perms, rule: rule))
                }
            }
        }
        return out
    }

    /// The watch covering `target` for changes (`w` or `a`), or why the ones naming it do not.
    static func auditCovers(_ watches: [Watch], _ target: Target) -> (covered: Watch?, weak: Watch?) {
        let naming = watches.filter { w in
            target.path == w.path || w.tree && target.path.hasPrefix(w.path == "/" ? "/" : w.path + "/")
        }
        let covering = naming.first { $0.permissions.contains("w") || $0.permissions.contains("a") }
        return (covering, covering == nil ? naming.first : nil)
    }

    // MARK: AIDE

    /// One AIDE selection line: `/regex [RESTRICTION] GROUP`, `=/regex …` (the path only) or `!/regex …` (excluded).
    struct AIDERule: Sendable {
        enum Kind: Sendable { case select, equal, negative }
        var kind: Kind
        var regex: NSRegularExpression
        /// File types the rule is restricted to (`f`, `d` …); nil: every type.
        var types: Set<String>?
        var line: String
    }

    /// Expands `@@define`/`@@undef`/`@@{VAR}` and `@@if[n]def`/`@@if [not] defined`/`@@else`/`@@endif`, splices the
    /// collected files of an `@@[x_]include DIR` at its place, and returns the selection rules with the
    /// problems (regular expressions it could not compile, include directories not collected).
    static func aideRules(main: String, includes: [String: [(path: String, text: String)]]) -> (rules: [AIDERule], problems: [String]) {
        var rules: [AIDERule] = []
        var problems: [String] = []
        var vars: [String: String] = [:]
        var active: [Bool] = []
        func on() -> Bool { !active.contains(false) }
        func expand(_ s: String) -> String {
            var s = s
            for _ in 0..<8 {
                guard s.contains("@@{") else { break }
                for (k, v) in vars { s = s.replacingOccurrences(of: "@@{\(k)}", with: v) }
                if let r = s.range(of: "@@{"), let end = s[r.upperBound...].firstIndex(of: "}") {
                    // An undefined variable expands to nothing (AIDE warns and goes on).
                    s.replaceSubrange(r.lowerBound...end, with: "")
                }
            }
            return s
        }
        func process(_ text: String, depth: Int) {
            for raw in text.split(whereSeparator: \.isNewline) {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.isEmpty || line.hasPrefix("#") { continue }
                let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                switch f[0] {
                case "@@ifdef": active.append(f.count > 1 && vars[f[1]] != nil); continue
                case "@@ifndef": active.append(f.count > 1 && vars[f[1]] == nil); continue
                case "@@if":
                    if f.count >= 3 && f[1] == "defined" {
                        active.append(vars[f[2]] != nil)
                    } else if f.count >= 4 && f[1] == "not" && f[2] == "defined" {
                        active.append(vars[f[3]] == nil)
                    } else {
                        active.append(true)
                    }
                    continue
                case "@@else": if let last = active.popLast() { active.append(!last) }; continue
                case "@@endif": _ = active.popLast(); continue
                default: break
                }
                guard on() else { continue }
                switch f[0] {
                case "@@define" where f.count >= 2: vars[f[1]] = expand(f.dropFirst(2).joined(separator: " ")); continue
                case "@@undef" where f.count >= 2: vars[f[1]] = nil; continue
                case "@@include", "@@x_include":
                    let dir = f.count > 1 ? expand(f[1]) : ""
                    if let files = includes[dir], depth < 4 {
                        let pattern = f.count > 2 ? try? NSRegularExpression(pattern: "^(?:" + f[2] + ")") : nil
                        for file in files {
                            let name = String(file.path.split(separator: "/").last ?? "")
                            if let pattern, pattern.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) == nil { continue }
                            process(file.text, depth: depth + 1)
                        }
                    } else {
                        problems.append("\(line): \(dir) was not collected")
                    }
                    continue
                default: break
                }
                if line.hasPrefix("@@") { continue }
                let first = expand(f[0])
                let kind: AIDERule.Kind
                let pattern: String
                if first.hasPrefix("!") {
                    kind = .negative
                    pattern = String(first.dropFirst())
                } else if first.hasPrefix("=") {
                    kind = .equal
                    pattern = String(first.dropFirst())
                } else if first.hasPrefix("/") {
                    kind = .select
                    pattern = first
                } else {
                    continue  // a group definition (`Full = …`) or a setting (`database_in=…`)
                }
                // aide.conf(5) processes backslash escapes, so `\\.` in the file is the regular expression `\.`.
                let regexText = pattern.replacingOccurrences(of: "\\\\", with: "\\")
                var types: Set<String>?
                if f.count >= 3 || kind == .negative && f.count >= 2 {
                    let r = f[1]
                    if r == "0" {
                        types = nil
                    } else if r.split(separator: ",").allSatisfy({ $0.count == 1 && "fdlcbpsDLH".contains($0) }) {
                        types = Set(r.split(separator: ",").map(String.init))
                    }
                }
                if nestedQuantifier(regexText) {
                    problems.append("\(line): a repeated group that itself repeats is not evaluated (it could take exponential time)")
                    continue
                }
                do {
                    let anchored = kind == .equal ? "^(?:\(regexText))$" : "^(?:\(regexText))"
                    rules.append(AIDERule(kind: kind, regex: try NSRegularExpression(pattern: anchored), types: types, line: line))
                } catch {
                    problems.append("\(line): not a regular expression")
                }
            }
        }
        process(main, depth: 0)
        return (rules, problems)
    }

    /// Whether a regular expression repeats a group (`)*`, `)+`, `){`) that holds a repetition itself, the shape
    /// whose backtracking is exponential (`(a+)+$`); such a rule is reported, not run.
    static func nestedQuantifier(_ regex: String) -> Bool {
        var stack: [Bool] = []  // per open group: holds a repetition
        var escaped = false
        var inClass = false
        let chars = Array(regex)
        for (n, c) in chars.enumerated() {
            if escaped {
                escaped = false
                continue
            }
            if inClass {
                if c == "]" && n > 0 && chars[n - 1] != "[" && chars[n - 1] != ":" { inClass = false }
                if c == "\\" { escaped = true }
                continue
            }
            switch c {
            case "[": inClass = true
            case "\\": escaped = true
            case "(": stack.append(false)
            case "*", "+", "{":
                if !stack.isEmpty { stack[stack.count - 1] = true }
            case ")":
                let inner = stack.popLast() ?? false
                let next = n + 1 < chars.count ? chars[n + 1] : " "
                if inner && (next == "*" || next == "+" || next == "{") { return true }
                if inner, !stack.isEmpty { stack[stack.count - 1] = true }
            default: break
            }
        }
        return false
    }

    /// The rule that selects `path` (a regular file) for checking, or the negative rule that excludes it.
    static func aideCovers(_ rules: [AIDERule], _ path: String) -> (covered: AIDERule?, excludedBy: AIDERule?) {
        func matches(_ r: AIDERule) -> Bool {
            if let t = r.types, !t.contains("f") { return false }
            return r.regex.firstMatch(in: path, range: NSRange(path.startIndex..., in: path)) != nil
        }
        if let negative = rules.first(where: { $0.kind == .negative && matches($0) }) { return (nil, negative) }
        return (rules.first { $0.kind != .negative && matches($0) }, nil)
    }

    // MARK: Tripwire

    /// A Tripwire policy object: `PATH -> PROPERTIES [(recurse = N)] ;` or a stop point `!PATH ;`.
    struct TripwireObject: Hashable, Sendable {
        var path: String
        var stop: Bool
        var recurse: Bool
        var line: String
    }

    /// The objects of a plain-text Tripwire policy (twpol.txt), with `$(VAR)` from `VAR = value;` substituted.
    static func tripwireObjects(_ text: String) -> [TripwireObject] {
        var vars: [String: String] = [:]
        var out: [TripwireObject] = []
        for raw in text.split(whereSeparator: \.isNewline) {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if let hash = line.firstIndex(of: "#") { line = String(line[..<hash]).trimmingCharacters(in: .whitespaces) }
            if line.isEmpty { continue }
            for (k, v) in vars { line = line.replacingOccurrences(of: "$(\(k))", with: v) }
            if let eq = line.firstIndex(of: "="), !line.contains("->"), !line.hasPrefix("/"), !line.hasPrefix("!"), !line.hasPrefix("(") {
                let name = line[..<eq].trimmingCharacters(in: .whitespaces)
                if name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                    vars[name] = line[line.index(after: eq)...].trimmingCharacters(in: CharacterSet(charactersIn: " \t;"))
                }
                continue
            }
            if line.hasPrefix("!") {
                let path = line.dropFirst().trimmingCharacters(in: CharacterSet(charactersIn: " \t;"))
                out.append(TripwireObject(path: path, stop: true, recurse: true, line: line))
            } else if line.hasPrefix("/"), let arrow = line.range(of: "->") {
                let path = line[..<arrow.lowerBound].trimmingCharacters(in: .whitespaces)
                let rest = line[arrow.upperBound...].replacingOccurrences(of: " ", with: "").lowercased()
                let recurse = !(rest.contains("recurse=0)") || rest.contains("recurse=false") || rest.contains("recurse=0,"))
                out.append(TripwireObject(path: path, stop: false, recurse: recurse, line: line))
            }
        }
        return out
    }

    /// The policy object covering `path` (the longest one naming it or a directory above it), nil when a stop
    /// point at or above it comes between.
    static func tripwireCovers(_ objects: [TripwireObject], _ path: String) -> TripwireObject? {
        func above(_ o: TripwireObject) -> Bool { path == o.path || path.hasPrefix(o.path == "/" ? "/" : o.path + "/") }
        guard let best = objects.filter({ !$0.stop && above($0) }).max(by: { $0.path.count < $1.path.count }) else { return nil }
        if !best.recurse && best.path != path {
            return nil
        }
        if objects.contains(where: { $0.stop && above($0) && $0.path.count > best.path.count }) { return nil }
        return best
    }
}
