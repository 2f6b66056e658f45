import BulkheadModel
import Checks
import Foundation
import HostInspection
import Testing

@Suite struct LoggingChecksTests {
    let catalog = Fixture.catalog
    let libvirt = IsolationMechanism(product: "libvirt", name: "libvirt", version: "9.0.0", role: .management, state: .running)
    let runc = IsolationMechanism(product: "runc", name: "runc", role: .containerRuntime, state: .installed)

    func host(processes: [String]) -> HostFacts {
        var facts = HostFacts(collectedAt: Fixture.collectedAt, source: "test")
        facts.processes = processes.enumerated().map { i, name in
            HostProcess(pid: Int32(100 + i), name: name, executable: "/usr/sbin/\(name)", arguments: ["/usr/sbin/\(name)"])
        }
        return facts
    }

    func audit(_ facts: HostFacts, _ obs: HostObservations?, _ m: IsolationMechanism) -> Finding? {
        let f = catalog.run("logging.audit-coverage", CheckInput(facts: facts, mechanisms: [m], observations: obs))
        #expect(f.count == 1)
        return f.first
    }

    @Test func debianDefaultRulesDoNotCoverLibvirt() throws {
        let obs = try Fixture.observations("debian-auditd")
        let f = try #require(audit(host(processes: ["systemd", "auditd"]), obs, libvirt))
        #expect(f.outcome == .fail)
        #expect(f.observed?.contains("4 audit rules, none watching libvirt") == true)
        // The container example rules name "container-create" keys and "truncate"-free syscalls: no runc match.
        #expect(audit(host(processes: ["auditd"]), obs, runc)?.outcome == .fail)
    }

    @Test func virtRulesCoverLibvirtQemuAndKVM() throws {
        let obs = try Fixture.observations("debian-virt-audited")
        let f = try #require(audit(host(processes: ["auditd"]), obs, libvirt))
        #expect(f.outcome == .pass)
        #expect(f.evidence.contains { $0.source == .file(path: "/etc/audit/rules.d/60-virt.rules", sha256: nil) })
        let qemu = IsolationMechanism(product: "qemu", name: "QEMU", role: .vmm, state: .running)
        #expect(audit(host(processes: ["auditd"]), obs, qemu)?.outcome == .pass)
        // auditd not running: the rules are never loaded.
        #expect(audit(host(processes: ["systemd"]), obs, libvirt)?.outcome == .fail)
    }

    @Test func auditInconclusiveWhenRulesUnreadableOrNotCollected() throws {
        var obs = try Fixture.observations("debian-auditd")
        obs.files = obs.files.filter { !$0.key.hasPrefix("/etc/audit") }
        obs.files["/etc/audit/audit.rules"] = .unreadable("permission denied (run as root to read it)")
        obs.listed["/etc/audit/rules.d"] = .unreadable("permission denied (run as root to read it)")
        #expect(audit(host(processes: ["auditd"]), obs, libvirt)?.reason?.contains("permission denied") == true)
        #expect(audit(host(processes: ["auditd"]), nil, libvirt)?.reason != nil)
    }

    @Test func ruleMatchingIsByNameNotSubstring() {
        #expect(LoggingProbe.names("-a always,exit -F arch=b64 -S truncate,ftruncate -k perm", ["runc"]) == false)
        #expect(LoggingProbe.names("-w /usr/bin/runc -p x -k runc", ["runc"]) == true)
        #expect(LoggingProbe.names("-w /etc/passwd -p wa -k qemu", ["qemu"]) == false)
        #expect(LoggingProbe.names("-w /etc/xen/ -p wa", ["/etc/xen"]) == true)
    }

    @Test func centralLogging() throws {
        let local = try Fixture.observations("debian-auditd")
        let f = try #require(catalog.host("logging.central", host(processes: ["rsyslogd"]), observations: local))
        #expect(f.outcome == .fail)
        // Issue 15: the remote action ships the journal only because rsyslog's imuxsock is fed by journald's
        // ForwardToSyslog (Debian's compiled default, shown in its journald.conf); the fixture had no journald.conf.
        var remote = try Fixture.observations("debian-virt-audited")
        remote.files["/etc/systemd/journald.conf"] = .content(LogCoverageTests.debianJournald)
        let p = try #require(catalog.host("logging.central", host(processes: ["rsyslogd"]), observations: remote))
        #expect(p.outcome == .pass)
        #expect(p.observed?.contains("@@logs.example.org:6514") == true)
        // Issue 15: a running forwarder no longer passes on its process alone; without its configuration it is unknown.
        #expect(catalog.host("logging.central", host(processes: ["fluent-bit"]))?.reason != nil)
        #expect(catalog.host("logging.central", host(processes: ["rsyslogd"]))?.reason != nil)
        var unreadable = local
        unreadable.files["/etc/rsyslog.conf"] = .unreadable("permission denied")
        #expect(
            catalog.host("logging.central", host(processes: ["rsyslogd"]), observations: unreadable)?.reason?.contains("permission denied") == true)
    }

    /// Issue 15: a forwarder must ship the mechanism's logs. A remote action for some facilities only, or a journal
    /// receiver (systemd-journal-remote ships nothing), is not central logging of this host.
    @Test func centralLoggingNeedsEveryFacilityForwarded() throws {
        var obs = try Fixture.observations("debian-auditd")
        obs.files["/etc/systemd/journald.conf"] = .content(LogCoverageTests.debianJournald)
        obs.listed["/etc/rsyslog.d"] = .present
        for (selector, passes) in [
            ("*.*", true), ("*.info;mail.none", true), ("*.=notice", true), ("mail.* ", false), ("auth,authpriv.*", false), ("*.err", false),
            ("*.!info", false),
        ] {
            obs.files["/etc/rsyslog.d/50-remote.conf"] = .content("\(selector) @@logs.example.org:6514\n")
            let f = catalog.host("logging.central", host(processes: ["rsyslogd"]), observations: obs)
            #expect(f?.outcome == (passes ? .pass : .fail), "\(selector): \(f?.outcome.label ?? "-")")
        }
        obs.files["/etc/rsyslog.d/50-remote.conf"] = .absent
        #expect(catalog.host("logging.central", host(processes: ["rsyslogd", "systemd-journal-remote"]), observations: obs)?.outcome == .fail)
        // Issue 15: systemd-journal-upload ships the journal only to a URL it is given (journal-upload.conf or --url=);
        // running without one it ships nothing (LogCoverageTests.journalUpload covers the URL forms).
        #expect(catalog.host("logging.central", host(processes: ["rsyslogd", "systemd-journal-upload"]), observations: obs)?.outcome == .fail)
    }

    /// Issue 15: an installed and initialised AIDE passes only when its rules cover the mechanism's files; with no
    /// mechanism there is nothing to cover (LogCoverageTests has the rule semantics).
    @Test func integrityMonitoring() throws {
        var facts = host(processes: ["systemd"])
        facts.kernel.commandLine = ["ro", "quiet"]
        facts.packages = [InstalledPackage(name: "systemd", version: "252.38-1~deb12u1", manager: "dpkg")]
        let qemu = Fixture.installedQEMU
        func judge(_ facts: HostFacts, _ obs: HostObservations?) -> Finding? {
            catalog.run("logging.integrity-monitoring", CheckInput(facts: facts, mechanisms: [qemu], observations: obs)).first
        }
        var obs = try Fixture.observations("debian-auditd")
        #expect(judge(facts, obs)?.outcome == .fail)
        facts.packages.append(InstalledPackage(name: "aide", version: "0.18.3-1+deb12u3", manager: "dpkg"))
        let uninit = try #require(judge(facts, obs))
        #expect(uninit.outcome == .fail && uninit.observed?.contains("never initialised") == true)
        obs.files["/var/lib/aide/aide.db"] = .present
        obs.files["/etc/aide/aide.conf"] = .content("/ 0 Full\n")
        #expect(judge(facts, obs)?.outcome == .pass)
        #expect(judge(facts, nil)?.reason != nil)  // nothing observed
        var ima = host(processes: [])
        ima.kernel.commandLine = ["ima_policy=tcb"]
        #expect(judge(ima, obs)?.outcome == .pass)
        #expect(catalog.host("logging.integrity-monitoring", HostFacts(collectedAt: Fixture.collectedAt, source: "x"))?.reason != nil)
    }
}

/// Exposes the audit-rule matcher to the tests through the public check behaviour.
enum LoggingProbe {
    static func names(_ rule: String, _ keywords: [String]) -> Bool {
        // Build a one-rule host and ask the real check, so the test exercises the shipped matcher.
        var obs = HostObservations(observedAt: Fixture.collectedAt, source: "probe")
        obs.files["/etc/audit/audit.rules"] = .content(rule + "\n")
        obs.listed["/etc/audit/rules.d"] = .absent
        var facts = HostFacts(collectedAt: Fixture.collectedAt, source: "probe")
        facts.processes = [HostProcess(pid: 1, name: "auditd", arguments: [])]
        let product = keywords == ["runc"] ? "runc" : keywords == ["qemu"] ? "qemu" : "xen"
        let m = IsolationMechanism(product: ProductID(product), name: product, role: .vmm, state: .running)
        let f = Fixture.catalog.run("logging.audit-coverage", CheckInput(facts: facts, mechanisms: [m], observations: obs))
        return f.first?.outcome == .pass
    }
}

@Suite struct LifecycleChecksTests {
    let catalog = Fixture.catalog
    let day: TimeInterval = 86_400
    let doc = Evidence.Source.document(url: "https://www.qemu.org/download/", title: "QEMU releases")

    func mechanism(_ version: String?) -> IsolationMechanism {
        IsolationMechanism(
            product: "qemu", name: "QEMU", version: version, role: .vmm, state: .installed,
            evidence: version.map {
                [
                    Evidence(
                        claim: "version \($0)", source: .package(name: "qemu-system-x86", version: $0, manager: "dpkg"),
                        observedAt: Fixture.collectedAt, confidence: .high)
                ]
            } ?? [])
    }

    func run(_ version: String?, _ lifecycle: [SupportWindow]?) -> Finding? {
        let facts = HostFacts(collectedAt: Fixture.collectedAt, source: "test")
        let f = catalog.run("lifecycle.support-window", CheckInput(facts: facts, mechanisms: [mechanism(version)], lifecycle: lifecycle))
        #expect(f.count == 1)
        return f.first
    }

    @Test func supportWindow() throws {
        let now = Fixture.collectedAt
        let lines = [
            SupportWindow(product: "qemu", cycle: "7.2", supportEnds: now - 30 * day, source: doc),
            SupportWindow(product: "qemu", cycle: "10.1", supportEnds: now + 200 * day, source: doc),
            SupportWindow(product: "qemu", cycle: "9", supported: false, source: doc),
        ]
        // Debian 12's package version with its epoch: 1:7.2+dfsg-7+deb12u18.
        let old = try #require(run("1:7.2+dfsg-7+deb12u18", lines))
        #expect(old.outcome == .fail)
        #expect(old.evidence.contains { $0.source == doc })
        #expect(run("10.1.2", lines)?.outcome == .pass)
        #expect(run("9.2.0", lines)?.outcome == .fail)
        #expect(run("8.2.0", lines)?.reason?.contains("matches no release line") == true)
        #expect(run(nil, lines)?.reason?.contains("unknown") == true)
        #expect(run("10.1.2", nil)?.reason?.contains("no vendor lifecycle data") == true)
        #expect(run("10.1.2", [SupportWindow(product: "kvm", cycle: "6", source: doc)])?.reason?.contains("no support lifecycle for qemu") == true)
    }

    @Test func cycleMatchingIsNumericPrefix() {
        let line = SupportWindow(product: "qemu", cycle: "7.2", source: doc)
        #expect(line.matches(version: "7.2.0"))
        #expect(line.matches(version: "1:7.2+dfsg-7"))
        #expect(!line.matches(version: "7.20.1"))
        #expect(!line.matches(version: "7"))
    }

    @Test func hostOS() throws {
        let obs = try Fixture.observations("debian-auditd")
        let facts = HostFacts(collectedAt: Fixture.collectedAt, source: "test")
        let debian = [
            SupportWindow(
                product: "debian", cycle: "12", supportEnds: Fixture.collectedAt + 600 * day,
                source: .document(url: "https://www.debian.org/releases/", title: nil))
        ]
        #expect(catalog.run("lifecycle.host-os", CheckInput(facts: facts, observations: obs, lifecycle: debian)).first?.outcome == .pass)
        let ended = [
            SupportWindow(
                product: "debian", cycle: "12", supportEnds: Fixture.collectedAt - day,
                source: .document(url: "https://www.debian.org/releases/", title: nil))
        ]
        #expect(catalog.run("lifecycle.host-os", CheckInput(facts: facts, observations: obs, lifecycle: ended)).first?.outcome == .fail)
        #expect(catalog.run("lifecycle.host-os", CheckInput(facts: facts, lifecycle: ended)).first?.reason?.contains("os-release") == true)
    }
}
