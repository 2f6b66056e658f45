public import BulkheadModel
public import Discovery
public import Foundation
public import HostInspection
public import VendorEvidence

/// Evaluates every discovered mechanism against the controls (ISM-1460 today).
public struct Assessor: Sendable {
    public var catalog: Catalog
    /// Organisation attestations (`--evidence FILE`), all products.
    public var attestations: [CriterionFact]
    /// Facts measured on this run by other stages (census: 4a shares; advisories: patch cadence).
    public var measured: [CriterionFact]
    public var evidenceFiles: [String]
    public var catalogDirectories: [String]
    /// The assessment date (injectable for tests); staleness is relative to it.
    public var asOf: Date
    public var toolVersion: String

    public init(
        catalog: Catalog, attestations: [CriterionFact] = [], measured: [CriterionFact] = [], evidenceFiles: [String] = [],
        catalogDirectories: [String] = [], asOf: Date = Date(), toolVersion: String = "0.1.0"
    ) {
        self.catalog = catalog
        self.attestations = attestations
        self.measured = measured
        self.evidenceFiles = evidenceFiles
        self.catalogDirectories = catalogDirectories
        self.asOf = asOf
        self.toolVersion = toolVersion
    }

    /// Discovers mechanisms on `root` and assesses them.
    public func run(on root: any HostRoot) -> AssessmentReport {
        let (_, discovery) = DiscoveryEngine(root: root).run(now: asOf)
        return assess(discovery)
    }

    /// Assesses mechanisms already discovered.
    public func assess(_ discovery: DiscoveryResult) -> AssessmentReport {
        let evaluator = ISM1460Evaluator(asOf: asOf)
        var results: [MechanismAssessment] = []
        for m in discovery.mechanisms {
            results.append(assess(m, evaluator: evaluator))
        }
        var problems = discovery.problems
        problems += catalog.problems.map { Problem(subject: $0.file, message: $0.description) }
        let measuredBy = Array(
            Set(measured.compactMap { f -> String? in
                if case .measurement(let stage) = f.origin { return stage }
                return nil
            })
        ).sorted()
        return AssessmentReport(
            tool: .init(version: toolVersion),
            host: .init(hostname: discovery.hostname, source: discovery.source, collectedAt: discovery.collectedAt),
            assessedAt: asOf,
            inputs: .init(
                catalogProducts: catalog.products.count, catalogDirectories: catalogDirectories,
                evidenceFiles: evidenceFiles, measuredBy: measuredBy),
            mechanisms: results, problems: problems)
    }

    public func assess(_ m: IsolationMechanism) -> MechanismAssessment {
        assess(m, evaluator: ISM1460Evaluator(asOf: asOf))
    }

    func assess(_ m: IsolationMechanism, evaluator: ISM1460Evaluator) -> MechanismAssessment {
        let product = catalog.product(m.product) ?? catalog.lookup(m.product.rawValue)
        let evaluation: ISM1460Evaluation
        if let product {
            evaluation = evaluator.evaluate(
                product, attestations: attestations.filter { $0.product == product.id },
                measured: measured.filter { $0.product == product.id })
        } else {
            evaluation = evaluator.notInCatalog(product: m.product, name: m.name)
        }
        var verdict = evaluation.verdict
        verdict.subject = m.product
        return MechanismAssessment(
            mechanism: m, catalogProduct: product?.id,
            controls: [ControlAssessment(verdict: verdict, ism1460: evaluation)])
    }
}
