import ArgumentParser
import Assessment
import BulkheadModel
import FleetAgent
import FleetProtocol
import Foundation
import HostInspection
import Reporting

/// `bulkhead agent`: this host as a member of a fleet (docs/fleet.md).
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Enrol this host with a Bulkhead fleet server and send it the spooled submissions.",
        discussion: """
            `bulkhead-server enrol --host NAME` prints a one-time token; `bulkhead agent enrol URL TOKEN --host NAME` \
            creates this host's Ed25519 key (0600) and registers its public key. From then on `bulkhead assess \
            --submit URL` uploads the signed evidence bundle of each assessment; when the server cannot be reached \
            the bundle waits in the spool and `bulkhead agent flush URL` sends it.
            """,
        subcommands: [AgentEnrol.self, AgentFlush.self])
}

struct AgentConnection: ParsableArguments {
    @Option(help: ArgumentHelp("The agent's private key.", valueName: "FILE"))
    var key = AgentIdentity.defaultKeyPath

    @Option(help: ArgumentHelp("Trust only this CA certificate (PEM) for the server's TLS certificate.", valueName: "FILE"))
    var ca: String?

    func client(_ url: String) throws -> FleetClient {
        do { return try FleetClient(server: url, caFile: ca) } catch { throw ValidationError(error.message) }
    }
}

struct SpoolOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Where submissions wait when the server cannot be reached.", valueName: "DIR"))
    var spool = Spool.defaultDirectory

    @Option(help: ArgumentHelp("The most submissions the spool keeps (the oldest is dropped first).", valueName: "N"))
    var spoolMaxEntries = Spool.defaultMaxEntries

    @Option(help: ArgumentHelp("The most bytes the spool keeps (the oldest is dropped first).", valueName: "BYTES"))
    var spoolMaxBytes = Spool.defaultMaxBytes

    var value: Spool { Spool(directory: spool, maxEntries: spoolMaxEntries, maxBytes: spoolMaxBytes) }
}

struct AgentEnrol: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enrol", abstract: "Create this host's key and register it with the server using a one-time token.")

    @Argument(help: ArgumentHelp("The server, https://HOST:PORT.", valueName: "URL")) var url: String
    @Argument(help: ArgumentHelp("The token `bulkhead-server enrol` printed.", valueName: "TOKEN")) var token: String
    @Option(help: ArgumentHelp("The host name the token was issued for (default: this machine's host name).", valueName: "NAME"))
    var host: String?
    @OptionGroup var connection: AgentConnection

    func run() async throws {
        let name = host ?? ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "localhost"
        guard FleetWire.isValidHostName(name) else { throw ValidationError("--host must be letters, digits, '.', '-' and '_'") }
        let client = try connection.client(url)
        defer { Task { await client.shutdown() } }
        do {
            var identity = try AgentIdentity.create(at: connection.key)
            let response = try await client.enrol(identity: &identity, host: name, token: token)
            print("Enrolled host \(response.host) with key \(response.keyID) at \(url); key \(connection.key)")
        } catch {
            // A key made for an enrolment the server refused is removed, so the next try can create one.
            if error.code != .io { try? FileManager.default.removeItem(atPath: connection.key) }
            await client.shutdown()
            throw CLIError(.failed, error.message)
        }
        await client.shutdown()
    }
}

struct AgentFlush: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flush", abstract: "Send the spooled submissions, oldest first; each is removed once the server stored it.")

    @Argument(help: ArgumentHelp("The server, https://HOST:PORT.", valueName: "URL")) var url: String
    @OptionGroup var connection: AgentConnection
    @OptionGroup var spool: SpoolOptions

    func run() async throws {
        let client = try connection.client(url)
        let report: Agent.Report
        do {
            let identity = try AgentIdentity.load(keyPath: connection.key)
            report = try await Agent(client: client, identity: identity, spool: spool.value).flush()
        } catch {
            await client.shutdown()
            throw CLIError(.failed, error.message)
        }
        await client.shutdown()
        for line in report.lines { printError(line) }
        print("Flushed \(report.sent) submission(s); \(report.failed) not sent; \((try? spool.value.entries().count) ?? 0) left in \(spool.spool)")
        if report.failed > 0 { throw ExitCode(1) }
    }
}

extension Assess {
    /// `--submit URL`: the bundle of this assessment, signed with the agent key, sent (or spooled).
    func submitBundle(_ report: AssessmentReport, evidence: HostEvidence, to url: String) async throws {
        let identity: AgentIdentity
        let key: SigningKey
        do {
            identity = try AgentIdentity.load(keyPath: fleet.key)
            key = try SigningKey.load(path: fleet.key)
        } catch {
            throw CLIError(.input, "cannot submit: \(BulkheadErrorText.describe(error))")
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-submit-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        } catch {
            throw CLIError(.output, "cannot create a scratch directory for the bundle", cause: error)
        }
        defer { try? FileManager.default.removeItem(at: scratch) }
        let bundlePath = scratch.appendingPathComponent("bundle").path
        try writeBundle(report, to: bundlePath, key: key, evidence: evidence, quiet: true)
        let payload: BundlePayload
        do { payload = try BundlePayload.read(directory: bundlePath) } catch {
            throw CLIError(.output, "cannot read back the bundle: \(error.message)")
        }
        let client = try fleet.client(url)
        let result: Agent.Report
        do {
            result = try await Agent(client: client, identity: identity, spool: spoolOptions.value).submit(payload)
        } catch {
            await client.shutdown()
            throw CLIError(.failed, error.message)
        }
        await client.shutdown()
        for line in result.lines { printError(line) }
        if result.failed > 0 && result.sent == 0 && result.spooled == 0 { throw CLIError(.failed, "the server refused the submission") }
    }
}
