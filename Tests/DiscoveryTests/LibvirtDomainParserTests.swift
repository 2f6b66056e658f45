import BulkheadModel
import Formats
import Foundation
import Testing

@testable import Discovery

@Suite("libvirt domain XML parser")
struct LibvirtDomainParserTests {
    func fixture(_ path: String) throws -> Parsed<LibvirtDomain> {
        try LibvirtDomainParser.parse(try Fixture.data(path), source: path)
    }
    func xml(_ s: String) throws(ConfigParseError) -> Parsed<LibvirtDomain> {
        try LibvirtDomainParser.parse(Data(s.utf8), source: "test.xml")
    }

    @Test func win10SpiceUsbRedirAndTwoDocuments() throws {
        let r = try fixture("libvirt-domain-xml/virt-manager__virt-install-kvm-win10.xml")
        let d = r.value
        #expect(d.name == "win10" && d.domainType == "kvm")
        #expect(d.uuid == "00000000-1111-2222-3333-444444444444")
        #expect(d.emulator == "/usr/bin/qemu-system-x86_64")
        #expect(d.cpu?.mode == "host-passthrough" && d.cpu?.nestedVirtualisation == .inheritedFromHost)
        #expect(d.features["hyperv.relaxed"] == "on" && d.features["vmport"] == "off" && d.features["acpi"] == "")
        #expect(d.sounds == ["ich9"])
        #expect(d.redirdevs.count == 2 && d.redirdevs.allSatisfy { $0.bus == "usb" && $0.type == "spicevmc" })
        let g = try #require(d.graphics.first)
        #expect(g.type == "spice" && g.autoport == true && g.port == -1 && !g.passwordSet && !g.listensBeyondLoopback)
        #expect(d.controllers.first { $0.type == "usb" }?.model == "qemu-xhci")
        #expect(d.disks.map(\.device) == ["disk", "cdrom"])
        #expect(d.disks[1].readOnly && d.disks[0].source == "/pool-dir/testvol1.img")
        #expect(d.interfaces.first?.type == "bridge" && d.interfaces.first?.source == "testsuitebr0")
        #expect(d.interfaces.first?.filterRef == nil)
        #expect(d.seclabels.isEmpty)
        #expect(d.memoryKiB == 65536 && d.vcpus == 2)
        // virt-install's compare file holds two <domain> documents; the second is reported.
        #expect(r.problems.contains { $0.message.contains("only the first <domain> was read") })
    }

    @Test func mdevHostdevs() throws {
        let d = try fixture("libvirt-domain-xml/virt-manager__virt-install-mdev-devices.xml").value
        #expect(d.hostdevs.count == 3)
        #expect(d.hostdevs.allSatisfy { $0.type == "mdev" && $0.mode == "subsystem" })
        #expect(d.hostdevs.map(\.model) == ["vfio-ccw", "vfio-ap", "vfio-pci"])
        #expect(d.hostdevs.map(\.managed) == [false, false, true])
        #expect(d.hostdevs[2].mdevUUID == "4b20d080-1b54-4048-85b3-a6a62d165c01")
        #expect(d.charDevices.contains { $0.element == "channel" && $0.type == "unix" && $0.targetName == "org.qemu.guest_agent.0" })
        #expect(d.memballoon == "virtio" && d.rngBackends == ["random"])
        #expect(d.videos == ["virtio"])
    }

    @Test func singletonSeclabelTPMWatchdog() throws {
        let d = try fixture("libvirt-domain-xml/virt-manager__virt-install-singleton-config-2.xml").value
        var label = LibvirtSeclabel()
        (label.type, label.model) = ("dynamic", "selinux")
        #expect(d.seclabels == [label])
        #expect(d.tpms == [LibvirtTPM(model: "tpm-crb", backendType: "emulator")])
        #expect(d.watchdogs == ["i6300esb"])
        #expect(d.cpu?.mode == "custom" && d.cpu?.model == "Skylake-Client-noTSX-IBRS")
        #expect(d.cpu?.features.map(\.name) == ["ibpb", "md-clear", "spec-ctrl", "ssbd"])
        #expect(d.cpu?.nestedVirtualisation == .notRequested)
        #expect(d.os.loader == "/tmp/foo" && d.os.loaderSecure == false)
        #expect(d.memoryKiB == 4_096_000_000)
        #expect(d.otherDevices.contains("panic") && d.otherDevices.contains("vsock"))
    }

    @Test func sevSNPLaunchSecurity() throws {
        let d = try fixture("libvirt-domain-xml/virt-manager__virt-install-x86_64-launch-security-sev-snp.xml").value
        #expect(d.launchSecurity == LibvirtLaunchSecurity(type: "sev-snp", policy: "0x24"))
        #expect(d.os.firmware == "efi" && d.os.machineFamily == "q35")
        #expect(d.controllers.filter { $0.type == "usb" }.compactMap(\.model) == ["ich9-ehci1", "ich9-uhci1", "ich9-uhci2", "ich9-uhci3"])
    }

    @Test func xenPV() throws {
        let d = try fixture("libvirt-domain-xml/virt-manager__virt-install-xen-pv.xml").value
        #expect(d.domainType == "xen" && d.os.type == "xen" && d.os.machine == "xenpv")
        #expect(d.os.kernel == "/VIRTINST-TESTSUITE/vmlinuz")
        #expect(d.graphics.first?.type == "vnc" && d.graphics.first?.port == -1)
        #expect(d.disks.first?.targetBus == "xen")
        #expect(d.controllers.first?.type == "xenbus")
    }

    @Test func graphicsSpicePair() throws {
        let d = try fixture("libvirt-xml-args-pairs/graphics-spice.xml").value
        #expect(d.domainType == "qemu")
        let g = try #require(d.graphics.first)
        #expect(g.port == 5903 && g.tlsPort == 5904 && g.autoport == false)
        #expect(g.listenAddresses == ["127.0.0.1"] && g.listenTypes == ["address"])
        #expect(g.channelModes == ["main": "secure", "inputs": "insecure"])
        #expect(g.defaultMode == "secure" && g.tlsEnabled)
        #expect(g.clipboardCopyPaste == false && g.fileTransfer == false)
        #expect(!g.listensBeyondLoopback)
        #expect(d.inputs.map(\.bus) == ["ps2", "ps2"])
        #expect(d.videos == ["qxl", "qxl"])
    }

    @Test func hostdevVFIOPair() throws {
        let d = try fixture("libvirt-xml-args-pairs/hostdev-vfio.xml").value
        #expect(d.hostdevs.count == 4)
        #expect(d.hostdevs.allSatisfy { $0.type == "pci" && $0.managed == true })
        #expect(d.hostdevs.map(\.pciAddress) == ["0000:06:12.1", "0000:06:12.2", "0000:06:12.3", "0000:06:12.4"])
        #expect(d.hostdevs[1].driverName == "vfio")
        #expect(d.disks.first?.source == "/dev/HostVG/QEMUGuest2" && d.disks.first?.type == "block")
    }

    @Test func hardeningRelevantElements() throws {
        let r = try xml(
            """
            <domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
              <name>t</name>
              <memory unit='GiB'>2</memory>
              <cpu mode='custom'><model>Haswell</model><feature policy='require' name='vmx'/></cpu>
              <memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>
              <cputune><shares>1024</shares></cputune>
              <devices>
                <graphics type='vnc' port='5900' autoport='no' passwd='s3cretpw'>
                  <listen type='address' address='0.0.0.0'/>
                </graphics>
                <graphics type='vnc' socket='/run/vnc.sock'/>
                <filesystem type='mount' accessmode='passthrough'>
                  <driver type='virtiofs'/><binary path='/usr/libexec/virtiofsd'><sandbox mode='namespace'/></binary>
                  <source dir='/srv/share'/><target dir='share'/>
                </filesystem>
                <hostdev mode='subsystem' type='usb' managed='yes'>
                  <source><vendor id='0x1234'/><product id='0xbeef'/></source>
                </hostdev>
                <disk type='file' device='floppy'><source file='/f.img'><seclabel model='selinux' relabel='no'/></source><target dev='fda'/></disk>
                <controller type='fdc' index='0'/>
                <sound model='sb16'/>
                <serial type='tcp'><source mode='bind' host='0.0.0.0' service='4555'/><protocol type='telnet'/></serial>
                <interface type='network'><source network='default'/><filterref filter='clean-traffic'/><bandwidth/></interface>
              </devices>
              <seclabel type='none' model='selinux'/>
              <seclabel type='static' model='dac' relabel='no'><label>+107:+107</label></seclabel>
              <qemu:commandline>
                <qemu:arg value='-spice'/><qemu:arg value='port=5999,password=argpw'/>
                <qemu:env name='SECRETENV' value='envval'/>
              </qemu:commandline>
            </domain>
            """)
        let d = r.value
        #expect(d.memoryKiB == 2 * 1024 * 1024)
        #expect(d.cpu?.nestedVirtualisation == .explicitlyEnabled)
        #expect(d.memoryBacking?.shared == true && d.memoryBacking?.sourceType == "memfd")
        #expect(d.resourceTuning == ["cputune"])
        #expect(d.graphics[0].passwordSet && d.graphics[0].listensBeyondLoopback)
        #expect(d.graphics[0].listenAddresses == ["0.0.0.0"])
        #expect(d.graphics[1].socketPaths == ["/run/vnc.sock"] && !d.graphics[1].listensBeyondLoopback)
        let fs = try #require(d.filesystems.first)
        #expect(fs.driverType == "virtiofs" && fs.accessMode == "passthrough" && fs.sourceDir == "/srv/share")
        #expect(fs.sandboxMode == "namespace" && fs.target == "share")
        #expect(d.hostdevs.first?.usbVendor == "0x1234" && d.hostdevs.first?.usbProduct == "0xbeef")
        #expect(d.disks.first?.device == "floppy" && d.controllers.first?.type == "fdc" && d.sounds == ["sb16"])
        #expect(d.deviceSeclabels == [LibvirtDeviceSeclabel(device: "disk fda", model: "selinux", relabel: false)])
        #expect(d.charDevices.first?.listensBeyondLoopback == true && d.charDevices.first?.protocolType == "telnet")
        #expect(d.interfaces.first?.filterRef == "clean-traffic" && d.interfaces.first?.hasBandwidth == true)
        #expect(d.seclabels.map(\.type) == ["none", "static"])
        #expect(d.seclabels[1].relabel == false && d.seclabels[1].label == "+107:+107")
        #expect(d.qemuCommandline.first == "-spice" && d.qemuCommandline.count == 2)
        #expect(d.qemuEnvironment == ["SECRETENV"])
        let json = String(decoding: try JSONEncoder().encode(d), as: UTF8.self)
        #expect(!json.contains("s3cretpw") && !json.contains("argpw") && !json.contains("envval"))
        #expect(r.problems.isEmpty)
    }

    @Test func qemuNamespaceIsMatchedByURINotPrefix() throws {
        let d = try xml(
            "<domain type='kvm' xmlns:q='http://libvirt.org/schemas/domain/qemu/1.0' xmlns:x='urn:other'><devices/><q:commandline><q:arg value='-S'/></q:commandline><x:commandline><x:arg value='-no'/></x:commandline></domain>"
        ).value
        #expect(d.qemuCommandline == ["-S"])
    }

    @Test func refusesDoctypeAndEntities() {
        let bomb = """
            <?xml version="1.0"?>
            <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
            <domain type='kvm'><name>&lol2;</name></domain>
            """
        let e = parseError { () throws(ConfigParseError) in try xml(bomb) }
        #expect(e?.code == .forbiddenConstruct && e?.line == 2)
        let ext = "<!DOCTYPE d SYSTEM 'file:///etc/passwd'><domain/>"
        #expect(parseError { () throws(ConfigParseError) in try xml(ext) }?.code == .forbiddenConstruct)
    }

    /// Issue 19 #5: the DOCTYPE check read UTF-8 text, but libxml2 honours UTF-16 without a byte-order mark
    /// and `encoding="UTF-7"`, so a DTD got past it (92.8 s of CPU in entity expansion, entities applied).
    static let billionLaughs = """
        <?xml version="1.0"?>
        <!DOCTYPE lolz [
         <!ENTITY lol "lol">
         <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
         <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
         <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
         <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
         <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
         <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
         <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
         <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
         <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
        ]>
        <domain type='kvm'><name>&lol9;</name></domain>
        """

    @Test func utf16WithoutBOMIsRefusedBeforeParsing() throws {
        for encoding in [String.Encoding.utf16LittleEndian, .utf16BigEndian, .utf32LittleEndian] {
            let data = try #require(Self.billionLaughs.data(using: encoding))
            #expect(data.prefix(2) != Data([0xFF, 0xFE]) && data.prefix(2) != Data([0xFE, 0xFF]), "no BOM: the attack's form")
            let e = parseError { () throws(ConfigParseError) in try LibvirtDomainParser.parse(data, source: "u16.xml") }
            #expect(e?.code == .forbiddenConstruct, "\(String(describing: e))")
            #expect(e?.message.contains("UTF-16") == true)
        }
        // A plain domain in UTF-16 is refused too: only UTF-8 is read.
        let plain = try #require("<domain type='kvm'><name>x</name></domain>".data(using: .utf16LittleEndian))
        #expect(parseError { () throws(ConfigParseError) in try LibvirtDomainParser.parse(plain, source: "p.xml") }?.code == .forbiddenConstruct)
    }

    @Test func declaredEncodingsOtherThanUTF8AreRefused() throws {
        // UTF-7: `+ADw-` is `<`, so the DOCTYPE is invisible to a UTF-8 text search.
        let utf7 =
            "<?xml version=\"1.0\" encoding=\"UTF-7\"?>\n+ADw-!DOCTYPE d +AFs-+ADw-!ENTITY a +ACI-aaaa+ACI-+AD4-+AF0-+AD4-\n<domain type='kvm'><name>&a;</name></domain>"
        let e = parseError { () throws(ConfigParseError) in try xml(utf7) }
        #expect(e?.code == .forbiddenConstruct && e?.message.contains("utf-7") == true, "\(String(describing: e))")
        for name in ["ISO-8859-1", "EBCDIC-US", "UTF-16"] {
            let doc = "<?xml version='1.0' encoding='\(name)'?><domain type='kvm'><name>x</name></domain>"
            #expect(parseError { () throws(ConfigParseError) in try xml(doc) }?.code == .forbiddenConstruct, "\(name)")
        }
        for name in ["UTF-8", "utf-8", "US-ASCII"] {
            let doc = "<?xml version=\"1.0\" encoding=\"\(name)\"?>\n<domain type='kvm'><name>ok</name></domain>"
            #expect(try xml(doc).value.name == "ok", "\(name)")
        }
    }

    @Test func billionLaughsIsRefusedWithoutExpansion() {
        let e = parseError { () throws(ConfigParseError) in try xml(Self.billionLaughs) }
        #expect(e?.code == .forbiddenConstruct)
    }

    @Test func malformedInputs() {
        let truncated = "<domain type='kvm'>\n  <name>x</name>\n  <devices>\n    <disk type='file'"
        let e = parseError { () throws(ConfigParseError) in try xml(truncated) }
        #expect(e?.code == .malformed && (e?.line ?? 0) >= 3)
        #expect(parseError { () throws(ConfigParseError) in try xml("<network><name>x</name></network>") }?.code == .notThisFormat)
        #expect(parseError { () throws(ConfigParseError) in try xml("   ") }?.code == .empty)
        let deep = "<domain>" + String(repeating: "<a>", count: 100) + String(repeating: "</a>", count: 100) + "</domain>"
        #expect(parseError { () throws(ConfigParseError) in try xml(deep) }?.code == .tooLarge)
        let many = "<domain><devices>" + String(repeating: "<x/>", count: 1000) + "</devices></domain>"
        let small = ParseLimits(maxElements: 500)
        #expect(
            parseError { () throws(ConfigParseError) in try LibvirtDomainParser.parse(text: many, source: "m", limits: small) }?.code == .tooLarge)
        let invalid = Data([0x3C, 0x64, 0x6F, 0x6D, 0xFF, 0xFE, 0x3E])
        #expect(parseError { () throws(ConfigParseError) in try LibvirtDomainParser.parse(invalid, source: "u") }?.code == .invalidEncoding)
        let big = Data(repeating: 0x20, count: 5 << 20)
        #expect(parseError { () throws(ConfigParseError) in try LibvirtDomainParser.parse(big, source: "b") }?.code == .tooLarge)
    }

    @Test func badValuesBecomeProblems() throws {
        let r = try xml("<domain type='kvm'><memory unit='parsecs'>12</memory></domain>")
        #expect(r.value.memoryKiB == nil)
        #expect(r.problems.contains { $0.subject.contains("memory") })
        #expect(r.problems.contains { $0.message.contains("no <devices>") })
    }

    @Test func mutationsNeverCrash() throws {
        let files =
            try Fixture.files("libvirt-domain-xml") + ["libvirt-xml-args-pairs/graphics-spice.xml", "libvirt-xml-args-pairs/hostdev-vfio.xml"]
        var outcomes = 0
        var values = 0
        for (n, f) in files.enumerated() {
            for m in Mutation.mutants(of: try Fixture.data(f), count: 60, seed: UInt64(100 + n)) {
                do {
                    let r = try LibvirtDomainParser.parse(m, source: f)
                    _ = try JSONEncoder().encode(r.value)
                    values += 1
                } catch let e as ConfigParseError {
                    #expect(!e.message.isEmpty)
                }
                outcomes += 1
            }
        }
        #expect(outcomes == files.count * 60 && values > 0)
    }
}
