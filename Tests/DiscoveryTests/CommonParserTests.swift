import BulkheadModel
import BulkheadTestSupport
import Formats
import Foundation
import Testing

@testable import Discovery

@Suite("Shared parser behaviour")
struct CommonParserTests {
    typealias ArgvParser = @Sendable ([String]) throws(ConfigParseError) -> Void
    static let argvParsers: [(String, ArgvParser)] = [
        ("qemu", { a throws(ConfigParseError) in _ = try QEMUArgvParser.parse(a) }),
        ("firecracker", { a throws(ConfigParseError) in _ = try FirecrackerParser.parseArgv(a) }),
        ("jailer", { a throws(ConfigParseError) in _ = try FirecrackerParser.parseJailer(a) }),
        ("cloud-hypervisor", { a throws(ConfigParseError) in _ = try CloudHypervisorArgvParser.parse(a) }),
        ("crosvm", { a throws(ConfigParseError) in _ = try CrosvmArgvParser.parse(a) }),
        ("runsc", { a throws(ConfigParseError) in _ = try GVisorArgvParser.parse(a) }),
        ("bwrap", { a throws(ConfigParseError) in _ = try BubblewrapArgvParser.parse(a) }),
    ]

    @Test(arguments: argvParsers.map(\.0))
    func argvBounds(_ name: String) throws {
        let parse = try #require(Self.argvParsers.first { $0.0 == name }?.1)
        #expect(parseError { () throws(ConfigParseError) in try parse([]) }?.code == .empty)
        #expect(parseError { () throws(ConfigParseError) in try parse([name] + Array(repeating: "--x", count: 20_000)) }?.code == .tooLarge)
        let long = parseError { () throws(ConfigParseError) in try parse([name, "--id", String(repeating: "v", count: 1 << 20)]) }
        #expect(long?.code == .tooLarge && long?.field == "argv[2]")
        // Many moderately long arguments together exceed the total limit.
        let total = parseError { () throws(ConfigParseError) in
            try parse([name] + Array(repeating: String(repeating: "w", count: 200_000), count: 30))
        }
        #expect(total?.code == .tooLarge)
        // Binary junk in arguments is not a crash.
        try parse([name, "\u{0}", "--\u{FFFD}", "-", "--", "=", ",,,", "{", "["])
    }

    typealias TextParser = @Sendable (Data) throws(ConfigParseError) -> Void
    static let textParsers: [(String, TextParser)] = [
        ("libvirt-xml", { d throws(ConfigParseError) in _ = try LibvirtDomainParser.parse(d, source: "t") }),
        ("qemu.conf", { d throws(ConfigParseError) in _ = try LibvirtQEMUConfParser.parse(d, source: "t") }),
        ("xl.cfg", { d throws(ConfigParseError) in _ = try XenConfigParser.parse(d, source: "t") }),
        ("xl.conf", { d throws(ConfigParseError) in _ = try XenConfigParser.parseToolstack(d, source: "t") }),
        ("firecracker-json", { d throws(ConfigParseError) in _ = try FirecrackerParser.parseConfigFile(d, source: "t") }),
    ]

    @Test(arguments: textParsers.map(\.0))
    func textBoundsAndEncoding(_ name: String) throws {
        let parse = try #require(Self.textParsers.first { $0.0 == name }?.1)
        #expect(parseError { () throws(ConfigParseError) in try parse(Data(repeating: 0x23, count: 5 << 20)) }?.code == .tooLarge)
        let bad = parseError { () throws(ConfigParseError) in try parse(Data("a = 1\n\n\u{7B}".utf8) + Data([0xC0, 0xAF])) }
        #expect(bad?.code == .invalidEncoding && bad?.line == 3)
        // A very long single value is bounded by the file limit and parsed without trouble.
        let longValue = "name = '" + String(repeating: "x", count: 1 << 20) + "'\n"
        do { try parse(Data(longValue.utf8)) } catch { #expect(!error.message.isEmpty) }
    }

    @Test func errorDescriptionNamesSourceLineAndField() {
        let e = ConfigParseError(.wrongType, source: "/etc/x.json", field: "machine-config.vcpu_count", line: 4, message: "expected an integer")
        #expect(e.description == "/etc/x.json:4 [machine-config.vcpu_count]: expected an integer [config.wrongType]")
        #expect(e.problem.subject == "/etc/x.json machine-config.vcpu_count")
        // The underlying error is kept as an error and described after the code.
        let nested = ConfigParseError(.malformed, source: "a.xml", line: 2, message: "malformed XML", cause: e)
        #expect(nested.description == "a.xml:2: malformed XML [config.malformed]: \(e.description)")
        #expect((nested.cause as? ConfigParseError) == e)
    }

    @Test func commandLineText() throws {
        let cmds = try CommandLineText.split(
            """
            # comment
            A=1 B='x y' /bin/prog -a 'q,w' "d\\"q" \\
              --x=$(cat /f g) e\\ f # trailing
            second "multi
            line"
            """)
        #expect(cmds.count == 2)
        #expect(cmds[0].environment == ["A=1", "B=x y"])
        #expect(cmds[0].argv == ["/bin/prog", "-a", "q,w", "d\"q", "--x=$(cat /f g)", "e f"])
        #expect(cmds[1].argv == ["second", "multi\nline"])
        #expect(parseError { () throws(ConfigParseError) in try CommandLineText.split("a 'b") }?.code == .malformed)
        #expect(parseError { () throws(ConfigParseError) in try CommandLineText.split("a \"b") }?.code == .malformed)
        #expect(try CommandLineText.split("a\nb", joinLines: true).first?.argv == ["a", "b"])
    }

    @Test func qemuOptionStringEdgeCases() {
        #expect(QEMUOptionString.parse("").isEmpty)
        #expect(QEMUOptionString.parse(",,,").map(\.key) == [","])
        #expect(QEMUOptionString.parse("pc,,x", impliedKey: "type").first?.value == "pc,x")
        #expect(QEMUOptionString.parse("a=b=c").first?.value == "b=c")
        #expect(QEMUOptionString.parse("x,", impliedKey: "k").map(\.key) == ["k"])
    }

    /// `QEMUOptionString.Lookup` reads every key as the dictionary does (a repeated key: the last value), on option
    /// strings with repeats, escapes, bare words and an implied key.
    @Test func optionLookupReadsAsTheDictionary() {
        let strings = [
            "", "a=1,a=2", "pc,accel=kvm:tcg,type=q35,usb=off", "x,,y=1,,2,x,,y=3", "noserver,server,wait=off,nowait",
            "guest=vm1,debug-threads=on,guest=vm2", "=,==,a==b", "on,obsolete=deny,enable=off,enable",
        ]
        for string in strings {
            let pairs = QEMUOptionString.parse(string, impliedKey: "implied")
            let dictionary = QEMUOptionString.dictionary(pairs)
            let lookup = QEMUOptionString.Lookup(pairs)
            for key in Set(pairs.map(\.key)).union(["missing", "", "implied"]) {
                #expect(lookup[key] == dictionary[key], "\(string) [\(key)]")
            }
        }
    }

    @Test func loopback() {
        for h in ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "::ffff:127.0.0.1"] {
            #expect(!ParseSupport.beyondLoopback(h), "\(h)")
        }
        for h in ["", "0.0.0.0", "::", "[::]", "10.0.0.1", "example.com", "*"] {
            #expect(ParseSupport.beyondLoopback(h), "\(h)")
        }
        #expect(ParseSupport.beyondLoopback(nil))
    }
}

@Suite("proc cmdline and fixture sweep")
struct ProcCmdlineTests {
    @Test func procCmdlineBuffer() {
        let (a, t) = CommandLineText.argv(procCmdline: Array("qemu\0-name\0guest=a\0\0-S\0".utf8))
        #expect(a == ["qemu", "-name", "guest=a", "", "-S"] && !t)
        let (b, tb) = CommandLineText.argv(procCmdline: Array("runsc\0--rootless\0bo".utf8))
        #expect(b == ["runsc", "--rootless", "bo"] && tb)
        let (c, _) = CommandLineText.argv(procCmdline: [0x71, 0xFF, 0x00])
        #expect(c == ["q\u{FFFD}"])
        #expect(CommandLineText.argv(procCmdline: []).argv.isEmpty)
    }

    /// This process's own /proc cmdline goes through the helper and the argv bounds.
    @Test(.enabled(if: Tool.hasFile("/proc/self/cmdline"), "needs /proc"))
    func ownProcCmdline() throws {
        let h = try #require(FileHandle(forReadingAtPath: "/proc/self/cmdline"), "/proc/self/cmdline unreadable")
        defer { try? h.close() }
        let bytes = [UInt8](try h.read(upToCount: 1 << 20) ?? Data())
        let (argv, truncated) = CommandLineText.argv(procCmdline: bytes)
        #expect(!argv.isEmpty && !truncated)
        #expect(argv == CommandLine.arguments)
    }

    /// Every QEMU fixture parses with every option recognised and no problem except `-readconfig`.
    @Test(arguments: [
        "qemu-args/proxmox-cfg2cmd/minimal-defaults.conf.cmd", "qemu-args/proxmox-cfg2cmd/q35-usb3.conf.cmd",
        "qemu-args/proxmox-cfg2cmd/sev-snp.conf.cmd", "qemu-args/proxmox-cfg2cmd/simple1.conf.cmd",
        "qemu-args/proxmox-cfg2cmd/spice-win.conf.cmd", "libvirt-xml-args-pairs/graphics-spice.x86_64-latest.args",
        "libvirt-xml-args-pairs/hostdev-vfio.x86_64-latest.args",
    ])
    func qemuFixtureSweep(_ path: String) throws {
        let r = try QEMUArgvParser.parse(try Fixture.argv(path), source: path)
        #expect(r.value.unrecognised.isEmpty)
        #expect(r.problems.allSatisfy { $0.subject.contains("-readconfig") })
        #expect(!r.value.devices.isEmpty && r.value.devices.allSatisfy { !$0.driver.isEmpty })
        #expect(r.value.monitors.allSatisfy { $0.endpoint.transport != .other })
        // libvirt's argv is hardened the way hardening.md §3c describes; Proxmox's is not.
        if path.hasPrefix("libvirt") {
            #expect(r.value.sandbox?.enabled == true && r.value.noDefaults && r.value.noUserConfig)
            #expect(r.value.machineOptions["dump-guest-core"] == "off")
        } else {
            #expect(r.value.sandbox == nil && r.value.runAsUser == nil && r.value.daemonize)
        }
    }
}

@Suite("Codable round trip")
struct RoundTripTests {
    func roundTrip<T: Codable & Equatable>(_ v: T) throws {
        let data = try JSONEncoder().encode(v)
        #expect(try JSONDecoder().decode(T.self, from: data) == v)
    }

    @Test func everyFixtureRoundTrips() throws {
        for f in try Fixture.files("qemu-args/proxmox-cfg2cmd") {
            try roundTrip(GuestConfiguration.qemu(try QEMUArgvParser.parse(try Fixture.argv(f)).value))
        }
        for f in try Fixture.files("libvirt-domain-xml") {
            try roundTrip(GuestConfiguration.libvirt(try LibvirtDomainParser.parse(try Fixture.data(f), source: f).value))
        }
        for f in try Fixture.files("firecracker-json") {
            let vm = try FirecrackerParser.parseConfigFile(try Fixture.data(f), source: f).value
            var firecracker = FirecrackerConfiguration()
            (firecracker.configFile, firecracker.vm) = (f, vm)
            try roundTrip(GuestConfiguration.firecracker(firecracker))
        }
        for f in ["xen-xl-cfg/xen__xlexample.hvm", "xen-xl-cfg/libvirt-xlconfigdata/test-spice-features.cfg"] {
            try roundTrip(GuestConfiguration.xen(try XenConfigParser.parse(try Fixture.data(f), source: f).value))
        }
        try roundTrip(
            try LibvirtQEMUConfParser.parse(Data("user = \"qemu\"\nnamespaces = [ \"mount\" ]\nvnc_password = \"x\"\n".utf8), source: "q").value)
        try roundTrip(GuestConfiguration.gvisor(try GVisorArgvParser.parse(GVisorArgvParserTests.bootArgv).value))
        try roundTrip(GuestConfiguration.bubblewrap(try BubblewrapArgvParser.parse(BubblewrapArgvParserTests.sandbox).value))
        try roundTrip(GuestConfiguration.cloudHypervisor(try CloudHypervisorArgvParser.parse(["ch", "--seccomp", "log", "--landlock"]).value))
        try roundTrip(GuestConfiguration.crosvm(try CrosvmArgvParser.parse(["crosvm", "run", "--disable-sandbox", "k"]).value))
    }

    @Test func modelValuesAreConstructibleWithDefaults() {
        // Checkers build values in tests with only the fields they care about.
        var q = QEMUConfiguration()
        var sandbox = QEMUSandbox()
        sandbox.enabled = true
        (q.accelerator, q.sandbox) = ("kvm", sandbox)
        #expect(q.devices.isEmpty && q.sandbox?.enabled == true)
        var d = LibvirtDomain()
        var graphics = LibvirtGraphics()
        (graphics.type, graphics.listenAddresses, graphics.listensBeyondLoopback) = ("vnc", ["0.0.0.0"], true)
        d.graphics = [graphics]
        #expect(d.graphics.first?.passwordSet == false)
        var xen = XenGuestConfiguration()
        var device = XenPCIDevice()
        (device.bdf, device.permissive) = ("01:00.0", true)
        xen.pci = [device]
        #expect(xen.pci.count == 1 && xen.pci[0].rdmPolicy == nil)
        var firecracker = FirecrackerConfiguration()
        firecracker.noSeccomp = true
        #expect(firecracker.jailer == nil)
        var gvisor = GVisorConfiguration()
        gvisor.network = "host"
        #expect(gvisor.platform == nil)
    }

    /// Issue 13: signatures compare an ASCII program name in place; it must be `programName` exactly, and every
    /// signature's matcher must answer as a comparison of `programName` does.
    @Test("the in-place program name is HostProcess.programName, and matchers answer as with it")
    func asciiProgramName() {
        let processes = [
            HostProcess(pid: 1, name: "qemu-system-x86", executable: "/usr/bin/qemu-system-x86_64", arguments: ["qemu"]),
            HostProcess(pid: 2, name: "kvm", executable: "/usr/bin/kvm (deleted)", arguments: []),
            HostProcess(pid: 3, name: "x", executable: "/usr/bin/ (deleted)", arguments: []),
            HostProcess(pid: 4, name: "x", executable: "///", arguments: ["/usr/sbin/libvirtd/", "-d"]),
            HostProcess(pid: 5, name: "runc", executable: "", arguments: ["", "x"]),
            HostProcess(pid: 6, name: "crun", executable: nil, arguments: ["crun"]),
            HostProcess(pid: 7, name: "é", executable: "/usr/bin/qému-system-x86_64", arguments: []),
            HostProcess(pid: 8, name: "x", executable: "/opt/qemu-system-x86_64\u{301}", arguments: []),
            HostProcess(pid: 9, name: "containerd-shim", executable: nil, arguments: ["/usr/bin/containerd-shim-runc-v2"]),
            HostProcess(pid: 10, name: "kworker/0:1", executable: nil, arguments: []),
            HostProcess(pid: 11, name: "bwrap", executable: "relative/bwrap", arguments: []),
        ]
        for process in processes {
            if let quick = ProductSignature.asciiProgramName(process) {
                #expect(String(quick) == process.programName, "pid \(process.pid)")
            }
        }
        #expect(ProductSignature.asciiProgramName(processes[6]) == nil)
        let signatures = [
            QEMUDetector.signature, LibvirtDetector.signature, ProductSignatures.containerd, ProductSignatures.runc,
            ProductSignatures.crun, BubblewrapDetector.signature,
        ]
        let expected: [String: [Int32]] = [
            "qemu": [1, 2, 8], "libvirt": [4], "containerd": [9], "runc": [5], "crun": [6], "bubblewrap": [11],
        ]
        for signature in signatures {
            let matched = processes.filter(signature.matchesProcess).map(\.pid)
            #expect(matched == expected[signature.product.rawValue], "\(signature.product.rawValue)")
        }
    }
}
