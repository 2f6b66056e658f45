import BulkheadTestSupport
import Foundation
import Testing

/// deploy/: the systemd units, the Ansible role and the Kubernetes DaemonSet, each checked by the tool that
/// runs it (systemd-analyze, ansible-playbook, the Kubernetes OpenAPI schema), and each check shown to fail on a
/// broken copy.
@Suite struct DeployTests {
    static let deploy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("deploy")
    static let environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]

    static func text(_ relative: String) throws -> String {
        try String(contentsOf: deploy.appendingPathComponent(relative), encoding: .utf8)
    }

    /// The units with /usr/local/bin pointing at this build's binaries, in `dir`.
    static func units(in dir: URL) throws -> URL {
        let bin = dir.appendingPathComponent("bin")
        let units = dir.appendingPathComponent("units")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: units, withIntermediateDirectories: true)
        for product in ["bulkhead", "bulkhead-server"] {
            try FileManager.default.createSymbolicLink(at: bin.appendingPathComponent(product), withDestinationURL: builtExecutable(product))
        }
        for unit in ["bulkhead-agent.service", "bulkhead-agent.timer", "bulkhead-server.service"] {
            let text = try Self.text("systemd/\(unit)").replacingOccurrences(of: "/usr/local/bin/", with: bin.path + "/")
            try text.write(to: units.appendingPathComponent(unit), atomically: false, encoding: .utf8)
        }
        return units
    }

    @Test(.enabled(if: Tool.runs("systemd-analyze"), "needs systemd-analyze (systemd)"))
    func systemdUnitsVerify() throws {
        let analyze = try #require(Tool.find("systemd-analyze"))
        let dir = try TempTree()
        let units = try Self.units(in: dir.url)
        for unit in ["bulkhead-agent.service", "bulkhead-agent.timer", "bulkhead-server.service"] {
            let run = try runBulkhead(["verify", units.appendingPathComponent(unit).path], in: dir.url, executable: analyze)
            #expect(run.status == 0 && run.stderr.isEmpty, "\(unit): \(run.stderr)")
        }
        // The check can fail: a misspelt directive is reported.
        let broken = units.appendingPathComponent("bulkhead-broken.service")
        try (try Self.text("systemd/bulkhead-agent.service") + "ProtectSytem=strict\n").write(to: broken, atomically: false, encoding: .utf8)
        let run = try runBulkhead(["verify", broken.path], in: dir.url, executable: analyze)
        #expect(run.stderr.contains("ProtectSytem"), "systemd-analyze did not report the misspelt directive: \(run.stderr)")
    }

    /// `systemd-analyze security --offline`: the agent (root, bounded to two capabilities) and the server (a
    /// dynamic user with none) stay in systemd's "OK" band.
    @Test(.enabled(if: Tool.runs("systemd-analyze"), "needs systemd-analyze (systemd)"))
    func systemdExposure() throws {
        let analyze = try #require(Tool.find("systemd-analyze"))
        let dir = try TempTree()
        for (unit, limit) in [("bulkhead-agent.service", 3.0), ("bulkhead-server.service", 2.0)] {
            let path = Self.deploy.appendingPathComponent("systemd/\(unit)").path
            let run = try runBulkhead(["security", "--offline=true", "--no-pager", path], in: dir.url, executable: analyze)
            let line = try #require(
                run.stdout.split(separator: "\n").first { $0.contains("Overall exposure level") }, "\(unit): \(run.stdout.suffix(400))")
            // "→ Overall exposure level for X.service: 2.8 OK 🙂" (":-)" for the emoji outside a UTF-8 locale).
            let after = try #require(line.range(of: ".service: "), "\(line)").upperBound
            let score = try #require(line[after...].split(separator: " ").first.flatMap { Double($0) }, "\(line)")
            #expect(score <= limit, "\(unit): exposure \(score) > \(limit)")
        }
    }

    /// The agent's privileges are the same two capabilities in the systemd unit and in the DaemonSet.
    @Test func agentCapabilitiesAgree() throws {
        let unit = try Self.text("systemd/bulkhead-agent.service")
        let bounding = try #require(unit.split(separator: "\n").first { $0.hasPrefix("CapabilityBoundingSet=") })
        #expect(
            Set(bounding.dropFirst("CapabilityBoundingSet=".count).split(separator: " ").map(String.init)) == [
                "CAP_DAC_READ_SEARCH", "CAP_SYS_PTRACE",
            ])
        let daemonSet = try Self.text("kubernetes/bulkhead-agent.yaml")
        #expect(daemonSet.contains(#"add: ["DAC_READ_SEARCH", "SYS_PTRACE"]"#))
        #expect(daemonSet.contains(#"drop: ["ALL"]"#))
        #expect(daemonSet.contains("readOnly: true"))
        #expect(!daemonSet.contains("privileged: true"))
    }

    @Test(.enabled(if: Tool.runs("ansible-playbook"), "needs ansible-playbook (.ci/run installs ansible-core)"))
    func ansibleSyntax() throws {
        let playbook = try #require(Tool.find("ansible-playbook"))
        let dir = try TempTree()
        let ansible = Self.deploy.appendingPathComponent("ansible")
        let run = try runBulkhead(
            ["--syntax-check", "-i", "inventory.example.ini", "site.yml"], in: dir.url, environment: Self.environment, executable: playbook,
            workingDirectory: ansible)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        // The check can fail: a copy of the role with a module that does not exist is refused.
        let copy = dir.url.appendingPathComponent("ansible")
        try FileManager.default.copyItem(at: ansible, to: copy)
        let tasks = copy.appendingPathComponent("roles/bulkhead_agent/tasks/main.yml")
        try (try String(contentsOf: tasks, encoding: .utf8) + "\n- name: Broken\n  ansible.builtin.no_such_module:\n    x: 1\n")
            .write(to: tasks, atomically: false, encoding: .utf8)
        let broken = try runBulkhead(
            ["--syntax-check", "-i", "inventory.example.ini", "site.yml"], in: dir.url, environment: Self.environment, executable: playbook,
            workingDirectory: copy)
        #expect(broken.status != 0, "a role with an unknown module passed the syntax check")
    }

    @Test(.enabled(if: Tool.runs("kubernetes-validate"), "needs kubernetes-validate from PyPI (.ci/run installs it)"))
    func kubernetesSchema() throws {
        let validate = try #require(Tool.find("kubernetes-validate"))
        let dir = try TempTree()
        let manifest = Self.deploy.appendingPathComponent("kubernetes/bulkhead-agent.yaml")
        let run = try runBulkhead(
            ["--strict", "-k", "1.30.0", manifest.path], in: dir.url, environment: Self.environment, executable: validate)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("daemonset/bulkhead-agent"), "\(run.stdout)")
        // The check can fail: a misspelt field is refused under --strict.
        let broken = dir.url.appendingPathComponent("broken.yaml")
        try (try String(contentsOf: manifest, encoding: .utf8)).replacingOccurrences(of: "readOnlyRootFilesystem", with: "readOnlyRootFileSystem")
            .write(to: broken, atomically: false, encoding: .utf8)
        let refused = try runBulkhead(["--strict", "-k", "1.30.0", broken.path], in: dir.url, environment: Self.environment, executable: validate)
        #expect(refused.status != 0, "a misspelt field passed: \(refused.stdout)")
    }
}
