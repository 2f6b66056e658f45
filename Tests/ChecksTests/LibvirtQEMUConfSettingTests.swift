import BulkheadModel
import Checks
import Discovery
import Foundation
import Testing

/// qemu.conf settings judged from libvirt's own words: the values libvirt refuses, and the tailoring that
/// says a setting does not apply to the host.
@Suite struct LibvirtQEMUConfSettingTests {
    let catalog = Fixture.catalog

    func judge(_ id: String, _ text: String, tailoring: String? = nil) throws -> Finding? {
        let conf = try LibvirtQEMUConfParser.parse(Data(text.utf8), source: "qemu.conf").value
        let daemon = DaemonConfiguration(product: "libvirt", path: "/etc/libvirt/qemu.conf", settings: .libvirtQEMU(conf))
        let t = try tailoring.map { try Tailoring.parse(Array($0.utf8), source: "t.json", catalog: catalog) }
        let report = CheckRunner(catalog: catalog).run(
            CheckInput(facts: HostFacts(collectedAt: Fixture.collectedAt, source: "test"), daemons: [daemon]),
            selection: CheckSelection(only: [id]), tailoring: t)
        return report.findings.first { $0.checkID == id }
    }

    /// qemu.conf's default console address (issue 15: "vnc_listen/spice_listen on 0.0.0.0 without vnc_tls/spice_tls"),
    /// judged by its own words: "strong recommendation to enable TLS + x509 certificate verification when allowing
    /// public access".
    @Test func graphicsListen() throws {
        let id = "libvirt.graphics-listen"
        #expect(try judge(id, "")?.outcome == .pass)
        #expect(try judge(id, "vnc_listen = \"127.0.0.1\"\nspice_listen = \"::1\"\n")?.outcome == .pass)
        for listen in ["0.0.0.0", "::", "192.0.2.10", ""] {
            let f = try judge(id, "vnc_listen = \"\(listen)\"\n")
            #expect(f?.outcome == .fail && f?.observed?.contains("without vnc_tls") == true, "\(listen): \(f?.observed ?? "")")
        }
        // A UNIX socket takes preference over vnc_listen.
        #expect(try judge(id, "vnc_listen = \"0.0.0.0\"\nvnc_auto_unix_socket = 1\n")?.outcome == .pass)
        // TLS alone authenticates no client: the verify default is default_tls_x509_verify, then 0.
        #expect(try judge(id, "vnc_listen = \"0.0.0.0\"\nvnc_tls = 1\n")?.outcome == .fail)
        #expect(try judge(id, "vnc_listen = \"0.0.0.0\"\nvnc_tls = 1\ndefault_tls_x509_verify = 1\n")?.outcome == .pass)
        #expect(
            try judge(id, "vnc_listen = \"0.0.0.0\"\nvnc_tls = 1\ndefault_tls_x509_verify = 1\nvnc_tls_x509_verify = 0\n")?.outcome == .fail)
        #expect(try judge(id, "vnc_listen = \"0.0.0.0\"\nvnc_tls = 1\nvnc_sasl = 1\n")?.outcome == .pass)
        let password = try judge(id, "vnc_listen = \"0.0.0.0\"\nvnc_tls = 1\nvnc_password = \"XYZ12345\"\n")
        #expect(password?.outcome == .pass && password?.observed?.contains("XYZ12345") == false)
        // SPICE has no client certificate option: TLS with a password or SASL.
        #expect(try judge(id, "spice_listen = \"0.0.0.0\"\n")?.outcome == .fail)
        #expect(try judge(id, "spice_listen = \"0.0.0.0\"\nspice_tls = 1\n")?.outcome == .fail)
        #expect(try judge(id, "spice_listen = \"0.0.0.0\"\nspice_tls = 1\nspice_sasl = 1\n")?.outcome == .pass)
        // Values libvirt refuses, and an unreadable file, are never a pass.
        #expect(try judge(id, "vnc_listen = 0\n")?.outcome.label == "inconclusive")
        #expect(try judge(id, "vnc_listen = \"0.0.0.0\"\nvnc_tls = \"yes\"\n")?.outcome.label == "inconclusive")
        let unreadable = DaemonConfiguration(
            product: "libvirt", path: "/etc/libvirt/qemu.conf", settings: nil, problems: [Problem(subject: "qemu.conf", message: "permission denied")]
        )
        let report = CheckRunner(catalog: catalog).run(
            CheckInput(facts: HostFacts(collectedAt: Fixture.collectedAt, source: "test"), daemons: [unreadable]),
            selection: CheckSelection(only: [id]))
        #expect(report.findings.first?.outcome.label == "inconclusive")
    }

    @Test func migrateTLSForce() throws {
        let id = "libvirt.migrate-tls"
        #expect(try judge(id, "migrate_tls_force = 1\n")?.outcome == .pass)
        #expect(try judge(id, "migrate_tls_force = 0\n")?.outcome == .fail)
        let absent = try judge(id, "#migrate_tls_force = 0\n")
        #expect(absent?.outcome == .fail && absent?.observed?.contains("default 0") == true)
        // A value libvirt's virConfGetValueBool refuses is not read as the default.
        #expect(try judge(id, "migrate_tls_force = \"yes\"\n")?.outcome.label == "inconclusive")
        #expect(try judge(id, "migrate_tls_force = 2\n")?.outcome.label == "inconclusive")
        let tailored = try judge(
            id, "", tailoring: #"{"values": {"libvirt.migrate-tls": {"noMigration": true, "reason": "single host, guests never migrate"}}}"#)
        #expect(tailored?.outcome == .notApplicable)
        #expect(tailored?.evidence.contains { $0.claim.contains("never migrate") } == true)
        // Tailoring does not hide a host that does force TLS.
        #expect(
            try judge(
                id, "migrate_tls_force = 1\n", tailoring: #"{"values": {"libvirt.migrate-tls": {"noMigration": true, "reason": "r"}}}"#)?.outcome
                == .pass)
    }

    @Test func dynamicOwnership() throws {
        let id = "libvirt.dynamic-ownership"
        let absent = try judge(id, "#dynamic_ownership = 1\n")
        #expect(absent?.outcome == .pass && absent?.observed?.contains("default 1") == true)
        #expect(try judge(id, "dynamic_ownership = 1\n")?.outcome == .pass)
        #expect(try judge(id, "dynamic_ownership = 0\n")?.outcome == .fail)
        #expect(try judge(id, "dynamic_ownership = \"0\"\n")?.outcome.label == "inconclusive")
        #expect(try judge(id, "dynamic_ownership = [ 0 ]\n")?.outcome.label == "inconclusive")
        let allowed = try judge(
            id, "dynamic_ownership = 0\n", tailoring: #"{"values": {"libvirt.dynamic-ownership": {"allowed": true, "reason": "NFS root_squash"}}}"#)
        #expect(allowed?.outcome == .pass && allowed?.evidence.contains { $0.claim.contains("root_squash") } == true)
    }

    @Test func requireConfined() throws {
        let id = "libvirt.require-confined"
        let absent = try judge(id, "#security_require_confined = 1\n")
        #expect(absent?.outcome == .fail && absent?.observed?.contains("libvirt's default 0") == true)
        #expect(try judge(id, "security_require_confined = 1\n")?.outcome == .pass)
        #expect(try judge(id, "security_require_confined = 0\n")?.outcome == .fail)
        #expect(try judge(id, "security_require_confined = 2\n")?.outcome.label == "inconclusive")
        #expect(try judge(id, "security_require_confined = \"yes\"\n")?.outcome.label == "inconclusive")
        let allowed = try judge(
            id, "security_require_confined = 0\n",
            tailoring: #"{"values": {"libvirt.require-confined": {"allowed": true, "reason": "lab guests run unconfined"}}}"#)
        #expect(allowed?.outcome == .pass && allowed?.evidence.contains { $0.claim.contains("lab guests") } == true)
    }

    /// The older qemu.conf booleans are read as libvirt reads them too: a value it refuses (a string, 2) was taken as
    /// "not set" and so as libvirt's default, which passed; it is inconclusive now.
    @Test func olderBooleansRefuseWhatLibvirtRefuses() throws {
        let clear = "libvirt.clear-capabilities"
        #expect(try judge(clear, "clear_emulator_capabilities = 0\n")?.outcome == .fail)
        #expect(try judge(clear, "clear_emulator_capabilities = 1\n")?.outcome == .pass)
        #expect(try judge(clear, "#clear_emulator_capabilities = 1\n")?.outcome == .pass)
        #expect(try judge(clear, "clear_emulator_capabilities = \"no\"\n")?.outcome.label == "inconclusive")
        #expect(try judge(clear, "clear_emulator_capabilities = 2\n")?.outcome.label == "inconclusive")
        let driver = "libvirt.security-driver"
        #expect(try judge(driver, "security_driver = \"selinux\"\nsecurity_default_confined = 0\n")?.outcome == .fail)
        #expect(try judge(driver, "security_driver = \"selinux\"\nsecurity_default_confined = 1\n")?.outcome == .pass)
        let refused = try judge(driver, "security_driver = \"selinux\"\nsecurity_default_confined = \"off\"\n")
        if case .inconclusive(let reason)? = refused?.outcome {
            #expect(reason.contains("\"off\""), "\(reason)")
        } else {
            Issue.record("security_default_confined = \"off\" gave \(String(describing: refused?.outcome))")
        }
        // security_driver = "none" fails whatever the other setting says.
        #expect(try judge(driver, "security_driver = \"none\"\nsecurity_default_confined = \"off\"\n")?.outcome == .fail)
    }
}
