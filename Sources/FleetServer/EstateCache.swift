import NIOConcurrencyHelpers

/// The estate summaries one server instance last read — the recorded posture per filter, the checks failing across
/// hosts, the dashboard's count of findings per filter — each with the estate state it was read at (`FleetDatabase.estateState`: which assessment is each host's
/// latest). A read whose state is unchanged answers from here; any ingest that moves a pointer changes the state, so
/// the next read is from the database again. Waivers are not cached (the posture applies those in force per request),
/// nor is anything else. Bounded: at most `maxEntries` summaries, all forgotten when full.
final class EstateCache: Sendable {
    struct State: Equatable, Sendable {
        var count: Int64
        var max: Int64
        var sums: String
    }

    static let maxEntries = 256

    private struct Entries {
        var posture: [String: (State, [FleetDatabase.PostureRow])] = [:]
        var failingChecks: [Int: (State, [FleetDatabase.FailingCheckRow])] = [:]
        var findingsCounts: [String: (State, Int)] = [:]
    }

    private let entries = NIOLockedValueBox(Entries())

    /// The summary kept under `key` in `table` when it was read at `state`, else nil.
    private func read<Key: Hashable, Value>(_ table: KeyPath<Entries, [Key: (State, Value)]>, _ key: Key, at state: State) -> Value? {
        entries.withLockedValue { entries in entries[keyPath: table][key].flatMap { $0.0 == state ? $0.1 : nil } }
    }

    /// Keeps `value` under `key` in `table`, read at `state` (the table forgotten first when full).
    private func keep<Key: Hashable, Value>(
        _ value: Value, _ table: WritableKeyPath<Entries, [Key: (State, Value)]>, _ key: Key, at state: State
    ) {
        entries.withLockedValue { entries in
            if entries[keyPath: table].count >= Self.maxEntries { entries[keyPath: table] = [:] }
            entries[keyPath: table][key] = (state, value)
        }
    }

    func findingsCount(_ key: String, at state: State) -> Int? { read(\.findingsCounts, key, at: state) }

    func keep(findingsCount count: Int, _ key: String, at state: State) { keep(count, \.findingsCounts, key, at: state) }

    func posture(_ key: String, at state: State) -> [FleetDatabase.PostureRow]? { read(\.posture, key, at: state) }

    func keep(posture rows: [FleetDatabase.PostureRow], _ key: String, at state: State) { keep(rows, \.posture, key, at: state) }

    func failingChecks(_ limit: Int, at state: State) -> [FleetDatabase.FailingCheckRow]? { read(\.failingChecks, limit, at: state) }

    func keep(failingChecks rows: [FleetDatabase.FailingCheckRow], _ limit: Int, at state: State) {
        keep(rows, \.failingChecks, limit, at: state)
    }
}
