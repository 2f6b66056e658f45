import BulkheadModel
import Checks
import Discovery
import Foundation
import Testing

/// One loopback predicate (Formats' `ParseSupport.beyondLoopback`) behind every Checks caller: qemu.conf's
/// console addresses (`libvirt.graphics-listen`), systemd's `ListenStream=` (`SystemdSockets.isLoopback`) and log
/// destinations (`logging.central`). Each caller sees the same forms the same way: 127.0.0.0/8, ::1 however it is
/// spelled, the v4-mapped ::ffff:127.x, localhost; a bracketed IPv6 address with a port where the syntax has one.
@Suite struct LoopbackTests {
    static let loopback = ["127.0.0.1", "127.1.2.3", "localhost", "LocalHost", "::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"]
    static let beyond = ["0.0.0.0", "::", "192.0.2.10", "2001:db8::1", "::ffff:192.0.2.10", "logs.example.org", "128.0.0.1"]

    func graphics(_ listen: String) throws -> Finding? {
        let text = "vnc_listen = \"\(listen)\"\n"
        let conf = try LibvirtQEMUConfParser.parse(Data(text.utf8), source: "qemu.conf").value
        let daemon = DaemonConfiguration(product: "libvirt", path: "/etc/libvirt/qemu.conf", settings: .libvirtQEMU(conf))
        return CheckRunner(catalog: Fixture.catalog).run(
            CheckInput(facts: HostFacts(collectedAt: Fixture.collectedAt, source: "test"), daemons: [daemon]),
            selection: CheckSelection(only: ["libvirt.graphics-listen"])
        ).findings.first
    }

    @Test func consoleListenAddresses() throws {
        for h in Self.loopback {
            let f = try graphics(h)
            #expect(f?.outcome == .pass && f?.observed?.contains("(loopback)") == true, "\(h): \(f?.observed ?? "")")
        }
        // libvirt writes the address without brackets, but a bracketed one is the same address.
        #expect(try graphics("[::1]")?.outcome == .pass)
        for h in Self.beyond + ["[::]", ""] {
            #expect(try graphics(h)?.outcome == .fail, "\(h)")
        }
    }

    @Test func systemdListenStream() {
        for h in Self.loopback {
            let listen = h.contains(":") ? "[\(h)]:16509" : "\(h):16509"
            #expect(SystemdSockets.isLoopback(listen), "\(listen)")
        }
        for h in Self.beyond {
            let listen = h.contains(":") ? "[\(h)]:16509" : "\(h):16509"
            #expect(!SystemdSockets.isLoopback(listen), "\(listen)")
        }
        // A port alone binds every address; a path, an abstract name or vsock is no TCP address at all.
        for notLoopback in ["16509", "/run/libvirt/libvirt-sock", "@libvirt", "vsock:2:16509", "", "[::1]", "[::1:16509", "127.0.0.1"] {
            #expect(!SystemdSockets.isLoopback(notLoopback), "\(notLoopback)")
        }
        #expect(SystemdSockets.isLoopback(" [::1]:1 "))
    }

    @Test func logDestinations() throws {
        let suite = LogCoverageTests()
        func central(_ target: String) -> Finding? {
            let obs = suite.observations([
                "/etc/rsyslog.conf": LogCoverageTests.debianRsyslogInputs, "/etc/rsyslog.d/50-remote.conf": "*.* @@\(target)\n",
                "/etc/systemd/journald.conf": LogCoverageTests.debianJournald,
            ])
            return suite.central(obs)
        }
        for h in Self.loopback {
            let target = h.contains(":") ? "[\(h)]:514" : "\(h):514"
            #expect(central(target)?.outcome == .fail, "\(target)")
        }
        // The any-address reaches this host too when it is a destination.
        for h in ["0.0.0.0", "::"] {
            let target = h.contains(":") ? "[\(h)]:514" : "\(h):514"
            #expect(central(target)?.outcome == .fail, "\(target)")
        }
        for h in ["192.0.2.10", "2001:db8::1", "::ffff:192.0.2.10", "logs.example.org", "128.0.0.1"] {
            let target = h.contains(":") ? "[\(h)]:514" : "\(h):514"
            let f = central(target)
            #expect(f?.outcome == .pass, "\(target): \(f?.observed ?? f?.reason ?? "")")
        }
    }
}
