import BulkheadModel
import Checks
import Foundation
import HostInspection
import Testing

/// Test fixtures and a small reader that turns a captured host tree (Fixtures/hosts/NAME) into HostFacts
/// and HostObservations, the way host inspection would.
enum Fixture {
    static let collectedAt = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-17

    static func url(_ relative: String) throws -> URL {
        guard let base = Bundle.module.resourceURL?.appendingPathComponent("Fixtures") else {
            throw Problem(subject: relative, message: "test resource bundle has no Fixtures directory")
        }
        return base.appendingPathComponent(relative)
    }

    /// Reads a fixture file, at most 4 MiB.
    static func text(_ relative: String) throws -> String {
        let handle = try FileHandle(forReadingFrom: try url(relative))
        defer { try? handle.close() }
        let data = try handle.read(upToCount: 4 << 20) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func optionalText(_ relative: String) -> String? { try? text(relative) }

    /// HostFacts from a captured tree, through HostInspection's own DirectoryHostRoot.
    static func host(_ name: String) throws -> HostFacts {
        let root = DirectoryHostRoot(directory: try url("hosts/\(name)").path)
        func read(_ p: String) -> String? { try? root.readText(p, limit: 1 << 20) }
        var facts = HostFacts(collectedAt: collectedAt, source: "fixture \(name)")
        let vdir = "/sys/devices/system/cpu/vulnerabilities"
        for entry in (try? root.list(vdir)) ?? [] {
            if let t = read("\(vdir)/\(entry)") { facts.cpu.vulnerabilities[entry] = t.trimmingCharacters(in: .whitespacesAndNewlines) }
        }
        facts.cpu.smtControl = read("/sys/devices/system/cpu/smt/control")?.trimmingCharacters(in: .whitespacesAndNewlines)
        facts.kernel.commandLine = (read("/proc/cmdline") ?? "").split(whereSeparator: \.isWhitespace).map(String.init)
        facts.kernel.lockdown = read("/sys/kernel/security/lockdown")?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let mods = read("/proc/modules") {
            facts.kernel.modules = mods.split(whereSeparator: \.isNewline).compactMap { $0.split(separator: " ").first.map(String.init) }
        }
        for module in (try? root.list("/sys/module")) ?? [] {
            for p in (try? root.list("/sys/module/\(module)/parameters")) ?? [] {
                if let v = read("/sys/module/\(module)/parameters/\(p)") {
                    facts.kernel.moduleParameters[module, default: [:]][p] = v.trimmingCharacters(in: .whitespacesAndNewlines)
                }
            }
        }
        if let stat = read("/dev/kvm.stat")?.split(separator: " "), stat.count == 3,
            let u = UInt32(stat[1].trimmingCharacters(in: .whitespacesAndNewlines)),
            let g = UInt32(stat[2].trimmingCharacters(in: .whitespacesAndNewlines))
        {
            facts.kvm = KVMDeviceFacts(mode: String(stat[0]), ownerUID: u, groupGID: g)
        }
        let groups = (try? root.list("/sys/kernel/iommu_groups")) ?? []
        facts.iommu = IOMMUFacts(groupCount: groups.count)
        return facts
    }

    /// HostObservations from a captured tree: a reference for the collector HostInspection needs.
    static func observations(_ name: String) throws -> HostObservations {
        let root = DirectoryHostRoot(directory: try url("hosts/\(name)").path)
        var obs = HostObservations(observedAt: collectedAt, source: "fixture \(name)")
        func state(_ path: String) -> HostObservations.State {
            do {
                return .content(try root.readText(path, limit: 1 << 20))
            } catch {
                return error.code == .notFound ? .absent : .unreadable(error.message)
            }
        }
        for p in HostObservations.wantedFiles { obs.files[p] = state(p) }
        for p in HostObservations.wantedExistence { obs.files[p] = root.exists(p) ? .present : .absent }
        for (dir, suffix) in HostObservations.wantedDirectories {
            do {
                let names = try root.list(dir)
                obs.listed[dir] = .present
                for n in names.sorted() where n.hasSuffix(suffix) { obs.files["\(dir)/\(n)"] = state("\(dir)/\(n)") }
            } catch {
                obs.listed[dir] = error.code == .notFound ? .absent : .unreadable(error.message)
            }
        }
        return obs
    }

    static let catalog: CheckCatalog = {
        do { return try CheckCatalog.standard() } catch {
            Issue.record("the shipped catalog does not load: \(error)")
            do { return try CheckCatalog(definitions: [], checks: []) } catch {
                preconditionFailure("an empty check catalog always builds: \(error)")
            }
        }
    }()
}

extension CheckCatalog {
    /// Runs one check over an input and returns its findings.
    func run(_ id: String, _ input: CheckInput, tailoring: Tailoring? = nil) -> [Finding] {
        CheckRunner(catalog: self).run(input, selection: CheckSelection(only: [id]), tailoring: tailoring).findings
    }
    /// The single finding of a host-scope check.
    func host(_ id: String, _ facts: HostFacts, observations: HostObservations? = nil, tailoring: Tailoring? = nil) -> Finding? {
        let f = run(id, CheckInput(facts: facts, observations: observations), tailoring: tailoring)
        #expect(f.count == 1, "\(id) gave \(f.count) findings")
        return f.first
    }
}

extension Finding {
    var reason: String? {
        if case .inconclusive(let r) = outcome { return r }
        return nil
    }
}
