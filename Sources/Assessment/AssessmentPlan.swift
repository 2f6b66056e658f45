public import BulkheadModel
public import Census
public import Checks
public import Discovery
public import Foundation
public import HostInspection
import VendorEvidence

/// What an assessment runs besides the ISM-1460 evaluation: the hardening checks (ISM-1604, 1605, 1606,
/// 1607, 1848, 1461) and findings from elsewhere (a lab run).
public struct AssessmentPlan: Sendable {
    /// The checks to run; nil runs none (ISM-1460 only).
    public var checks: CheckCatalog?
    public var selection: CheckSelection
    public var tailoring: Tailoring?
    /// Findings made by other stages on this run (lab scenarios, advisory timeliness), with their subjects.
    public var extraFindings: [Finding]
    /// What discovery may do beyond reading (opt-in version probe).
    public var discovery: DiscoveryOptions
    /// Where measured census reports are cached; nil uses none.
    public var censusCache: CensusCache?
    /// The advisory database for ISM-1606 (`bulkhead advisories import|fetch`); nil checks none.
    public var advisoryDatabase: String?

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
    /// The daemon configurations the checks read (for snapshots: so they are captured too).
    public static func daemons(root: any HostRoot) -> [DaemonConfiguration] { CheckInputs.daemons(root: root) }
}

enum CheckInputs {
    /// The libvirt QEMU driver configuration and Xen toolstack configuration, parsed, when present.
    static func daemons(root: any HostRoot) -> [DaemonConfiguration] {
        var out: [DaemonConfiguration] = []
        let qemuConf = "/etc/libvirt/qemu.conf"
        if root.exists(qemuConf) {
            do {
                let bytes = try root.read(qemuConf, limit: 1 << 20)
                let parsed = try LibvirtQEMUConfParser.parse(Data(bytes), source: qemuConf)
                out.append(DaemonConfiguration(product: "libvirt", path: qemuConf, settings: .libvirtQEMU(parsed.value), problems: parsed.problems))
            } catch let error as HostReadError {
                out.append(DaemonConfiguration(product: "libvirt", path: qemuConf, settings: nil, problems: [error.problem]))
            } catch let error as ConfigParseError {
                out.append(DaemonConfiguration(product: "libvirt", path: qemuConf, settings: nil, problems: [error.problem]))
            } catch {
                out.append(DaemonConfiguration(product: "libvirt", path: qemuConf, settings: nil, problems: [Problem(subject: qemuConf, message: "\(error)")]))
            }
        }
        let xlConf = "/etc/xen/xl.conf"
        if root.exists(xlConf) {
            do {
                let bytes = try root.read(xlConf, limit: 1 << 20)
                let parsed = try XenConfigParser.parseToolstack(Data(bytes), source: xlConf)
                out.append(DaemonConfiguration(product: "xen", path: xlConf, settings: .xenToolstack(parsed.value), problems: parsed.problems))
            } catch let error as HostReadError {
                out.append(DaemonConfiguration(product: "xen", path: xlConf, settings: nil, problems: [error.problem]))
            } catch let error as ConfigParseError {
                out.append(DaemonConfiguration(product: "xen", path: xlConf, settings: nil, problems: [error.problem]))
            } catch {
                out.append(DaemonConfiguration(product: "xen", path: xlConf, settings: nil, problems: [Problem(subject: xlConf, message: "\(error)")]))
            }
        }
        return out
    }

    /// Vendor support windows from the catalog's lifecycle data (ISM-1848).
    static func lifecycle(_ catalog: Catalog) -> [SupportWindow] {
        catalog.products.flatMap { product -> [SupportWindow] in
            guard let lifecycle = product.lifecycle else { return [] }
            return lifecycle.branches.map {
                SupportWindow(product: product.id, cycle: $0.version, supportEnds: $0.endOfSupport, source: lifecycle.source)
            }
        }
    }
}
