public import BulkheadModel

/// What the lab can run (`bulkhead lab list`): each mechanism with the catalog product it exercises and
/// its variants, and every scenario.
public struct LabCatalog: Encodable, Sendable {
    public struct Mechanism: Encodable, Sendable {
        public var mechanism: LabMechanism
        public var product: ProductID
        public var variants: [Variant]
    }
    public struct Variant: Encodable, Sendable {
        public var name: String
        public var summary: String
    }
    public struct ScenarioSummary: Encodable, Sendable {
        public var id: String
        public var title: String
        public var threat: String
        public var severity: Severity
        public var controls: [ControlID]
    }

    public var mechanisms: [Mechanism]
    public var scenarios: [ScenarioSummary]

    /// Every mechanism, variant and scenario this build knows.
    public static var current: LabCatalog {
        LabCatalog(
            mechanisms: LabMechanism.allCases.map { m in
                Mechanism(
                    mechanism: m, product: m.product, variants: LabVariant.known(for: m).map { Variant(name: $0.name, summary: $0.summary) })
            },
            scenarios: Scenarios.all.map {
                ScenarioSummary(id: $0.id, title: $0.title, threat: $0.threat, severity: $0.severity, controls: $0.controls)
            })
    }
}
