import BulkheadTestSupport
import Foundation
import Testing

/// deploy/ansible for real: the `bulkhead_agent` role run against this machine as `localhost` installs the built
/// `bulkhead`, enrols the host with a one-time token from a running `bulkhead-server`, submits a first
/// assessment the server stores, and installs the units; a second run changes nothing and submits nothing.
@Suite(
    .serialized,
    .enabled(if: TestPostgres.available && Tool.runs("ansible-playbook"), "needs PostgreSQL and ansible-playbook (.ci/run installs them)"))
struct AnsibleAgentRoleTests {
    static let ansible = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("deploy/ansible")

    @Test func roleInstallsEnrolsAndSubmitsOnLocalhost() async throws {
        let playbook = try #require(Tool.find("ansible-playbook"), "ansible-playbook is not installed")
        let database = try TestPostgres.freshDatabase("ansible")
        let dir = try FleetHarness.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = Int.random(in: 20_000...60_000)
        let url = "http://127.0.0.1:\(port)"
        let server = try EndToEndFleetTests.ServerProcess(database: database, port: port, log: dir.appendingPathComponent("server.log"))
        defer { server.kill() }
        try await server.waitUntilServing()
        // The operator's side with the URL in the environment (as the systemd unit gives it), not in argv.
        let enrol = try runBulkhead(
            ["enrol", "--host", "ansible-host"], in: dir, environment: ["BULKHEAD_DATABASE_URL": database],
            executable: builtExecutable("bulkhead-server").path)
        #expect(enrol.status == 0, "\(enrol.stderr)")
        let neither = try runBulkhead(["enrol", "--host", "other"], in: dir, executable: builtExecutable("bulkhead-server").path)
        #expect(neither.status == 64 && neither.stderr.contains("BULKHEAD_DATABASE_URL"), "\(neither.stderr)")
        let token = enrol.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let inventory = dir.appendingPathComponent("inventory.ini")
        try "[hypervisors]\nlocalhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n".write(
            to: inventory, atomically: false, encoding: .utf8)
        let variables: [String: Any] = [
            "bulkhead_server_url": url, "bulkhead_enrol_token": token, "bulkhead_host_name": "ansible-host",
            "bulkhead_binary_src": try builtExecutable("bulkhead").path, "bulkhead_bin_dir": dir.appendingPathComponent("bin").path,
            "bulkhead_state_dir": dir.appendingPathComponent("state").path, "bulkhead_config_dir": dir.appendingPathComponent("etc").path,
            "bulkhead_unit_dir": dir.appendingPathComponent("units").path, "bulkhead_manage_systemd": false,
            // Already root: no sudo (which this machine may not have).
            "ansible_become": false,
        ]
        for sub in ["bin", "units"] {
            try FileManager.default.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let varsFile = dir.appendingPathComponent("vars.json")
        try JSONSerialization.data(withJSONObject: variables).write(to: varsFile)
        let environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "ANSIBLE_LOCAL_TEMP": dir.appendingPathComponent("tmp").path,
            "ANSIBLE_REMOTE_TEMP": dir.appendingPathComponent("tmp").path, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "0",
        ]
        let arguments = ["-i", inventory.path, "site.yml", "-e", "@\(varsFile.path)"]
        let first = try runBulkhead(arguments, in: dir, environment: environment, executable: playbook, workingDirectory: Self.ansible)
        #expect(first.status == 0, "\(first.stdout.suffix(3000))\(first.stderr.suffix(2000))")

        // Installed, enrolled (a 0600 key), units pointing at the installed binary, one assessment stored.
        let key = dir.appendingPathComponent("state/agent.key").path
        let mode = try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int
        #expect(mode == 0o600, "agent key mode \(String(describing: mode))")
        let unit = try String(contentsOf: dir.appendingPathComponent("units/bulkhead-agent.service"), encoding: .utf8)
        #expect(unit.contains(dir.appendingPathComponent("bin").path + "/bulkhead assess --submit"))
        let env = try String(contentsOf: dir.appendingPathComponent("etc/agent.env"), encoding: .utf8)
        #expect(env.contains("BULKHEAD_SERVER_URL=\(url)") && !env.contains(token), "the token must not be kept: \(env)")
        let stored = try FleetHarness.sql(
            database, "SELECT count(*) FROM assessments a JOIN hosts h ON h.id = a.host_id WHERE h.name = 'ansible-host'")
        #expect(stored == "1", "assessments stored for ansible-host: \(stored)")

        // Run again: the host keeps its key (no second enrolment, which the spent token would refuse) and nothing
        // new is submitted.
        let second = try runBulkhead(arguments, in: dir, environment: environment, executable: playbook, workingDirectory: Self.ansible)
        #expect(second.status == 0, "\(second.stdout.suffix(3000))")
        #expect(second.stdout.contains("changed=0"), "second run changed something: \(second.stdout.suffix(1500))")
        #expect(try FleetHarness.sql(database, "SELECT count(*) FROM assessments") == "1")
    }
}
