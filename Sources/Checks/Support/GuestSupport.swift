import BulkheadModel
import Formats
import Foundation

extension GuestSubject {
    /// `c` when it was parsed: a command line that could not be parsed keeps only its words in `raw`, no `binary`.
    private func parsed<C: CommandLineConfiguration>(_ c: C) -> C? { c.binary == nil && !c.raw.isEmpty ? nil : c }
    var qemu: QEMUConfiguration? {
        if case .qemu(let c)? = guest.configuration { return parsed(c) }
        return nil
    }
    var libvirt: LibvirtDomain? {
        // A parsed domain never keeps the XML text in `raw`; text there means it was not parsed.
        if case .libvirt(let c)? = guest.configuration, c.raw.isEmpty { return c }
        return nil
    }
    var firecracker: FirecrackerConfiguration? {
        if case .firecracker(let c)? = guest.configuration { return c }
        return nil
    }
    var cloudHypervisor: CloudHypervisorConfiguration? {
        if case .cloudHypervisor(let c)? = guest.configuration { return parsed(c) }
        return nil
    }
    var crosvm: CrosvmConfiguration? {
        if case .crosvm(let c)? = guest.configuration { return parsed(c) }
        return nil
    }
    var gvisor: GVisorConfiguration? {
        if case .gvisor(let c)? = guest.configuration { return parsed(c) }
        return nil
    }
    var xen: XenGuestConfiguration? {
        if case .xen(let c)? = guest.configuration, c.raw.isEmpty { return c }
        return nil
    }
}

extension CheckContext {
    /// For a guest of this check's products whose configuration did not parse (or is of another kind than
    /// the product's): `inconclusive` with the guest's problems. nil for guests the check does not concern.
    func unparsed(_ s: GuestSubject, _ what: String) -> CheckResult? {
        guard definition.products.contains(s.mechanism.product.rawValue) else { return nil }
        let why = s.guest.problems.map(\.description).joined(separator: "; ")
        return .inconclusive(
            "the \(what) of \(s.label) was not parsed" + (why.isEmpty ? "" : ": \(why)"), guestEvidence(s, "\(what) not parsed"))
    }

    /// Evidence naming where the guest's configuration was seen: its process argv and/or its file.
    func guestEvidence(_ s: GuestSubject, _ claim: String) -> [Evidence] {
        var out: [Evidence] = []
        if let pid = s.guest.pid { out.append(process(pid, "cmdline", claim)) }
        for e in s.guest.evidence {
            if case .file(let path, let sha) = e.source {
                out.append(Evidence(claim: claim, source: .file(path: path, sha256: sha), observedAt: e.observedAt, confidence: e.confidence))
                break
            }
        }
        if out.isEmpty {
            out.append(
                Evidence(
                    claim: claim, source: .measurement(command: "bulkhead discover (guest \(s.label))"), observedAt: observedAt, confidence: .high))
        }
        return out
    }

    /// Seccomp mode of every thread of the guest's process, when observed: (all filtered, offenders).
    func threadSeccomp(_ s: GuestSubject) -> (observed: Bool, offenders: [String], threads: Int, evidence: [Evidence]) {
        guard let c = s.guest.confinement, let pid = s.guest.pid else { return (false, [], 0, []) }
        var modes = c.threadSeccomp
        if modes.isEmpty, let main = c.seccomp { modes[pid] = main }
        guard !modes.isEmpty else { return (false, [], 0, []) }
        let offenders = modes.filter { $0.value != 2 }.sorted { $0.key < $1.key }.map { "tid \($0.key) Seccomp: \($0.value)" }
        let evidence = [process(pid, "task/*/status:Seccomp", "\(modes.count) threads, \(offenders.count) without a seccomp filter")]
        return (true, offenders, modes.count, evidence)
    }
}

/// Loopback addresses and names, as every listener check judges them (Formats' `ParseSupport.beyondLoopback`:
/// 127.0.0.0/8, ::1 in any spelling, ::ffff:127.x, localhost, bracketed or not); everything else a listener binds
/// to is reachable from other hosts. An absent or empty address is not loopback: it is the any-address.
enum Addresses {
    static func isLoopback(_ host: String?) -> Bool {
        guard let host, !host.trimmingCharacters(in: .whitespaces).isEmpty else { return false }
        return !ParseSupport.beyondLoopback(host)
    }
}

/// Which configuration a guest check reads.
enum GuestKind: Sendable {
    case qemu, libvirt, firecracker, cloudHypervisor, crosvm, gvisor, xen

    var what: String {
        switch self {
        case .qemu: "QEMU command line"
        case .libvirt: "domain XML"
        case .firecracker: "Firecracker configuration"
        case .cloudHypervisor: "Cloud Hypervisor command line"
        case .crosvm: "crosvm command line"
        case .gvisor: "runsc command line"
        case .xen: "xl domain configuration"
        }
    }

    func matches(_ c: GuestConfiguration) -> Bool {
        switch (self, c) {
        case (.qemu, .qemu), (.libvirt, .libvirt), (.firecracker, .firecracker), (.cloudHypervisor, .cloudHypervisor),
            (.crosvm, .crosvm), (.gvisor, .gvisor), (.xen, .xen):
            true
        default: false
        }
    }
}

extension Check {
    /// A guest check over one configuration kind. The body runs on parsed configurations; a guest of this
    /// kind whose configuration did not parse, or a guest of the check's products with no configuration,
    /// is `inconclusive`; other guests get no finding.
    static func on<C: Sendable>(
        _ id: String, _ kind: GuestKind, _ extract: @escaping @Sendable (GuestSubject) -> C?,
        _ body: @escaping @Sendable (CheckContext, GuestSubject, C) -> CheckResult
    ) -> Check {
        Check.guest(id) { ctx, s in
            if let c = extract(s) { return body(ctx, s, c) }
            if let config = s.guest.configuration {
                guard kind.matches(config) else { return nil }
                let why = s.guest.problems.map(\.description).joined(separator: "; ")
                return .inconclusive(
                    "the \(kind.what) of \(s.label) was not parsed into facts" + (why.isEmpty ? "" : ": \(why)"),
                    ctx.guestEvidence(s, "\(kind.what) not parsed"))
            }
            return ctx.unparsed(s, kind.what)
        }
    }
}
