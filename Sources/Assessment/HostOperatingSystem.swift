public import BulkheadModel
import Checks
import Discovery
import Foundation
public import HostInspection
public import VendorEvidence

/// ISM-1743 for the host's operating system, and the configured VMM of a Kata stack: judgements that read
/// the collected evidence (never the host) and then ask the catalog (docs/criteria.md).
public enum HostOperatingSystem {
    /// The `ID` of /etc/os-release in the evidence, limited to the characters an os-release ID may hold.
    public static func osReleaseID(_ evidence: HostEvidence) -> String? {
        guard let text = CheckEvidenceNeed.observations(evidence).text("/etc/os-release") else { return nil }
        return OSRelease(text).id
    }

    /// The host's ISM-1743 verdict: the operating-system product whose `osReleaseIDs` holds the host's
    /// os-release ID, judged by the ISM-1460 evaluator (vendor criteria 1–5, the shipped kernel as its
    /// isolation-critical part, capped by the kernel's own judgement). No os-release, or an ID the catalog
    /// does not know: `notAssessed`, saying why.
    public static func ism1743(
        evidence: HostEvidence, catalog: Catalog, evaluator: ISM1460Evaluator, facts: [CriterionFact]
    ) -> ControlAssessment {
        let observed = CalendarDate.format(evidence.collectedAt)
        guard let id = osReleaseID(evidence) else {
            return notAssessed(
                "no readable /etc/os-release ID in the evidence (\(evidence.source)): the host's operating system and its vendor are not known",
                evaluator: evaluator)
        }
        guard let product = catalog.operatingSystem(osReleaseID: id) else {
            return notAssessed(
                "/etc/os-release ID \"\(id)\" has no catalog entry with that osReleaseIDs value (the catalog knows "
                    + catalog.products.flatMap(\.aliases.osReleaseIDs).sorted().joined(separator: ", ")
                    + "); add one (docs/catalog-format.md) to judge its vendor",
                evaluator: evaluator)
        }
        let evaluation = evaluator.evaluate(
            product, attestations: facts.filter { $0.product == product.id }, control: .ism1743)
        var verdict = evaluation.verdict
        verdict.subject = "host"
        verdict.rationale.insert(
            "Host operating system: /etc/os-release ID=\(id) (observed on the host \(observed)) is catalog product \(product.id) (\(product.name), \(product.vendor)); the vendor facts are the catalog's research, dated per fact.",
            at: min(1, verdict.rationale.count))
        verdict.rationale.insert(
            EvidenceBasis.line(evaluation, observed: "/etc/os-release ID=\(id)"), at: min(2, verdict.rationale.count))
        return ControlAssessment(verdict: verdict, ism1460: evaluation)
    }

    static func notAssessed(_ reason: String, evaluator: ISM1460Evaluator) -> ControlAssessment {
        var e = evaluator.notInCatalog(product: "host", name: "host operating system")
        e.control = .ism1743
        e.rationale = ["ISM-1743 notAssessed for the host operating system: \(reason)."]
        let verdict = ControlVerdict(
            control: .ism1743, subject: "host", status: .notAssessed, confidence: .low, rationale: e.rationale, evidence: [])
        return ControlAssessment(verdict: verdict, ism1460: e)
    }
}

/// Kata Containers runs whichever VMM its configuration names; criterion 4a and the dependency cap follow it.
public enum KataStack {
    /// The VMMs Kata can be configured with: `[hypervisor.NAME]` → the catalog product and language.
    static let vmms: [String: (product: ProductID?, name: String, languages: [String])] = [
        "qemu": ("qemu", "QEMU", ["C"]),
        "clh": ("cloud-hypervisor", "Cloud Hypervisor", ["Rust"]),
        "cloud-hypervisor": ("cloud-hypervisor", "Cloud Hypervisor", ["Rust"]),
        "firecracker": ("firecracker", "Firecracker", ["Rust"]),
        "fc": ("firecracker", "Firecracker", ["Rust"]),
        "dragonball": (nil, "Dragonball (built into the Rust runtime-rs)", ["Rust"]),
        "stratovirt": (nil, "StratoVirt", ["Rust"]),
    ]

    /// The `[hypervisor.*]` sections of Kata's configuration in the evidence, with the file they came from;
    /// nil when no configuration was collected or it could not be parsed.
    public static func configured(_ evidence: HostEvidence) -> (hypervisors: [String], path: String)? {
        for d in CheckInputs.daemons(evidence.files) where d.product == "kata-containers" {
            if case .kata(let config)? = d.settings { return (config.hypervisors, d.path) }
        }
        return nil
    }

    /// Kata's catalog entry with its `vmm` component replaced by the VMM the configuration names (its facts
    /// about the default QEMU dropped when another VMM runs), and a sentence saying what was read.
    public static func product(_ kata: Product, configured: (hypervisors: [String], path: String)?) -> (Product, String) {
        guard let index = kata.components.firstIndex(where: { $0.id == "vmm" }) else { return (kata, "") }
        var p = kata
        let choice: (product: ProductID?, name: String, languages: [String])
        let note: String
        if let configured, configured.hypervisors.count == 1, let known = vmms[configured.hypervisors[0]] {
            choice = known
            note =
                "Kata's VMM is \(known.name), read from [hypervisor.\(configured.hypervisors[0])] in \(configured.path) on the host"
        } else {
            choice = (nil, "Hypervisor VMM (not known: configuration not read)", ["unknown"])
            if let configured {
                note =
                    "Kata's VMM is not known: \(configured.path) has \(configured.hypervisors.isEmpty ? "no [hypervisor.*] section" : "the sections " + configured.hypervisors.joined(separator: ", ")); criterion 4a is judged without it"
            } else {
                note =
                    "Kata's VMM is not known: no Kata configuration was collected; criterion 4a is judged without it (the catalog's default, QEMU, is not assumed)"
            }
        }
        var vmm = p.components[index]
        vmm.name = choice.product == nil && choice.languages == ["unknown"] ? choice.name : "Hypervisor VMM: \(choice.name)"
        vmm.languages = choice.languages
        vmm.product = choice.product
        p.components[index] = vmm
        if choice.product != "qemu" { p.facts.removeAll { $0.component == "vmm" } }
        return (p, note)
    }
}
