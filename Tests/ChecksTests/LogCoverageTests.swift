import BulkheadModel
import Checks
import Foundation
import Testing

/// Issue 15: `logging.central` passes only on a forwarder shown to ship the journal or the mechanism's log
/// directory to a remote host, and `logging.integrity-monitoring` only when auditd watches, AIDE selection lines,
/// a Tripwire policy or an IMA tcb policy cover the discovered mechanism's configuration and binaries. Each
/// forwarder's and monitor's syntax is read from its real configuration: the probe fixtures hold the upstream
/// files (see their PROVENANCE.md); the texts below are the documented syntax of each tool with the one setting
/// that decides written in, and say so.
@Suite struct LogCoverageTests {
    let catalog = Fixture.catalog

    func facts(_ processes: [(String, [String])] = [("auditd", [])]) -> HostFacts {
        var f = HostFacts(collectedAt: Fixture.collectedAt, source: "test")
        f.processes = processes.enumerated().map { i, p in
            HostProcess(pid: Int32(200 + i), name: p.0, executable: "/usr/sbin/\(p.0)", arguments: ["/usr/sbin/\(p.0)"] + p.1)
        }
        f.kernel.commandLine = ["ro", "quiet"]
        return f
    }

    func observations(_ files: [String: String], listed: [String] = []) -> HostObservations {
        var obs = HostObservations(observedAt: Fixture.collectedAt, source: "test")
        for p in HostObservations.wantedFiles { obs.files[p] = .absent }
        for (dir, _) in HostObservations.wantedDirectories { obs.listed[dir] = .absent }
        for p in HostObservations.wantedExistence { obs.files[p] = .absent }
        for d in listed { obs.listed[d] = .present }
        for (p, t) in files {
            obs.files[p] = .content(t)
            let dir = (p as NSString).deletingLastPathComponent
            if HostObservations.wantedDirectories.contains(where: { $0.directory == dir }) { obs.listed[dir] = .present }
        }
        return obs
    }

    func central(_ obs: HostObservations, _ f: HostFacts? = nil, mechanisms: [IsolationMechanism] = []) -> Finding? {
        catalog.run("logging.central", CheckInput(facts: f ?? facts(), mechanisms: mechanisms, observations: obs)).first
    }

    /// `logging.central` on one of its fixture host trees (fixtures/PROVENANCE.md), read as `assess --root` reads a
    /// host: ProbeUnitTests checks each one's outcome, these tests also pin the reason.
    func centralFixture(_ name: String) throws -> Finding {
        let folder = try ProbeFolder.named("logging.central")
        let fixture = ProbeFixture(
            checkID: "logging.central", url: folder.fixtures.appendingPathComponent(name), expectation: name.hasPrefix("good") ? .good : .bad)
        return try #require(catalog.run("logging.central", try FixtureRunner.input(fixture)).first)
    }

    /// Debian 12's journald.conf shows the compiled default `#ForwardToSyslog=yes` (systemd 252.39-1~deb12u2).
    static let debianJournald = "[Journal]\n#Storage=auto\n#ForwardToSyslog=yes\n#ForwardToWall=yes\n"
    /// Debian 12's rsyslog.conf inputs (rsyslog 8.2302.0-1+deb12u2).
    static let debianRsyslogInputs =
        "module(load=\"imuxsock\") # provides support for local system logging\nmodule(load=\"imklog\")   # provides kernel logging support\n"

    @Test func rsyslogShipsTheJournalOnlyWhenItReadsIt() throws {
        let remote = "*.* @@logs.example.org:6514\n"
        // imuxsock fed by journald's (compiled-default) ForwardToSyslog=yes: the journal reaches the remote action.
        var obs = observations([
            "/etc/rsyslog.conf": Self.debianRsyslogInputs, "/etc/rsyslog.d/50-remote.conf": remote, "/etc/systemd/journald.conf": Self.debianJournald,
        ])
        let pass = try #require(central(obs))
        #expect(pass.outcome == .pass, "\(pass.observed ?? "")")
        #expect(pass.observed?.contains("imuxsock fed by /etc/systemd/journald.conf: #ForwardToSyslog=yes") == true)
        // journald told not to forward: the socket carries no journal, and nothing else feeds the action.
        obs.files["/etc/systemd/journald.conf.d/10-noforward.conf"] = .content("[Journal]\nForwardToSyslog=no\n")
        obs.listed["/etc/systemd/journald.conf.d"] = .present
        let fail = try #require(central(obs))
        #expect(fail.outcome == .fail)
        #expect(fail.observed?.contains("journald does not forward the journal") == true)
        // imjournal reads the journal itself.
        obs.files["/etc/rsyslog.d/00-journal.conf"] = .content("module(load=\"imjournal\" StateFile=\"imjournal.state\")\n")
        #expect(central(obs)?.outcome == .pass)
        // journald.conf unreadable: whether the socket carries the journal is unknown.
        obs.files["/etc/systemd/journald.conf"] = .unreadable("permission denied")
        obs.files["/etc/rsyslog.d/00-journal.conf"] = .absent
        #expect(central(obs)?.reason?.contains("/etc/systemd/journald.conf: permission denied") == true)
    }

    @Test func rsyslogFilteredOrLocalActionsDoNotShip() throws {
        for (text, reason) in [
            ("if $programname == 'sshd' then action(type=\"omfwd\" target=\"logs.example.org\" port=\"514\" protocol=\"tcp\")\n", "forwards only"),
            ("mail.* @@logs.example.org\n", "forwards only"),
            ("*.* action(type=\"omfwd\" target=\"127.0.0.1\" port=\"514\")\n", "not a remote destination"),
        ] {
            let obs = observations([
                "/etc/rsyslog.conf": Self.debianRsyslogInputs, "/etc/rsyslog.d/50-remote.conf": text,
                "/etc/systemd/journald.conf": Self.debianJournald,
            ])
            let f = try #require(central(obs))
            #expect(f.outcome == .fail, "\(text)")
            #expect(f.observed?.contains(reason) == true, "\(f.observed ?? "")")
        }
    }

    /// rsyslog's imfile documentation: a file input bound to a ruleset whose action is omfwd.
    @Test func rsyslogImfileRulesetShipsTheLibvirtLogs() throws {
        let conf = """
            module(load="imfile")
            input(type="imfile" File="/var/log/libvirt/qemu/*.log" Tag="qemu" Ruleset="remote")
            ruleset(name="remote") {
                action(type="omfwd" target="logs.example.org" port="6514" protocol="tcp")
            }

            """
        let libvirt = IsolationMechanism(product: "libvirt", name: "libvirt", role: .management, state: .running)
        let qemu = IsolationMechanism(product: "qemu", name: "QEMU", role: .vmm, state: .running)
        let obs = observations(["/etc/rsyslog.conf": conf, "/etc/systemd/journald.conf": "[Journal]\nForwardToSyslog=no\n"])
        // QEMU's logs are shipped; libvirt's own directory is covered by the QEMU glob below it.
        let f = try #require(central(obs, mechanisms: [libvirt, qemu]))
        #expect(f.outcome == .pass, "\(f.observed ?? "")")
        #expect(f.observed?.contains("/var/log/libvirt/qemu/*.log to logs.example.org") == true)
        // A Xen host's /var/log/xen is not shipped by it.
        let xen = IsolationMechanism(product: "xen", name: "Xen", role: .vmm, state: .running)
        let x = try #require(central(obs, mechanisms: [xen]))
        #expect(x.outcome == .fail)
        #expect(x.observed?.contains("Xen's /var/log/xen") == true)
    }

    @Test func journalUpload() throws {
        let debian = "[Upload]\n# URL=\n# ServerKeyFile=/etc/ssl/private/journal-upload.pem\n"
        #expect(central(observations(["/etc/systemd/journal-upload.conf": debian]))?.outcome == .fail)
        let set = observations(["/etc/systemd/journal-upload.conf": "[Upload]\nURL=https://logs.example.org:19532\n"])
        #expect(central(set)?.outcome == .pass)
        let local = observations(["/etc/systemd/journal-upload.conf": "[Upload]\nURL=http://localhost:19532\n"])
        #expect(central(local)?.outcome == .fail)
        // The URL on the command line (systemd-journal-upload --url=…).
        let argv = facts([("systemd-journal-upload", ["--save-state", "--url=https://logs.example.org:19532"])])
        #expect(central(observations(["/etc/systemd/journal-upload.conf": debian]), argv)?.outcome == .pass)
    }

    /// fluent-bit's systemd input documentation (fluent-bit-docs pipeline/inputs/systemd.md) reads only docker.service:
    /// its own configuration, and the same input with the syslog output documentation's remote server, are fixtures
    /// that fail. The documentation has no unfiltered systemd input, so the passing cases below are its syntax with
    /// the filter left out and a forward or http output to a remote host, in both syntaxes.
    @Test func fluentBitSystemdInputToARemoteOutput() throws {
        let docs = try centralFixture("bad-fluent-bit-docs-systemd-docker-stdout")
        #expect(docs.outcome == .fail)
        #expect(docs.observed?.contains("/etc/fluent-bit/fluent-bit.yaml: the systemd input reads only _SYSTEMD_UNIT=docker.service") == true)
        #expect(docs.observed?.contains("output stdout keeps logs on the host") == true, "\(docs.observed ?? "")")
        let filtered = try centralFixture("bad-fluent-bit-docs-systemd-docker-syslog-remote")
        #expect(filtered.outcome == .fail)
        #expect(
            filtered.observed?.contains("/etc/fluent-bit/fluent-bit.conf: the systemd input reads only _SYSTEMD_UNIT=docker.service") == true,
            "\(filtered.observed ?? "")")
        let classic = """
            [SERVICE]
                Flush        1
                Log_Level    info

            [INPUT]
                Name            systemd
                Tag             host.*

            [OUTPUT]
                Name   forward
                Match  *
                Host   logs.example.org
                Port   24224

            """
        let f = try #require(central(observations(["/etc/fluent-bit/fluent-bit.conf": classic])))
        #expect(f.outcome == .pass, "\(f.observed ?? "")")
        let yaml = """
            service:
                flush: 1
                log_level: info

            pipeline:
                inputs:
                    - name: systemd
                      tag: host.*
                outputs:
                    - name: http
                      match: 'host.*'
                      host: 192.0.2.10
                      port: 8080

            """
        #expect(central(observations(["/etc/fluent-bit/fluent-bit.yaml": yaml]))?.outcome == .pass)
        // Match that does not take the input's tag.
        let other = yaml.replacingOccurrences(of: "match: 'host.*'", with: "match: 'kube.*'")
        #expect(central(observations(["/etc/fluent-bit/fluent-bit.yaml": other]))?.outcome == .fail)
        // `@INCLUDE` of a collected file beside it.
        let main = "[SERVICE]\n    Flush 1\n@INCLUDE inputs.conf\n[OUTPUT]\n    Name forward\n    Match *\n    Host logs.example.org\n"
        let inc = observations([
            "/etc/fluent-bit/fluent-bit.conf": main, "/etc/fluent-bit/inputs.conf": "[INPUT]\n    Name tail\n    Path /var/log/xen/*.log\n",
        ])
        let xen = IsolationMechanism(product: "xen", name: "Xen", role: .vmm, state: .running)
        #expect(central(inc, mechanisms: [xen])?.outcome == .pass)
    }

    /// Vector's documented example configurations (website/generated/example-configs): the journald source with the
    /// elasticsearch sink passes, with the loki sink at its documented localhost fails (fixtures). Below, the journald
    /// source reference with an http sink: the transforms in between are followed.
    @Test func vectorJournaldThroughATransformToAnHTTPSink() throws {
        let docs = try centralFixture("good-vector-docs-journald-elasticsearch")
        #expect(docs.outcome == .pass, "\(docs.observed ?? "")")
        #expect(docs.observed?.contains("vector ships the journal to http://10.24.32.122:9000") == true, "\(docs.observed ?? "")")
        let loki = try centralFixture("bad-vector-docs-journald-loki-localhost")
        #expect(loki.outcome == .fail)
        #expect(loki.observed?.contains("sink my_sink_id (loki) keeps logs on the host") == true, "\(loki.observed ?? "")")
        let yaml = """
            sources:
              journal:
                type: journald
            transforms:
              tagged:
                type: remap
                inputs: ["journal"]
                source: |
                  .host = "hv1"
            sinks:
              collector:
                type: http
                inputs: ["tagged"]
                uri: https://logs.example.org/ingest
                encoding:
                  codec: json

            """
        let f = try #require(central(observations(["/etc/vector/vector.yaml": yaml])))
        #expect(f.outcome == .pass, "\(f.observed ?? "")")
        let console = yaml.replacingOccurrences(of: "type: http", with: "type: console").replacingOccurrences(
            of: "uri: https://logs.example.org/ingest", with: "")
        #expect(central(observations(["/etc/vector/vector.yaml": console]))?.outcome == .fail)
        let units = yaml.replacingOccurrences(of: "type: journald", with: "type: journald\n    include_units: [sshd]")
        #expect(central(observations(["/etc/vector/vector.yaml": units]))?.outcome == .fail)
        let toml = """
            [sources.journal]
            type = "journald"

            [sinks.out]
            type = "vector"
            inputs = [
              "journal",
            ]
            address = "192.0.2.20:6000"

            """
        #expect(central(observations(["/etc/vector/vector.toml": toml]))?.outcome == .pass)
    }

    /// Filebeat's journald input reference with the Logstash output reference's examples (fixtures: the remote host of
    /// its proxy_url example passes, the 127.0.0.1 of its first example fails); a disabled input ships nothing.
    @Test func filebeatJournaldToLogstash() throws {
        let f = try centralFixture("good-filebeat-docs-journald-logstash-remote")
        #expect(f.outcome == .pass, "\(f.observed ?? "")")
        #expect(f.observed?.contains("filebeat ships the journal to remote-host:5044") == true, "\(f.observed ?? "")")
        let l = try centralFixture("bad-filebeat-docs-journald-logstash-loopback")
        #expect(l.outcome == .fail)
        #expect(l.observed?.contains("output.logstash sends to 127.0.0.1:5044") == true, "\(l.observed ?? "")")
        // The journald input disabled: the remote output ships nothing.
        let disabled = "filebeat.inputs:\n- type: journald\n  id: everything\n  enabled: false\noutput.logstash:\n  hosts: [\"remote-host:5044\"]\n"
        let d = try #require(central(observations(["/etc/filebeat/filebeat.yml": disabled])))
        #expect(d.outcome == .fail)
        #expect(d.observed?.contains("the journald input everything is disabled") == true, "\(d.observed ?? "")")
        // The input in inputs.d, the output nested.
        let nested = "output:\n  elasticsearch:\n    hosts:\n      - https://es.example.org:9200\n"
        let external = "- type: filestream\n  id: libvirt\n  paths:\n    - /var/log/libvirt/**\n"
        let libvirt = IsolationMechanism(product: "libvirt", name: "libvirt", role: .management, state: .running)
        let obs = observations(["/etc/filebeat/filebeat.yml": nested, "/etc/filebeat/inputs.d/libvirt.yml": external])
        #expect(central(obs, mechanisms: [libvirt])?.outcome == .pass)
    }

    @Test func centralIsInconclusiveWhenUnreadOrUnknown() throws {
        var obs = observations([:])
        obs.files["/etc/rsyslog.conf"] = .unreadable("permission denied (run as root to read it)")
        #expect(central(obs)?.reason?.contains("permission denied") == true)
        // A forwarder whose configuration Bulkhead does not read.
        let f = try #require(central(observations([:]), facts([("fluentd", [])])))
        #expect(f.reason?.contains("fluentd runs") == true)
        #expect(catalog.run("logging.central", CheckInput(facts: facts())).first?.reason != nil)
        // Nothing read ships it, but without the process table an unread forwarder may run: unknown, not failed.
        #expect(central(observations([:]), facts([]))?.reason?.contains("process table was not observed") == true)
    }

    /// Hostile configurations end quickly and without a crash: YAML nested past Formats' YAMLReader bounds, or whose
    /// aliases expand past them, is not read (the forwarder would refuse it or could not be trusted to run what a
    /// guess says), so the check is inconclusive with the line; an object left open is dropped after 64 KiB, TOML
    /// that is not TOML is inconclusive with its line, a regular expression that could backtrack exponentially is
    /// not run.
    @Test func hostileConfigurationsAreBounded() throws {
        let nested = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let deepFlow = "sinks:\n  s:\n    type: http\n    uri: https://logs.example.org\n    inputs: \(nested)\n"
        let flow = try #require(central(observations(["/etc/vector/vector.yaml": deepFlow])))
        #expect(flow.outcome.label == "inconclusive")
        #expect(
            flow.reason?.contains("/etc/vector/vector.yaml line ") == true && flow.reason?.contains("not valid YAML") == true, "\(flow.reason ?? "")")
        var deepBlock = ""
        for n in 0..<1_000 { deepBlock += String(repeating: " ", count: n) + "k\(n):\n" }
        #expect(central(observations(["/etc/filebeat/filebeat.yml": deepBlock]))?.outcome.label == "inconclusive")
        var laughs = "sources:\n  j:\n    type: journald\nx0: &x0 [a, a, a, a, a, a, a, a, a, a]\n"
        for n in 1..<9 { laughs += "x\(n): &x\(n)\n" + String(repeating: "  - *x\(n - 1)\n", count: 10) }
        let bomb = try #require(central(observations(["/etc/vector/vector.yaml": laughs])))
        #expect(bomb.reason?.contains("expands to more than") == true, "\(bomb.reason ?? "")")
        let keyBomb = try #require(central(observations(["/etc/fluent-bit/fluent-bit.yaml": laughs + "k: {*x8 : 1}\n"])))
        #expect(keyBomb.reason?.contains("could be (part of) a mapping key") == true, "\(keyBomb.reason ?? "")")
        let openObjects = String(repeating: "action(\n", count: 100_000)
        #expect(central(observations(["/etc/rsyslog.conf": openObjects]))?.outcome == .fail)
        // Vector's TOML goes through Formats' strict TOML reader: an array never closed, or nested past its depth
        // bound, is not TOML, so Vector would not run it and the check says so instead of guessing a tree.
        let openArray = "[sinks.x]\ninputs = [\n" + String(repeating: "\"a\",\n", count: 100_000)
        let unclosed = try #require(central(observations(["/etc/vector/vector.toml": openArray])))
        #expect(unclosed.outcome.label == "inconclusive")
        #expect(unclosed.reason?.contains("/etc/vector/vector.toml: not valid TOML (line") == true)
        let deepTOML = "[sinks.x]\ninputs = \(nested)\n"
        #expect(central(observations(["/etc/vector/vector.toml": deepTOML]))?.outcome.label == "inconclusive")
        let longMatch =
            "[INPUT]\n    Name systemd\n    Tag " + String(repeating: "a", count: 100_000)
            + "\n[OUTPUT]\n    Name forward\n    Host logs.example.org\n    Match "
            + String(repeating: "*a", count: 50_000) + "b\n"
        #expect(central(observations(["/etc/fluent-bit/fluent-bit.conf": longMatch]))?.outcome == .fail)
        var f = facts()
        f.packages = [InstalledPackage(name: "aide", version: "0.18.3-1+deb12u5", manager: "dpkg")]
        var obs = observations(["/etc/aide/aide.conf": "/(.+)+x$ f Full\n"])
        obs.files["/var/lib/aide/aide.db"] = .present
        #expect(integrity(obs, f, [qemu])?.reason?.contains("not evaluated") == true)
    }

    // MARK: logging.integrity-monitoring

    let qemu = Fixture.installedQEMU
    let libvirt = IsolationMechanism(product: "libvirt", name: "libvirt", role: .management, state: .running)

    func integrity(_ obs: HostObservations, _ f: HostFacts, _ mechanisms: [IsolationMechanism]) -> Finding? {
        catalog.run("logging.integrity-monitoring", CheckInput(facts: f, mechanisms: mechanisms, observations: obs)).first
    }

    @Test func auditWatchesMustCoverConfigurationAndBinaryForWrites() throws {
        var obs = observations([
            "/etc/audit/rules.d/60-virt.rules": "-w /etc/libvirt/ -p wa -k virt-config\n-w /usr/bin/qemu-system-x86_64 -p x -k vmm-exec\n"
        ])
        obs.files["/etc/libvirt"] = .present
        let partial = try #require(integrity(obs, facts(), [libvirt, qemu]))
        #expect(partial.outcome == .fail)
        #expect(partial.observed?.contains("QEMU binary /usr/bin/qemu-system-x86_64") == true)
        #expect(partial.observed?.contains("for x only") == true)
        #expect(partial.observed?.contains("/etc/libvirt/qemu.conf by auditd") == true)
        obs.files["/etc/audit/rules.d/61-vmm.rules"] = .content(
            "-a always,exit -F arch=b64 -S openat,truncate -F path=/usr/bin/qemu-system-x86_64 -F perm=wa -k vmm\n")
        #expect(integrity(obs, facts(), [libvirt, qemu])?.outcome == .pass)
        // auditd not running: the watches are not loaded.
        #expect(integrity(obs, facts([("systemd", [])]), [libvirt, qemu])?.outcome == .fail)
        // No process table: whether the rules are loaded is unknown.
        #expect(integrity(obs, facts([]), [libvirt, qemu])?.reason?.contains("auditd") == true)
    }

    @Test func aideSelectionLinesAndExclusions() throws {
        var f = facts()
        f.packages = [InstalledPackage(name: "aide", version: "0.18.3-1+deb12u5", manager: "dpkg")]
        var obs = observations([
            "/etc/aide/aide.conf":
                "@@define BIN usr/bin\n/@@{BIN}/qemu-system-[a-z0-9_]+$ f Full\n/etc/libvirt/ 0 Full\n!/etc/libvirt/qemu/[^/]+\\\\.xml$ f\n"
        ])
        obs.files["/etc/libvirt"] = .present
        obs.files["/var/lib/aide/aide.db"] = .present
        #expect(integrity(obs, f, [libvirt, qemu])?.outcome == .pass)
        obs.files["/etc/aide/aide.conf"] = .content("/etc/libvirt/ 0 Full\n!/etc/libvirt/qemu\\\\.conf$\n")
        let excluded = try #require(integrity(obs, f, [libvirt, qemu]))
        #expect(excluded.outcome == .fail)
        #expect(excluded.observed?.contains("AIDE excludes /etc/libvirt/qemu.conf") == true)
        // Not initialised: AIDE checks nothing.
        obs.files["/var/lib/aide/aide.db"] = .absent
        #expect(integrity(obs, f, [libvirt, qemu])?.observed?.contains("never initialised") == true)
        // Its configuration unreadable: unknown, not failed.
        obs.files["/var/lib/aide/aide.db"] = .present
        obs.files["/etc/aide/aide.conf"] = .unreadable("permission denied")
        #expect(integrity(obs, f, [libvirt, qemu])?.reason?.contains("permission denied") == true)
    }

    @Test func imaTcbPolicyCoversWhatRootOpensAndRuns() throws {
        var f = facts()
        f.kernel.commandLine = ["ro", "ima_policy=tcb"]
        #expect(integrity(observations([:]), f, [qemu])?.outcome == .pass)
        // ima_appraise= alone loads no policy.
        f.kernel.commandLine = ["ro", "ima_appraise=fix"]
        #expect(integrity(observations([:]), f, [qemu])?.outcome == .fail)
        // No mechanism: nothing of one to cover.
        #expect(integrity(observations([:]), f, [])?.outcome == .notApplicable)
    }
}
