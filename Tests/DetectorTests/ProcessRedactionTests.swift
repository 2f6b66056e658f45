import BulkheadModel
import Discovery
import Foundation
import HostInspection
import Testing

/// Issue 13: `ProcessScanner` redacts a command line as it reads it, and the QEMU parser no longer redacts a
/// process's arguments a second time. Every credential must still be redacted, and exactly once.
@Suite("Process credentials through discovery")
struct ProcessRedactionTests {
    @Test("a QEMU command line read from /proc has every credential redacted, exactly once")
    func credentialsRedactedOnce() throws {
        let host = try TempRoot()
        let argv = [
            "/usr/bin/qemu-system-x86_64", "-name", "guest=vault,debug-threads=on",
            "-object", "secret,id=sec0,data=objectpw",
            "-object", #"{"qom-type":"secret","id":"sec1","data":"jsonobjectpw"}"#,
            "-spice", "port=5901,addr=127.0.0.1,password=spicepw",
            "-drive", "file=rbd:pool/img:id=admin:key=AQBkZXZpY2Uta2V5:auth_supported=cephx,if=virtio",
            "-blockdev", "driver=https,url=https://bob:httpspw@images.example/d.img,node-name=h0",
            "-blockdev", #"{"driver":"ssh","node-name":"s0","server":{"host":"h"},"path":"/d","password":"sshpw"}"#,
            "-device", #"{"driver":"virtio-blk-pci","drive":"h0","id":"disk0"}"#,
        ]
        let secrets = ["objectpw", "jsonobjectpw", "spicepw", "AQBkZXZpY2Uta2V5", "httpspw", "sshpw"]
        try host.write("/usr/bin/qemu-system-x86_64", "ELF")
        try host.write("/proc/4242/cmdline", argv.joined(separator: "\0") + "\0")
        try host.write("/proc/4242/status", "Name:\tqemu-system-x86\nPPid:\t1\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n")
        try host.write("/proc/4242/stat", "4242 (qemu-system-x86) S 1 4242 4242 0 -1 4194560\n")
        try host.symlink("/proc/4242/exe", to: "/usr/bin/qemu-system-x86_64")

        let (facts, result) = DiscoveryEngine().run(root: host.root)
        let process = try #require(facts.processes.first { $0.pid == 4242 })
        let guest = try #require(result.mechanisms.first { $0.product == "qemu" }?.guests.first)
        guard case .qemu(let c)? = guest.configuration else {
            Issue.record("no QEMU configuration: \(guest.problems)")
            return
        }
        let stored =
            String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
            + String(decoding: try JSONEncoder().encode(facts), as: UTF8.self)
        for secret in secrets { #expect(!stored.contains(secret), "\(secret) stored") }
        // One marker where each credential was, none doubled: the parser kept the scanner's redaction as it is.
        #expect(process.arguments == Redaction.arguments(argv))
        #expect(c.raw == process.arguments)
        let raw = c.raw.joined(separator: "\n")
        #expect(raw.components(separatedBy: Redaction.marker).count - 1 == secrets.count, "\(raw)")
        #expect(!raw.contains(Redaction.marker + Redaction.marker))
        #expect(c.objects.first { $0.id == "sec0" }?.properties["data"] == Redaction.marker)
        #expect(c.objects.first { $0.id == "sec1" }?.properties["data"] == Redaction.marker)
        #expect(c.displays.first { $0.kind == .spice }?.passwordSet == true)
        #expect(c.devices.contains { $0.driver == "virtio-blk-pci" && $0.id == "disk0" })
    }
}
