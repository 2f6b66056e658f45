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

    func findingsCount(_ key: String, at state: State) -> Int? {
        entries.withLockedValue { entries in entries.findingsCounts[key].flatMap { $0.0 == state ? $0.1 : nil } }
    }

    func keep(findingsCount count: Int, _ key: String, at state: State) {
        entries.withLockedValue { entries in
            if entries.findingsCounts.count >= Self.maxEntries { entries.findingsCounts = [:] }
            entries.findingsCounts[key] = (state, count)
        }
    }

    private let entries = NIOLockedValueBox(Entries())

    func posture(_ key: String, at state: State) -> [FleetDatabase.PostureRow]? {
        entries.withLockedValue { entries in entries.posture[key].flatMap { $0.0 == state ? $0.1 : nil } }
    }

    func keep(posture rows: [FleetDatabase.PostureRow], _ key: String, at state: State) {
        entries.withLockedValue { entries in
            if entries.posture.count >= Self.maxEntries { entries.posture = [:] }
            entries.posture[key] = (state, rows)
        }
    }

    func failingChecks(_ limit: Int, at state: State) -> [FleetDatabase.FailingCheckRow]? {
        entries.withLockedValue { entries in entries.failingChecks[limit].flatMap { $0.0 == state ? $0.1 : nil } }
    }

    func keep(failingChecks rows: [FleetDatabase.FailingCheckRow], _ limit: Int, at state: State) {
        entries.withLockedValue { entries in
            if entries.failingChecks.count >= Self.maxEntries { entries.failingChecks = [:] }
            entries.failingChecks[limit] = (state, rows)
        }
    }
}
