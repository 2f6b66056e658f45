/// Parsed facts of a guest configuration (filled in by the Discovery parser).
public struct QEMUConfiguration: Codable, Hashable, Sendable {
    /// The raw arguments or source the facts were parsed from, kept for evidence.
    public var raw: [String]
    public init(raw: [String] = []) { self.raw = raw }
}
