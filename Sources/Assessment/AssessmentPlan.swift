public import BulkheadModel
public import Census
public import Checks
public import Discovery
import Formats
public import Foundation
public import HostInspection
public import VendorEvidence

/// What an assessment runs besides the ISM-1460 evaluation: the hardening checks (ISM-1604, 1605, 1606,
/// 1607, 1848, 1461) and findings from elsewhere (a lab run).
public struct AssessmentPlan: Sendable {
    /// The checks to run; nil runs none (ISM-1460 only).
    public var checks: CheckCatalog?
    public var selection: CheckSelection
    public var tailoring: Tailoring?
    /// Findings made by other stages on this run (lab scenarios, advisory timeliness), with their subjects.
    public var extraFindings: [Finding]
    /// What to do about the extra findings' failures (lab scenarios), by check id.
    public var extraGuidance: [String: CheckGuidance] = [:]
    /// What discovery may do beyond reading (opt-in version probe).
    public var discovery: DiscoveryOptions
    /// Where measured census reports are cached; nil uses none.
    public var censusCache: CensusCache?
    /// The advisory database (`bulkhead advisories import|fetch`) for ISM-1606 and for the measured ISM-1460
    /// criterion-5 facts (CWE/CPE transparency, patch cadence); nil or absent file uses none.
    public var advisoryDatabase: String?
    /// Days after the last import beyond which the advisory database is stale (`--advisory-max-age-days`):
    /// ISM-1606 passes from it become inconclusive. Default `AdvisoryFindings.maximumAgeDays` (7).
    public var advisoryMaxAgeDays: Double = 7

    public init(
        checks: CheckCatalog? = nil, selection: CheckSelection = .all, tailoring: Tailoring? = nil,
        extraFindings: [Finding] = [], discovery: DiscoveryOptions = DiscoveryOptions(), censusCache: CensusCache? = nil,
        advisoryDatabase: String? = nil
    ) {
        self.advisoryDatabase = advisoryDatabase
        self.censusCache = censusCache
        self.checks = checks
        self.selection = selection
        self.tailoring = tailoring
        self.extraFindings = extraFindings
        self.discovery = discovery
    }

    /// The ISM-1460 evaluation alone.
    public static let ism1460Only = AssessmentPlan()
}

/// Inputs for the checks that come from configuration files rather than discovery.
public enum AssessmentInputs {
    /// Everything the hardening checks read, exactly as `bulkhead assess` gives it to them: host and
    /// discovery facts, the observed files, support windows (catalog and distribution), vendor support
    /// policies and daemon configurations. `bulkhead checks run` uses it too, so both decide alike.
    public static func checkInput(
        evidence: HostEvidence, mechanisms: [IsolationMechanism], catalog: Catalog = .bundled(), now: Date
    ) -> CheckInput {
        let facts = evidence.facts
        let observations = CheckEvidenceNeed.observations(evidence)
        let lifecycle =
            CheckInputs.lifecycle(catalog)
            + DistroLifecycle.windows(observations: observations, mechanisms: mechanisms, now: now, packages: facts.packages)
        return CheckInput(
            facts: facts, mechanisms: mechanisms, observations: observations, lifecycle: lifecycle,
            daemons: CheckInputs.daemons(evidence.files), now: now, supportPolicies: CheckInputs.supportPolicies(catalog))
    }
}

enum CheckInputs {
    /// Bound on a daemon configuration file.
    static let daemonLimit = 1 << 20
    /// Every daemon configuration file the checks may read, each group read up to the first that exists
    /// (Kata reads the first of its configuration files, in this order).
    static var daemonPaths: [[String]] {
        [["/etc/libvirt/qemu.conf"], ["/etc/xen/xl.conf"], KataDetector.configPaths] + libvirtDaemonPaths.map { [$0] }
    }

    /// libvirt's monolithic daemon and the modular daemons' remote-access proxy: where TCP/TLS listening,
    /// authentication and the UNIX socket permissions are set.
    static let libvirtDaemonPaths = ["/etc/libvirt/libvirtd.conf", "/etc/libvirt/virtproxyd.conf"]

    /// The libvirt QEMU driver configuration and Xen toolstack configuration, parsed, when present.
    static func daemons(_ files: RecordedFiles) -> [DaemonConfiguration] {
        let libvirtConf = { (data: Data, path: String) throws(ConfigParseError) in try LibvirtQEMUConfParser.parse(data, source: path) }
        var out = [daemon("libvirt", "/etc/libvirt/qemu.conf", files: files, parse: libvirtConf, as: DaemonConfiguration.Settings.libvirtQEMU)]
        // The same conf syntax as qemu.conf; only its key/value layer is kept.
        out += libvirtDaemonPaths.map { daemon("libvirt", $0, files: files, parse: libvirtConf) { .libvirtDaemon($0.settings) } }
        out.append(
            daemon(
                "xen", "/etc/xen/xl.conf", files: files,
                parse: { data, path throws(ConfigParseError) in try XenConfigParser.parseToolstack(data, source: path) },
                as: DaemonConfiguration.Settings.xenToolstack))
        // Kata reads the first configuration file that exists, in this order.
        out.append(
            KataDetector.configPaths.first(where: { files.exists($0) }).flatMap { path in
                daemon(
                    "kata-containers", path, files: files,
                    parse: { data, path throws(ConfigParseError) in try KataConfigParser.parse(data, source: path) },
                    as: DaemonConfiguration.Settings.kata)
            })
        return out.compactMap { $0 }
    }

    /// One daemon configuration file: parsed (its value made `settings` by `as`), or its read/parse error as a
    /// problem (the checks that need it are then inconclusive).
    static func daemon<Value: Hashable & Sendable>(
        _ product: ProductID, _ path: String, files: RecordedFiles,
        parse: (Data, String) throws(ConfigParseError) -> Parsed<Value>, as settings: (Value) -> DaemonConfiguration.Settings
    ) -> DaemonConfiguration? {
        guard files.exists(path) else { return nil }
        do {
            let bytes = try files.read(path, limit: daemonLimit)
            do {
                let parsed = try parse(Data(bytes), path)
                return DaemonConfiguration(product: product, path: path, settings: settings(parsed.value), problems: parsed.problems)
            } catch {
                return DaemonConfiguration(product: product, path: path, settings: nil, problems: [error.problem])
            }
        } catch {
            return DaemonConfiguration(product: product, path: path, settings: nil, problems: [error.problem])
        }
    }

    /// Vendor support windows from the catalog's lifecycle data (ISM-1848).
    static func lifecycle(_ catalog: Catalog) -> [SupportWindow] {
        catalog.products.flatMap { product -> [SupportWindow] in
            guard let lifecycle = product.lifecycle else { return [] }
            return lifecycle.branches.map {
                SupportWindow(
                    product: product.id, cycle: $0.version, supportEnds: $0.endOfSupport,
                    supported: $0.status.map { $0 == .supported }, supportedAtLeastUntil: $0.supportedAtLeastUntil,
                    note: $0.note, source: $0.source ?? lifecycle.source, observedAt: lifecycle.observed)
            }
        }
    }

    /// Whole-product support policies from the catalog (no published policy; newest-N-lines policies).
    static func supportPolicies(_ catalog: Catalog) -> [SupportPolicy] {
        catalog.products.compactMap { product -> SupportPolicy? in
            guard let l = product.lifecycle else { return nil }
            return SupportPolicy(
                product: product.id, policy: l.policy, published: l.published, latestLines: l.latestLines,
                knownLines: l.branches.map(\.version), observed: l.observed, source: l.source)
        }
    }
}
