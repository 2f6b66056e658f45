import BulkheadModel
import Formats
import Foundation
import Testing

@testable import Discovery

@Suite("qemu.conf parser")
struct LibvirtQEMUConfParserTests {
    func conf(_ s: String) throws(ConfigParseError) -> Parsed<LibvirtQEMUDriverConfig> {
        try LibvirtQEMUConfParser.parse(Data(s.utf8), source: "qemu.conf")
    }

    @Test func userOverride() throws {
        let r = try LibvirtQEMUConfParser.parse(
            try Fixture.data("libvirt-qemu-conf/lennard0711-vfio__qemu.conf"), source: "lennard")
        #expect(r.value.user == "lennard0711")
        #expect(r.value.settings.count == 1)
        #expect(r.value.securityDriver == nil && r.value.seccompSandbox == nil)
        #expect(r.problems.isEmpty)
    }

    @Test func stockFileIsAllDefaults() throws {
        let r = try LibvirtQEMUConfParser.parse(
            try Fixture.data("libvirt-qemu-conf/smartperson-ubuntu-x570-qemu-setup__qemu.conf"), source: "stock")
        #expect(r.value.settings.isEmpty)
        #expect(r.value.user == nil)
        #expect(r.problems.isEmpty)
    }

    /// The stock file's commented examples, uncommented, exercise multi-line lists and every value kind.
    @Test func stockFileUncommented() throws {
        let text = try Fixture.text("libvirt-qemu-conf/smartperson-ubuntu-x570-qemu-setup__qemu.conf")
        var out: [String] = []
        var inList = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let l = String(line)
            if inList {
                out.append(String(l.dropFirst()))
                if l.contains("]") { inList = false }
                continue
            }
            for key in [
                "cgroup_device_acl", "security_driver", "seccomp_sandbox", "vnc_listen", "namespaces", "user",
                "security_require_confined", "vnc_password", "remote_display_port_min", "cgroup_controllers", "max_core",
            ]
            where l.hasPrefix("#\(key) =") {
                out.append(String(l.dropFirst()))
                if l.contains("[") && !l.contains("]") { inList = true }
            }
        }
        let r = try conf(out.joined(separator: "\n"))
        let c = r.value
        #expect(c.cgroupDeviceACL?.first == "/dev/null")
        #expect(c.cgroupDeviceACL?.contains("/dev/kvm") == true)
        #expect(c.vncListen == "0.0.0.0")
        #expect(c.securityDriver == ["selinux"])
        #expect(c.vncPasswordSet)
        #expect(c.settings["vnc_password"]?.kind == .redacted)
        #expect(c.remoteDisplayPortMin == 5900)
        #expect(c.cgroupControllers?.contains("devices") == true)
        #expect(c.maxCore == "unlimited")
    }

    @Test func typedSettings() throws {
        let r = try conf(
            """
            security_driver = [ "selinux", "apparmor" ]   # both
            security_default_confined = 0
            security_require_confined = 1
            seccomp_sandbox = -1
            user = "+0"
            group = "root"
            dynamic_ownership = 0
            namespaces = [ ]
            clear_emulator_capabilities = 0
            spice_listen = "0.0.0.0"
            spice_tls = 1
            spice_password = "XYZ12345"
            vnc_tls = 1; vnc_sasl = 1
            set_process_name = 1
            stdio_handler = "file"
            relaxed_acs_check = 1
            cgroup_device_acl = [
                "/dev/null", "/dev/full",
                # a comment inside a list
                "/dev/sev",
            ]
            """)
        let c = r.value
        #expect(c.securityDriver == ["selinux", "apparmor"])
        #expect(c.securityDefaultConfined == false && c.securityRequireConfined == true)
        #expect(c.seccompSandbox == -1)
        #expect(c.user == "+0" && c.group == "root")
        #expect(c.dynamicOwnership == false && c.namespaces == [])
        #expect(c.clearEmulatorCapabilities == false)
        #expect(c.spiceListen == "0.0.0.0" && c.spiceTLS == true && c.spicePasswordSet)
        #expect(c.vncTLS == true && c.vncSASL == true)
        #expect(c.setProcessName == true && c.stdioHandler == "file" && c.relaxedACSCheck == true)
        #expect(c.cgroupDeviceACL == ["/dev/null", "/dev/full", "/dev/sev"])
        let json = String(decoding: try JSONEncoder().encode(c), as: UTF8.self)
        #expect(!json.contains("XYZ12345"))
        #expect(r.problems.isEmpty)
    }

    @Test func badLinesAndTypesAreProblems() throws {
        let r = try conf("user = \"root\"\ngroup = root\nthis is not a setting\nseccomp_sandbox = \"yes\"\nnamespaces = \"mount\"\nuser = \"qemu\"\n")
        #expect(r.value.user == "qemu")
        #expect(r.value.seccompSandbox == nil)
        #expect(r.value.namespaces == ["mount"])
        #expect(r.problems.count >= 4)
        #expect(r.problems.contains { $0.message.contains("line 3") })
        #expect(r.value.group == nil && r.problems.contains { $0.subject.contains("group") })
        #expect(r.problems.contains { $0.message.contains("set more than once") })
    }

    @Test func malformed() {
        let e = parseError { () throws(ConfigParseError) in try conf("a = 1\nuser = \"qemu\nb = 2\n") }
        #expect(e?.code == .malformed && e?.line == 2)
        #expect(parseError { () throws(ConfigParseError) in try conf("l = [ \"a\",\n \"b\"\n") }?.code == .malformed)
        #expect(
            parseError { () throws(ConfigParseError) in try LibvirtQEMUConfParser.parse(Data([0x61, 0x3D, 0xC3, 0x28]), source: "x") }?.code
                == .invalidEncoding)
        let nested = "a = " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(parseError { () throws(ConfigParseError) in try conf(nested) }?.code == .tooLarge)
    }

    @Test func mutationsNeverCrash() throws {
        var n = 0
        for (k, f) in try Fixture.files("libvirt-qemu-conf").enumerated() {
            for m in Mutation.mutants(of: try Fixture.data(f), count: 150, seed: UInt64(200 + k)) {
                do { _ = try LibvirtQEMUConfParser.parse(m, source: f) } catch { #expect(!error.message.isEmpty) }
                n += 1
            }
        }
        #expect(n == 300)
    }
}

@Suite("xl.cfg and xl.conf parser")
struct XenConfigParserTests {
    func cfg(_ s: String) throws(ConfigParseError) -> Parsed<XenGuestConfiguration> {
        try XenConfigParser.parse(Data(s.utf8), source: "guest.cfg")
    }

    @Test func hvmExample() throws {
        let r = try XenConfigParser.parse(try Fixture.data("xen-xl-cfg/xen__xlexample.hvm"), source: "hvm")
        let c = r.value
        #expect(c.type == "hvm" && c.typeExplicit)
        #expect(c.name == "example.hvm" && c.memoryMiB == 128 && c.vcpus == 2)
        #expect(c.sdl == true && c.vnc == nil)
        #expect(c.vifs == [[:]])
        var disk = XenDisk()
        (disk.target, disk.format, disk.vdev, disk.access) = ("/dev/vg/guest-volume", "raw", "xvda", "rw")
        disk.spec = "/dev/vg/guest-volume,raw,xvda,rw"
        #expect(c.disks.first == disk)
        #expect(!c.displayListensBeyondLoopback)
        #expect(r.problems.isEmpty)
    }

    @Test func pvExample() throws {
        let c = try XenConfigParser.parse(try Fixture.data("xen-xl-cfg/xen__xlexample.pvlinux"), source: "pv").value
        #expect(c.type == "pv" && !c.typeExplicit)
        #expect(c.kernel == "/boot/vmlinuz")
        #expect(c.settings["extra"]?.string == "root=/dev/xvda1")
    }

    @Test func libvirtSpiceFeatures() throws {
        let c = try XenConfigParser.parse(try Fixture.data("xen-xl-cfg/libvirt-xlconfigdata/test-spice-features.cfg"), source: "spice").value
        #expect(c.type == "hvm" && c.typeExplicit)
        #expect(c.spice == true && c.spiceHost == "127.0.0.1" && c.spicePort == 590 && c.spiceTLSPort == 500)
        #expect(c.spiceDisableTicketing == false && c.spicePasswordSet)
        #expect(c.settings["spicepasswd"]?.kind == .redacted)
        #expect(c.spiceClipboardSharing == true && c.spiceVDAgent == true)
        #expect(c.vnc == false && c.sdl == false && !c.displayListensBeyondLoopback)
        #expect(c.deviceModelOverride == "/usr/lib/xen/bin/qemu-dm")
        #expect(c.vifs.first?["bridge"] == "xenbr1" && c.vifs.first?["model"] == "e1000")
        #expect(c.disks.count == 2)
        #expect(c.disks[1].devtype == "cdrom" && c.disks[1].target == "/root/boot.iso" && c.disks[1].backendType == "qdisk")
        let json = String(decoding: try JSONEncoder().encode(c), as: UTF8.self)
        #expect(!json.contains("thebeast"))
    }

    @Test func xlConf() throws {
        let r = try XenConfigParser.parseToolstack(try Fixture.data("xen-xl-cfg/xen__xl.conf"), source: "xl.conf")
        #expect(r.value.settings.isEmpty && r.problems.isEmpty)
        let s = try XenConfigParser.parseToolstack(
            Data("autoballoon=\"off\"\nvif.default.script=\"vif-bridge\"\nclaim_mode=1\nrun_hotplug_scripts=0\n".utf8), source: "xl.conf")
        #expect(s.value.autoballoon == "off" && s.value.vifDefaultScript == "vif-bridge")
        #expect(s.value.claimMode == true && s.value.runHotplugScripts == false)
    }

    @Test func hardeningKeys() throws {
        let c = try cfg(
            """
            builder = 'hvm'
            pci = [ '0000:01:00.0,permissive=1,seize=1', 'bdf=02:00.1,rdm_policy=relaxed', "03:00.0" ]
            pci_permissive = 0
            device_model_version = "qemu-xen"; device_model_stubdomain_override = 1
            device_model_user = "xen-qemuuser-g1"
            dm_restrict = 1
            vnc = 1
            vnclisten = "0.0.0.0:1"
            vncpasswd = "pw"
            usb = 1
            usbdevice = [ "tablet", "host:1234:5678" ]
            soundhw = "sb16"
            nestedhvm = 1
            vpmu = 0
            seclabel = "system_u:system_r:domU_t"
            disk += [ "format=qcow2,vdev=xvda,target=/img/a,b.qcow2" ]
            """)
        let v = c.value
        #expect(v.type == "hvm")
        #expect(v.pci.map(\.bdf) == ["0000:01:00.0", "02:00.1", "03:00.0"])
        #expect(v.pci[0].permissive == true && v.pci[0].seize == true && v.pci[1].rdmPolicy == "relaxed")
        #expect(v.pci[2].permissive == nil && v.pciPermissive == false)
        #expect(v.deviceModelVersion == "qemu-xen" && v.deviceModelStubdomain == true)
        #expect(v.deviceModelUser == "xen-qemuuser-g1" && v.dmRestrict == true)
        #expect(v.vnc == true && v.vncListen == "0.0.0.0:1" && v.vncPasswordSet && v.displayListensBeyondLoopback)
        #expect(v.usb == true && v.usbDevices == ["tablet", "host:1234:5678"] && v.soundHardware == "sb16")
        #expect(v.nestedHVM == true && v.vpmu == false && v.seclabel == "system_u:system_r:domU_t")
        #expect(v.disks.first?.target == "/img/a,b.qcow2" && v.disks.first?.format == "qcow2")
        #expect(c.problems.isEmpty)
        // SPICE with no spicehost listens on every interface.
        #expect(try cfg("type='hvm'\nspice=1\nspiceport=6000\n").value.displayListensBeyondLoopback)
        #expect(try cfg("type='hvm'\n").value.displayListensBeyondLoopback == false)
    }

    @Test func malformed() {
        let e = parseError { () throws(ConfigParseError) in try cfg("name = 'abc\nmemory = 1\n") }
        #expect(e?.code == .malformed && e?.line == 1)
        #expect(parseError { () throws(ConfigParseError) in try cfg("disk = [ 'a', 'b' \n") }?.code == .malformed)
        #expect(parseError { () throws(ConfigParseError) in try XenConfigParser.parse(Data([0xFF, 0x3D]), source: "x") }?.code == .invalidEncoding)
        let r = try? cfg("type = 'weird'\nmemory = 'lots'\n= 3\n")
        #expect(r?.problems.count == 3)
    }

    @Test func mutationsNeverCrash() throws {
        var n = 0
        for (k, f) in try Fixture.files("xen-xl-cfg").filter({ !$0.hasSuffix("libvirt-xlconfigdata") }).enumerated() {
            for m in Mutation.mutants(of: try Fixture.data(f), count: 80, seed: UInt64(300 + k)) {
                do { _ = try XenConfigParser.parse(m, source: f) } catch { #expect(!error.message.isEmpty) }
                n += 1
            }
        }
        for m in Mutation.mutants(of: try Fixture.data("xen-xl-cfg/libvirt-xlconfigdata/test-spice-features.cfg"), count: 100, seed: 399) {
            do { _ = try XenConfigParser.parse(m, source: "spice") } catch { #expect(!error.message.isEmpty) }
            n += 1
        }
        #expect(n == 340)
    }
}
