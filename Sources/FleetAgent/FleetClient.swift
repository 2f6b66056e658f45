import AsyncHTTPClient
public import FleetProtocol
public import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// Talks to a fleet server: enrolment and signed submissions, over HTTPS (or plain HTTP on loopback for
/// tests), trusting the system roots or only the CA in `--ca FILE` (pinned, for air-gapped sites).
public final class FleetClient: Sendable {
    public let server: URL
    let http: HTTPClient

    public init(server: String, caFile: String? = nil) throws(FleetAgentError) {
        guard let url = URL(string: server), let scheme = url.scheme, ["https", "http"].contains(scheme), url.host != nil else {
            throw FleetAgentError(.usage, "the server URL must be https://HOST:PORT (or http:// for a test server)")
        }
        self.server = url
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            } catch {
                throw FleetAgentError(.usage, "cannot read the CA certificate \(caFile): \(error)")
            }
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow)
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(120))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func shutdown() async { try? await http.shutdown() }

    // A client dropped without `shutdown()` (an error path) is shut down here rather than crashing the process.
    deinit { http.shutdown { _ in } }

    /// What the server said to a request.
    public enum Outcome: Sendable {
        /// 2xx with its body.
        case accepted(status: Int, body: Data)
        /// 4xx/5xx with the server's error, when it sent one, and the seconds its `Retry-After` asked to wait
        /// (capped at `RetryAfter.maximum`; nil without a valid header).
        case refused(status: Int, error: ErrorResponse?, retryAfter: TimeInterval? = nil)
        /// No answer (connection refused, reset, timeout, TLS failure).
        case unreachable(String)

        /// Worth keeping to send again: the server was not there, or said to retry (5xx, 408, 429).
        public var isRetryable: Bool {
            switch self {
            case .accepted: false
            case .refused(let status, _, _): status >= 500 || status == 408 || status == 429
            case .unreachable: true
            }
        }

        public var summary: String {
            switch self {
            case .accepted(let status, _): "HTTP \(status)"
            case .refused(let status, let error, let retryAfter):
                "HTTP \(status)" + (error.map { ": \($0.error.code): \($0.error.message)" } ?? "")
                    + (retryAfter.map { "; Retry-After \(Int($0.rounded(.up))) s" } ?? "")
            case .unreachable(let reason): "server unreachable: \(reason)"
            }
        }

        /// The wait the server asked for with a retryable refusal (429, 503, …), when it sent `Retry-After`.
        public var retryAfter: TimeInterval? {
            if case .refused(_, _, let wait) = self, isRetryable { return wait }
            return nil
        }
    }

    func post(_ path: String, body: Data, headers: [(String, String)], now: Date = Date()) async -> Outcome {
        let url = server.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + path
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await http.execute(request, timeout: .seconds(180))
            let data = Data((try await response.body.collect(upTo: 1 << 20)).readableBytesView)
            let status = Int(response.status.code)
            if (200..<300).contains(status) { return .accepted(status: status, body: data) }
            return .refused(
                status: status, error: try? FleetWire.decoder().decode(ErrorResponse.self, from: data),
                retryAfter: response.headers.first(name: "Retry-After").flatMap { RetryAfter.seconds($0, now: now) })
        } catch {
            return .unreachable(String(describing: error))
        }
    }

    /// Registers a new key for `host` with a one-time token.
    public func enrol(identity: inout AgentIdentity, host: String, token: String) async throws(FleetAgentError) -> EnrolResponse {
        let publicKey = identity.key.publicKey.rawRepresentation
        let proof: Data
        do {
            proof = try identity.key.signature(for: Data(FleetWire.enrolString(host: host, token: token, publicKey: publicKey).utf8))
        } catch {
            throw FleetAgentError(.badKey, "cannot sign with the agent key")
        }
        let request = EnrolRequest(host: host, token: token, publicKey: publicKey, proof: proof)
        let body: Data
        do { body = try FleetWire.encoder().encode(request) } catch { throw FleetAgentError(.io, "cannot encode the enrolment") }
        let outcome = await post(FleetWire.enrolPath, body: body, headers: [])
        guard case .accepted(_, let data) = outcome, let response = try? FleetWire.decoder().decode(EnrolResponse.self, from: data) else {
            throw FleetAgentError(outcome.isRetryable ? .unreachable : .rejected, "enrolment failed: \(outcome.summary)")
        }
        let state = AgentIdentity.State(host: host, server: server.absoluteString, keyID: response.keyID, enrolledAt: response.enrolledAt)
        try identity.saveState(state)
        identity.state = state
        return response
    }

    /// Sends one bundle, signed with the agent key (a fresh nonce and timestamp each time).
    public func submit(_ payload: BundlePayload, identity: AgentIdentity, now: Date = Date()) async -> Outcome {
        guard let host = identity.state?.host else { return .refused(status: 0, error: ErrorResponse(code: "notEnrolled", message: "not enrolled")) }
        let body: Data
        let headers: SubmissionEnvelope.Headers
        do {
            body = try FleetWire.encoder().encode(payload)
            headers = try SubmissionEnvelope.sign(body: body, host: host, key: identity.key, now: now)
        } catch {
            return .refused(status: 0, error: ErrorResponse(code: "local", message: "cannot sign the submission"))
        }
        return await post(FleetWire.submissionsPath, body: body, headers: headers.fields, now: now)
    }
}

/// One submission with the spool behind it: what `bulkhead assess --submit` and `bulkhead agent flush` do.
public struct Agent: Sendable {
    public let client: FleetClient
    public let identity: AgentIdentity
    public let spool: Spool
    /// The agent's clock (tests move it): when a `Retry-After` wait is over.
    public let now: @Sendable () -> Date

    public init(client: FleetClient, identity: AgentIdentity, spool: Spool, now: @escaping @Sendable () -> Date = { Date() }) {
        self.client = client
        self.identity = identity
        self.spool = spool
        self.now = now
    }

    public struct Report: Sendable {
        public var lines: [String] = []
        public var sent = 0
        public var spooled = 0
        public var failed = 0
        /// The server's `Retry-After` holds the spool until then: nothing is sent before.
        public var heldUntil: Date?
    }

    /// Records the server's `Retry-After` (from a retryable refusal) as the spool's hold, and says so.
    func holdIfAsked(_ outcome: FleetClient.Outcome, at time: Date, report: inout Report) {
        guard let wait = outcome.retryAfter, wait > 0 else { return }
        let until = time.addingTimeInterval(wait)
        do {
            let recorded = try spool.hold(until: until)
            report.heldUntil = recorded
            report.lines.append(
                "The server asked to wait \(Int(wait.rounded(.up))) s (Retry-After): nothing is sent before \(Spool.timestamp(recorded))")
        } catch {
            report.lines.append("\(error.message); the server's Retry-After is not recorded")
        }
    }

    /// Sends a new bundle; keeps it in the spool when the server is unreachable or asks to retry. After a
    /// successful send, whatever was spooled is sent too.
    public func submit(_ payload: BundlePayload) async throws(FleetAgentError) -> Report {
        var report = Report()
        let time = now()
        if let until = spool.heldUntil(), until > time {
            // The server said when to come back: the bundle waits in the spool, the server is not asked.
            report.lines += try spool.add(payload, now: time)
            report.spooled += 1
            report.heldUntil = until
            report.lines.append(
                "Not sent: the server asked not to send before \(Spool.timestamp(until)) (Retry-After); kept in the spool \(spool.directory): `bulkhead agent flush URL` sends it then"
            )
            return report
        }
        let outcome = await client.submit(payload, identity: identity, now: time)
        switch outcome {
        case .accepted(let status, let body):
            spool.releaseHold()
            report.sent += 1
            let response = try? FleetWire.decoder().decode(SubmissionResponse.self, from: body)
            report.lines.append(
                "Submitted bundle \(payload.bundleSHA256.prefix(16)) to \(client.server.absoluteString): "
                    + (response.map { $0.duplicate ? "already stored as assessment \($0.id)" : "stored as assessment \($0.id)" }
                        ?? "HTTP \(status)"))
            let flushed = try await flush()
            report.lines += flushed.lines
            report.sent += flushed.sent
            report.failed += flushed.failed
        case _ where outcome.isRetryable:
            report.lines += try spool.add(payload)
            report.spooled += 1
            report.lines.append("Not sent (\(outcome.summary)); kept in the spool \(spool.directory): `bulkhead agent flush URL` sends it")
            holdIfAsked(outcome, at: time, report: &report)
        default:
            report.failed += 1
            report.lines.append("The server refused the bundle: \(outcome.summary)")
        }
        return report
    }

    /// Sends the spool, oldest first; stops at the first unreachable answer (the rest stay). Entries the
    /// server refuses for good (4xx) are left in place and reported.
    public func flush() async throws(FleetAgentError) -> Report {
        var report = Report()
        let entries = try spool.entries()
        let time = now()
        if !entries.isEmpty, let until = spool.heldUntil(), until > time {
            report.failed += 1
            report.heldUntil = until
            report.lines.append(
                "Not flushing: the server asked not to send before \(Spool.timestamp(until)) (Retry-After); \(entries.count) entr\(entries.count == 1 ? "y stays" : "ies stay") in the spool"
            )
            return report
        }
        for entry in entries {
            let payload: BundlePayload
            do {
                payload = try spool.load(entry)
            } catch {
                report.failed += 1
                report.lines.append("\(error.message); left in place")
                continue
            }
            let sentAt = now()
            let outcome = await client.submit(payload, identity: identity, now: sentAt)
            switch outcome {
            case .accepted:
                spool.releaseHold()
                spool.remove(entry)
                report.sent += 1
                report.lines.append("Sent spooled bundle \(entry.name)")
            case _ where outcome.isRetryable:
                report.lines.append("Stopped flushing: \(outcome.summary); \(entry.name) and later entries stay in the spool")
                report.failed += 1
                holdIfAsked(outcome, at: sentAt, report: &report)
                return report
            default:
                report.failed += 1
                report.lines.append("The server refused spooled bundle \(entry.name): \(outcome.summary); left in place")
            }
        }
        return report
    }
}
