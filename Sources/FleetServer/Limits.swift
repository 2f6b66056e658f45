import Foundation
import NIOConcurrencyHelpers

/// How much the server takes before it refuses with 429 or 503: token buckets per enrolled host and per
/// source address, and a bound on submissions being processed and waiting.
public struct ServerLimits: Sendable {
    /// Submissions of one enrolled host, charged once its envelope signature verified.
    public var perHost: RateLimiter.Rate?
    /// Unauthenticated requests of one source address: every enrolment request, and every request refused
    /// as unauthenticated (unknown host, bad signature or token, stale timestamp, malformed envelope).
    public var perAddress: RateLimiter.Rate?
    /// Submissions verified and stored at the same time; more wait in a queue of `queuedSubmissions`.
    public var concurrentSubmissions: Int
    /// Submissions waiting for a slot; past this a submission is refused at once with 503 and Retry-After.
    public var queuedSubmissions: Int

    /// Findings the dashboard shows in one table (the estate's filter, a host's page); past this it shows this
    /// many and says so. The API and the exports have no cap (`FleetDatabase.allFindings`).
    public var dashboardFindings: Int = 5000
    /// Hosts read at a time by the streamed findings API and exports.
    public var findingsHostsPerPage: Int = 50
    /// Hosts one page of the dashboard's hosts table shows (and its list of hosts that stopped reporting); the
    /// next page starts after the page's last host name (`/?hosts-after=NAME`).
    public var dashboardHosts: Int = 100
    /// Findings one page of the estate's findings table shows (`/?FILTER&findings-after=NAME`, keyset by host name):
    /// whole hosts, with the count of every finding that matches; a host with more than a page alone shows its
    /// findings to `dashboardFindings`.
    public var dashboardFindingsPage: Int = 500
    /// The count above the estate's findings table stops here and says "more than N": counting every match of a
    /// broad filter on a large estate (165,357 findings of `verdict=fail` at 10,000 hosts: 0.8–1.1 s of SQL) would
    /// be paid again after every ingest, while counting to N stops as soon as N + 1 rows are seen.
    public var dashboardFindingsCount: Int = 10_000
    public static let maxDashboardHosts = 10_000
    /// The largest `dashboardFindings` and `findingsHostsPerPage` bulkhead-server accepts: what one request holds in
    /// memory stays bounded.
    public static let maxDashboardFindings = 100_000
    public static let maxFindingsHostsPerPage = 10_000
    public static let maxDashboardFindingsCount = 10_000_000

    public static let defaultPerHost = RateLimiter.Rate(count: 120, seconds: 3600)
    public static let defaultPerAddress = RateLimiter.Rate(count: 60, seconds: 60)

    public init(
        perHost: RateLimiter.Rate? = Self.defaultPerHost, perAddress: RateLimiter.Rate? = Self.defaultPerAddress, concurrentSubmissions: Int = 16,
        queuedSubmissions: Int = 512
    ) {
        self.perHost = perHost
        self.perAddress = perAddress
        self.concurrentSubmissions = max(1, concurrentSubmissions)
        self.queuedSubmissions = max(0, queuedSubmissions)
    }
}

/// Token buckets keyed by a name (a host, an address): each holds at most `count` tokens and gains `count`
/// every `seconds`; a request takes one, and without one it is refused with the seconds until the next.
/// The table is bounded: past `maxKeys` names, buckets that have refilled completely are forgotten (a full
/// bucket and no bucket are the same), and if none has, all are.
public final class RateLimiter: Sendable {
    public struct Rate: Sendable, Equatable, CustomStringConvertible {
        public var count: Int
        public var seconds: Double
        public init(count: Int, seconds: Double) {
            self.count = count
            self.seconds = seconds
        }

        /// `COUNT/SECONDS` (as in `120/3600`), or `off` for no limit (nil).
        public static func parse(_ text: String) throws(FleetServerError) -> Rate? {
            if text == "off" { return nil }
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let count = Int(parts[0]), let seconds = Double(parts[1]), count >= 1, seconds > 0, seconds.isFinite else {
                throw FleetServerError(.usage, "a rate limit is COUNT/SECONDS with both above zero, as in 120/3600, or off")
            }
            return Rate(count: count, seconds: seconds)
        }

        public var description: String { "\(count)/\(seconds.formatted(.number.grouping(.never)))" }
        var perSecond: Double { Double(count) / seconds }
    }

    struct Bucket {
        var tokens: Double
        var updated: Double
    }

    public let rate: Rate
    let maxKeys: Int
    private let buckets = NIOLockedValueBox<[String: Bucket]>([:])

    public init(_ rate: Rate, maxKeys: Int = 100_000) {
        self.rate = rate
        self.maxKeys = max(1, maxKeys)
    }

    /// Monotonic seconds (the buckets' clock unless a caller gives its own `now`).
    public static func monotonicNow() -> Double {
        return Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }

    /// Takes a token for `key`: nil when granted, else the whole seconds (≥ 1) until one is available.
    public func take(_ key: String, now: Double = RateLimiter.monotonicNow()) -> Int? {
        let rate = rate
        let maxKeys = maxKeys
        return buckets.withLockedValue { table in
            var bucket = table[key] ?? Bucket(tokens: Double(rate.count), updated: now)
            bucket.tokens = min(Double(rate.count), bucket.tokens + max(0, now - bucket.updated) * rate.perSecond)
            bucket.updated = now
            let wait: Int?
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                wait = nil
            } else {
                wait = max(1, Int(((1 - bucket.tokens) / rate.perSecond).rounded(.up)))
            }
            if table[key] == nil, table.count >= maxKeys {
                table = table.filter { _, old in old.tokens + (now - old.updated) * rate.perSecond < Double(rate.count) }
                if table.count >= maxKeys { table.removeAll(keepingCapacity: true) }
            }
            table[key] = bucket
            return wait
        }
    }

    /// Whether `key` has a token now, without taking it: nil when it has, else the seconds until it will.
    public func check(_ key: String, now: Double = RateLimiter.monotonicNow()) -> Int? {
        let rate = rate
        return buckets.withLockedValue { table in
            guard let bucket = table[key] else { return nil }
            let tokens = min(Double(rate.count), bucket.tokens + max(0, now - bucket.updated) * rate.perSecond)
            return tokens >= 1 ? nil : max(1, Int(((1 - tokens) / rate.perSecond).rounded(.up)))
        }
    }

    /// How many names have a bucket.
    public var keyCount: Int { buckets.withLockedValue { $0.count } }
}

/// At most `running` submissions processed at once and `queued` waiting (in arrival order); past that,
/// `enter` answers false at once, before the body is read, and the caller refuses with 503.
final class AdmissionGate: Sendable {
    struct State {
        var running = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
        var head = 0
    }
    let limit: Int
    let queueLimit: Int
    private let state = NIOLockedValueBox(State())

    init(running: Int, queued: Int) {
        limit = running
        queueLimit = queued
    }

    func enter() async -> Bool {
        enum Decision { case go, wait, refuse }
        let decision: Decision = state.withLockedValue { state in
            if state.running < limit {
                state.running += 1
                return .go
            }
            return state.waiting.count - state.head < queueLimit ? .wait : .refuse
        }
        switch decision {
        case .go: return true
        case .refuse: return false
        case .wait:
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLockedValue { state in
                    // A slot may have opened between the decision and now.
                    if state.running < limit {
                        state.running += 1
                        return true
                    }
                    state.waiting.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
            return true
        }
    }

    /// Frees a slot: the oldest waiter takes it over.
    func leave() {
        let next: CheckedContinuation<Void, Never>? = state.withLockedValue { state in
            guard state.head < state.waiting.count else {
                state.running -= 1
                return nil
            }
            let continuation = state.waiting[state.head]
            state.head += 1
            if state.head > 1024, state.head * 2 > state.waiting.count {
                state.waiting.removeFirst(state.head)
                state.head = 0
            }
            return continuation
        }
        next?.resume()
    }

    var inUse: (running: Int, waiting: Int) { state.withLockedValue { ($0.running, $0.waiting.count - $0.head) } }
}
