import BulkheadModel
import Formats
import Foundation
import Testing

@testable import Discovery

@Suite("QEMU argv parser")
struct QEMUArgvParserTests {
    func parse(_ argv: [String]) throws(ConfigParseError) -> Parsed<QEMUConfiguration> {
        try QEMUArgvParser.parse(argv, source: "test")
    }
    func fixture(_ path: String) throws -> Parsed<QEMUConfiguration> {
        try QEMUArgvParser.parse(try Fixture.argv(path), source: path)
    }

    @Test func proxmoxMinimalDefaults() throws {
        let r = try fixture("qemu-args/proxmox-cfg2cmd/minimal-defaults.conf.cmd")
        let c = r.value
        #expect(c.binary == "/usr/bin/kvm")
        #expect(c.accelerator == "kvm")
        #expect(c.acceleratorSource == .impliedByBinary)
        #expect(c.name == "vm8006")
        #expect(c.machineType == "pc+pve0" && c.machineFamily == "pc")
        #expect(c.floppyControllerPresent)
        #expect(c.daemonize && c.noDefaults && !c.noUserConfig)
        #expect(c.sandbox == nil)
        #expect(c.runAsUser == nil)
        #expect(c.memory == "512")
        #expect(c.cpuModel == "kvm64")
        #expect(c.nestedVirtualisation == .notRequested)
        let vnc = try #require(c.displays.first { $0.kind == .vnc })
        #expect(vnc.endpoint?.transport == .unix)
        #expect(vnc.endpoint?.path == "/var/run/qemu-server/8006.vnc")
        #expect(vnc.passwordSet && vnc.authenticationSet && !vnc.listensBeyondLoopback)
        #expect(c.monitors.count == 2)
        #expect(c.monitors.allSatisfy { $0.kind == .qmp && $0.endpoint.transport == .unix })
        #expect(c.monitors.first?.endpoint.path == "/var/run/qemu-server/8006.qmp")
        #expect(c.monitors.first?.endpoint.server == true)
        #expect(c.devices.first { $0.driver == "piix3-usb-uhci" }?.category == .usb)
        #expect(c.devices.first { $0.driver == "usb-tablet" }?.category == .usb)
        #expect(c.devices.first { $0.driver == "VGA" }?.category == .display)
        let balloon = try #require(c.devices.first { $0.driver == "virtio-balloon-pci" })
        #expect(balloon.isVirtio && balloon.id == "balloon0" && balloon.properties["free-page-reporting"] == "on")
        #expect(c.unrecognised.isEmpty)
        #expect(r.problems.isEmpty)
    }

    @Test func proxmoxQ35ReadconfigAndSpice() throws {
        let r = try fixture("qemu-args/proxmox-cfg2cmd/q35-usb3.conf.cmd")
        let c = r.value
        #expect(c.machineType == "pc-q35-4.0+pve0" && c.machineFamily == "q35")
        #expect(!c.floppyControllerPresent)
        #expect(c.readConfigFiles == ["/usr/share/qemu-server/pve-q35-4.0.cfg"])
        #expect(r.problems.contains { $0.subject.contains("-readconfig") })
        #expect(c.devices.first { $0.driver == "usb-redir" }?.category == .usb)
        #expect(c.devices.first { $0.driver == "nec-usb-xhci" }?.category == .usb)
        let spice = try #require(c.displays.first { $0.kind == .spice })
        #expect(spice.tlsPort == 61000 && spice.tlsConfigured)
        #expect(spice.endpoint?.host == "127.0.0.1")
        #expect(!spice.listensBeyondLoopback)
        #expect(spice.authenticationSet && !spice.disableTicketing && !spice.passwordSet)
        let tap = try #require(c.netdevs.first)
        #expect(tap.type == "tap" && tap.ifname == "tap8006i0" && tap.vhost == true)
        #expect(tap.script == "/usr/libexec/qemu-server/pve-bridge")
        #expect(c.chardevs.filter { $0.backend == "spicevmc" }.count == 2)
    }

    @Test func proxmoxSEVSNP() throws {
        let c = try fixture("qemu-args/proxmox-cfg2cmd/sev-snp.conf.cmd").value
        #expect(c.objects.first?.qomType == "sev-snp-guest")
        #expect(c.objects.first?.id == "sev0")
        #expect(c.objects.first?.properties["policy"] == "0xb0000")
        #expect(c.machineOptions["confidential-guest-support"] == "sev0")
        #expect(c.firmware == "/usr/share/pve-edk2-firmware//OVMF_SEV_4M.fd")
    }

    @Test func proxmoxSimpleBlockdevJSON() throws {
        let c = try fixture("qemu-args/proxmox-cfg2cmd/simple1.conf.cmd").value
        let d = try #require(c.drives.first { $0.origin == "-blockdev" })
        #expect(d.file == "/var/lib/vz/images/8006/vm-8006-disk-0.qcow2")
        #expect(d.format == "qcow2")
        #expect(d.id == "drive-scsi0")
        #expect(c.machineOptions["hpet"] == "off")
        #expect(c.devices.first { $0.driver == "scsi-hd" }?.category == .storage)
        #expect(c.devices.first { $0.driver == "ide-cd" }?.category == .storage)
        let nic = try #require(c.devices.first { $0.driver == "virtio-net-pci" })
        #expect(nic.category == .network && nic.isVirtio && nic.properties["mac"] == "A2:C0:43:77:08:A0")
        #expect(c.objects.contains { $0.qomType == "throttle-group" && $0.id == "throttle-drive-scsi0" })
    }

    @Test func proxmoxSpiceWindows() throws {
        let c = try fixture("qemu-args/proxmox-cfg2cmd/spice-win.conf.cmd").value
        #expect(c.devices.filter { $0.category == .display }.map(\.driver) == ["qxl-vga", "qxl"])
        #expect(c.cpuFlags.contains("hv_spinlocks=0x1fff"))
        #expect(c.globals.contains("kvm-pit.lost_tick_policy=discard"))
        #expect(c.machineType == "pc-i440fx-4.0+pve0")
    }

    @Test func libvirtGraphicsSpiceArgs() throws {
        let cmds = try CommandLineText.split(try Fixture.text("libvirt-xml-args-pairs/graphics-spice.x86_64-latest.args"))
        #expect(cmds.first?.environment.first == "LC_ALL=C")
        #expect(cmds.first?.environment.count == 8)
        let c = try fixture("libvirt-xml-args-pairs/graphics-spice.x86_64-latest.args").value
        #expect(c.binary == "/usr/bin/qemu-system-x86_64")
        #expect(c.name == "QEMUGuest1" && c.debugThreads == true)
        #expect(c.startPaused && c.noDefaults && c.noUserConfig)
        #expect(c.accelerator == "tcg" && c.acceleratorSource == .explicit)
        let sb = try #require(c.sandbox)
        #expect(sb.enabled && sb.obsolete == "deny" && sb.elevatePrivileges == "deny")
        #expect(sb.spawn == "deny" && sb.resourceControl == "deny")
        let mon = try #require(c.monitors.first)
        #expect(mon.kind == .qmp && mon.chardevID == "charmonitor" && mon.endpoint.transport == .fd)
        #expect(mon.endpoint.fd == "@mon-fd@")
        let spice = try #require(c.displays.first { $0.kind == .spice })
        #expect(spice.endpoint?.port == 5903 && spice.tlsPort == 5904 && !spice.listensBeyondLoopback)
        #expect(c.machineOptions["dump-guest-core"] == "off")
        #expect(c.memoryBackends.first?.id == "pc.ram" && c.memoryBackends.first?.shared == false)
        #expect(c.audiodevs == ["spice"])
        #expect(c.devices.first { $0.id == "video0" }?.driver == "qxl-vga")
        #expect(c.objects.first { $0.qomType == "secret" }?.id == "masterKey0")
    }

    @Test func libvirtHostdevVFIOArgsMatchXML() throws {
        let c = try fixture("libvirt-xml-args-pairs/hostdev-vfio.x86_64-latest.args").value
        let pt = c.devices.filter { $0.category == .passthrough }
        #expect(pt.map(\.driver) == Array(repeating: "vfio-pci", count: 4))
        #expect(pt.compactMap(\.hostAddress) == ["0000:06:12.1", "0000:06:12.2", "0000:06:12.3", "0000:06:12.4"])
        #expect(c.displays.first?.kind == QEMUDisplayKind.none)
        #expect(c.drives.first { $0.origin == "-blockdev" }?.file == "/dev/HostVG/QEMUGuest2")
        let x = try LibvirtDomainParser.parse(try Fixture.data("libvirt-xml-args-pairs/hostdev-vfio.xml"), source: "x")
        #expect(x.value.hostdevs.compactMap(\.pciAddress) == pt.compactMap(\.hostAddress))
    }

    @Test func acceleratorForms() throws {
        #expect(try parse(["qemu-system-x86_64", "-machine", "pc,accel=kvm:tcg"]).value.accelerators == ["kvm", "tcg"])
        #expect(try parse(["qemu-system-x86_64", "-machine", "pc,accel=kvm:tcg"]).value.machineType == "pc")
        let dd = try parse(["qemu-system-x86_64", "--accel", "kvm", "-accel", "tcg"]).value
        #expect(dd.accelerators == ["kvm", "tcg"] && dd.accelerator == "kvm")
        #expect(try parse(["qemu-system-x86_64", "-enable-kvm"]).value.accelerator == "kvm")
        let none = try parse(["qemu-system-x86_64", "-m", "1G"]).value
        #expect(none.accelerator == "tcg" && none.acceleratorSource == .defaultTCG)
        #expect(try parse(["qemu-system-x86_64", "-M", "type=q35,accel=xen"]).value.accelerator == "xen")
    }

    @Test func optionSyntax() throws {
        let c = try parse(["qemu", "-drive", "file=/tmp/a,,b.img,if=floppy,readonly=on", "-name", "g1,process=qemu:g1"]).value
        #expect(c.drives.first?.file == "/tmp/a,b.img")
        #expect(c.drives.first?.readOnly == true)
        #expect(c.devices.first?.category == .floppy)
        #expect(c.name == "g1" && c.processName == "qemu:g1")
        let pairs = QEMUOptionString.parse("socket,id=c,server,nowait,path=/x", impliedKey: "backend")
        #expect(pairs.map(\.key) == ["backend", "id", "server", "wait", "path"])
        #expect(pairs.map(\.value) == ["socket", "c", "on", "off", "/x"])
        #expect(QEMUOptionString.parse("a=1,,2,b=").map(\.value) == ["1,2", ""])
    }

    @Test func remoteDisplays() throws {
        let open = try parse(["qemu", "-vnc", "0.0.0.0:1"]).value.displays[0]
        #expect(open.endpoint?.port == 5901 && open.listensBeyondLoopback && !open.authenticationSet)
        let all = try parse(["qemu", "-vnc", ":0"]).value.displays[0]
        #expect(all.listensBeyondLoopback)
        let local = try parse(["qemu", "-vnc", "127.0.0.1:0,password=on,websocket=5700"]).value.displays[0]
        #expect(!local.listensBeyondLoopback && local.passwordSet && local.websocket == "5700")
        let ws = try parse(["qemu", "-vnc", "localhost:0,websocket=0.0.0.0:5700"]).value.displays[0]
        #expect(ws.listensBeyondLoopback)
        let tls = try parse(["qemu", "-vnc", "[::]:2,tls-creds=tls0,sasl=on"]).value.displays[0]
        #expect(tls.listensBeyondLoopback && tls.tlsConfigured && tls.saslEnabled && tls.authenticationSet)
        let spice = try parse(["qemu", "-spice", "port=5900,disable-ticketing=on"]).value.displays[0]
        #expect(spice.listensBeyondLoopback && spice.disableTicketing && !spice.authenticationSet)
        let legacyTicket = try parse(["qemu", "-spice", "port=5930,addr=127.0.0.1,disable-ticketing"]).value.displays[0]
        #expect(legacyTicket.disableTicketing && !legacyTicket.listensBeyondLoopback)
        let c = try parse(["qemu", "-nographic", "-sdl", "-display", "gtk"]).value
        #expect(c.displays.map(\.kind) == [.nographic, .sdl, .gtk])
    }

    @Test func monitorsAndGDB() throws {
        let c = try parse([
            "qemu", "-qmp", "tcp:0.0.0.0:4444,server,nowait", "-monitor", "stdio", "-gdb", "tcp::1234", "-s",
            "-chardev", "socket,id=m1,host=10.0.0.1,port=5555,server=on,wait=off,telnet=on", "-mon", "chardev=m1",
            "-qmp", "unix:/run/q.sock,server=on,wait=off",
        ]).value
        #expect(c.monitors.count == 6)
        let qmp = c.monitors[0]
        #expect(qmp.kind == .qmp && qmp.endpoint.transport == .tcp && qmp.endpoint.port == 4444)
        #expect(qmp.endpoint.server == true && qmp.endpoint.wait == false && qmp.endpoint.listensBeyondLoopback)
        #expect(c.monitors[1].kind == .hmp && c.monitors[1].endpoint.transport == .stdio)
        #expect(c.monitors[2].kind == .gdb && c.monitors[2].endpoint.listensBeyondLoopback)
        #expect(c.monitors[3].option == "-s" && c.monitors[3].endpoint.port == 1234)
        let hmp = c.monitors[4]
        #expect(hmp.kind == .hmp && hmp.endpoint.host == "10.0.0.1" && hmp.endpoint.telnet == true)
        #expect(hmp.endpoint.listensBeyondLoopback)
        #expect(c.monitors[5].endpoint.transport == .unix && !c.monitors[5].endpoint.listensBeyondLoopback)
        let implicit = try parse(["qemu", "-vnc", ":1"]).value.monitors
        #expect(implicit == [QEMUControlEndpoint(kind: .hmp, option: "(default)", endpoint: NetworkEndpoint(transport: .vc))])
        #expect(try parse(["qemu", "-nographic"]).value.monitors.first?.endpoint.transport == .stdio)
        #expect(try parse(["qemu", "-nodefaults", "-vnc", ":1"]).value.monitors.isEmpty)
        #expect(try parse(["qemu", "-monitor", "none"]).value.monitors.isEmpty)
        let dangling = try parse(["qemu", "-mon", "chardev=nope,mode=control"])
        #expect(dangling.problems.contains { $0.message.contains("nope") })
    }

    @Test func machineFamilies() throws {
        let cases = [
            "pc": "pc", "pc-i440fx-8.2": "pc", "pc-1.0": "pc", "pc-q35-8.2+pve0": "q35", "q35": "q35",
            "virt-9.0": "virt", "virt": "virt", "pseries-8.0": "pseries", "s390-ccw-virtio-7.2": "s390-ccw-virtio",
            "microvm": "microvm", "xenfv-4.2": "xenfv", "xenpv": "xenpv", "isapc": "isapc", "sbsa-ref": "sbsa-ref",
            "raspi3b": "raspi3b", "mac99": "mac99", "foo-1.2": "foo",
        ]
        for (type, family) in cases { #expect(QEMUArgvParser.machineFamily(type) == family, "\(type)") }
        #expect(try parse(["qemu-system-aarch64", "-M", "virt"]).value.floppyControllerPresent == false)
        #expect(try parse(["qemu-system-x86_64", "-M", "pc"]).value.floppyControllerPresent)
        #expect(try parse(["qemu-system-x86_64", "-M", "q35", "-fda", "f.img"]).value.floppyControllerPresent)
        #expect(try parse(["qemu-system-x86_64", "-M", "q35"]).value.floppyControllerPresent == false)
    }

    @Test func nestedVirtualisation() throws {
        #expect(try parse(["qemu", "-cpu", "host"]).value.nestedVirtualisation == .inheritedFromHost)
        #expect(try parse(["qemu", "-cpu", "qemu64,+vmx"]).value.nestedVirtualisation == .explicitlyEnabled)
        #expect(try parse(["qemu", "-cpu", "EPYC,svm=on"]).value.nestedVirtualisation == .explicitlyEnabled)
        #expect(try parse(["qemu", "-cpu", "max,vmx=off"]).value.nestedVirtualisation == .explicitlyDisabled)
        #expect(try parse(["qemu", "-cpu", "host,-vmx"]).value.nestedVirtualisation == .explicitlyDisabled)
        #expect(try parse(["qemu", "-cpu", "Skylake-Client"]).value.nestedVirtualisation == .notRequested)
    }

    @Test func legacyAndDeviceCategories() throws {
        let c = try parse([
            "qemu", "-fda", "/tmp/f.img", "-usb", "-usbdevice", "tablet", "-soundhw", "sb16,es1370", "-device", "isa-fdc",
            "-device", "ich9-intel-hda", "-device", #"{"driver":"usb-host","hostbus":1,"hostaddr":2}"#,
            "-device", "vfio-pci,host=0000:01:00.0", "-vga", "cirrus", "-net", "nic,model=ne2k_isa",
            "-serial", "tcp:0.0.0.0:4555,server=on", "-parallel", "none", "-audiodev", "pa,id=a0",
            "-audio", "driver=none,model=ac97",
        ]).value
        let byOrigin = Dictionary(grouping: c.devices, by: \.origin)
        #expect(byOrigin["-fda"]?.first?.category == .floppy)
        #expect(c.drives.first { $0.origin == "-fda" }?.file == "/tmp/f.img")
        #expect(byOrigin["-usb"]?.first?.category == .usb)
        #expect(byOrigin["-usbdevice"]?.first?.driver == "usb-tablet")
        #expect(byOrigin["-soundhw"]?.map(\.driver) == ["sb16", "es1370"])
        #expect(byOrigin["-soundhw"]?.allSatisfy { $0.category == .sound } == true)
        #expect(c.devices.first { $0.driver == "isa-fdc" }?.category == .floppy)
        #expect(c.devices.first { $0.driver == "ich9-intel-hda" }?.category == .sound)
        let uh = try #require(c.devices.first { $0.driver == "usb-host" })
        #expect(uh.category == .passthrough && uh.hostAddress == "1.2")
        #expect(c.devices.first { $0.driver == "vfio-pci" }?.hostAddress == "0000:01:00.0")
        #expect(c.devices.first { $0.origin == "-vga" }?.driver == "cirrus-vga")
        #expect(c.devices.first { $0.origin == "-net nic" }?.driver == "ne2k_isa")
        #expect(c.serials.first?.listensBeyondLoopback == true)
        #expect(c.parallels.isEmpty)
        #expect(c.audiodevs == ["pa", "none"])
        #expect(c.devices.first { $0.origin == "-audio" }?.driver == "ac97")
        #expect(QEMUArgvParser.category(of: "sb16") == .sound)
        #expect(QEMUArgvParser.category(of: "virtio-blk-pci") == .storage)
        #expect(QEMUArgvParser.category(of: "virtio-rng-pci") == .virtio)
    }

    @Test func sharedMemoryFilesystemsAndNetdevs() throws {
        let c = try parse([
            "qemu", "-object", "memory-backend-memfd,id=mem,size=1G,share=on",
            "-object", "memory-backend-file,id=m2,mem-path=/dev/hugepages,size=2G,share=off",
            "-chardev", "socket,id=char0,path=/tmp/vfsd.sock", "-device", "vhost-user-fs-pci,chardev=char0,tag=myfs",
            "-fsdev", "local,id=fs0,path=/srv/share,security_model=passthrough",
            "-device", "virtio-9p-pci,fsdev=fs0,mount_tag=host0",
            "-virtfs", "local,path=/home,mount_tag=h,security_model=mapped-xattr,readonly=on",
            "-netdev", "user,id=n0,hostfwd=tcp::2222-:22,hostfwd=tcp::8080-:80", "-netdev", "tap,id=t0,fd=23",
            "-netdev", "bridge,id=b0,br=virbr0", "-incoming", "tcp:0:4444",
        ]).value
        #expect(c.memoryBackends.map(\.shared) == [true, false])
        #expect(c.memoryBackends[1].memPath == "/dev/hugepages")
        let vfs = try #require(c.sharedFilesystems.first { $0.kind == .virtiofs })
        #expect(vfs.socketPath == "/tmp/vfsd.sock" && vfs.mountTag == "myfs")
        let p9 = try #require(c.sharedFilesystems.first { $0.id == "fs0" })
        #expect(p9.path == "/srv/share" && p9.securityModel == "passthrough" && p9.mountTag == "host0")
        #expect(c.sharedFilesystems.contains { $0.path == "/home" && $0.readOnly && $0.mountTag == "h" })
        #expect(c.netdevs[0].hostForwards == ["tcp::2222-:22", "tcp::8080-:80"])
        #expect(c.netdevs[1].fd == "23")
        #expect(c.netdevs[2].bridge == "virbr0")
        #expect(c.incoming == "tcp:0:4444")
    }

    @Test func privilegeOptions() throws {
        let a = try parse(["qemu", "-runas", "qemu", "-chroot", "/var/empty", "-sandbox", "on,obsolete=deny"]).value
        #expect(a.runAsUser == "qemu" && a.chroot == "/var/empty")
        #expect(a.sandbox?.enabled == true && a.sandbox?.spawn == nil)
        let b = try parse(["qemu", "-run-with", "user=nobody,chroot=/srv/jail", "-sandbox", "off"]).value
        #expect(b.runAsUser == "nobody" && b.chroot == "/srv/jail" && b.sandbox?.enabled == false)
    }

    @Test func passwordsAreRedacted() throws {
        let c = try parse([
            "qemu", "-spice", "port=5900,password=hunter2", "-object", "secret,id=s0,data=t0ps3cret",
            "-object", #"{"qom-type":"secret","id":"s1","data":"jsonsecret"}"#,
        ]).value
        let json = String(decoding: try JSONEncoder().encode(c), as: UTF8.self)
        #expect(!json.contains("hunter2") && !json.contains("t0ps3cret") && !json.contains("jsonsecret"))
        #expect(c.displays.first?.passwordSet == true)
        #expect(c.raw.contains("port=5900,password=<redacted>"))
        let vnc = try parse(["qemu", "-vnc", "unix:/run/v.sock,password=on"]).value
        #expect(vnc.raw.last == "unix:/run/v.sock,password=on")
    }

    /// Issue 19 #4: credentials inside -drive file= and -blockdev strings never reach the stored configuration.
    @Test func driveAndBlockdevCredentialsAreRedacted() throws {
        let c = try parse([
            "qemu", "-drive", "file=rbd:pool/img:id=admin:key=AQBkZXZpY2Uta2V5Cg==:auth_supported=cephx,if=virtio,format=raw",
            "-drive", "file=iscsi://alice%iscsipw@192.0.2.1/iqn.2001-04.com.example:storage/1,if=none,id=d1",
            "-blockdev", "driver=https,url=https://bob:httpspw@images.example/d.img,node-name=h0",
            "-blockdev", #"{"driver":"ssh","node-name":"s0","server":{"host":"h"},"path":"/d","password":"sshpw"}"#,
            "-blockdev", "driver=raw,node-name=n0,file.driver=rbd,file.pool=p,file.image=i,file.key=AQBmaWxla2V5",
            "-object", "secret,id=sec0,data=objectpw", "-frobnicate", "url=ssh://root:unknownpw@h/x",
        ]).value
        let json = String(decoding: try JSONEncoder().encode(c), as: UTF8.self)
        for secret in ["AQBkZXZpY2Uta2V5", "iscsipw", "httpspw", "sshpw", "AQBmaWxla2V5", "objectpw", "unknownpw"] {
            #expect(!json.contains(secret), "\(secret) stored")
        }
        #expect(c.drives.first?.file?.hasPrefix("rbd:pool/img:id=admin:key=<redacted>") == true, "\(c.drives)")
        #expect(c.drives.count == 5)
    }

    /// Issue 13: libvirt's flat JSON option arguments are read in one pass without a `JSONValue`; the pairs
    /// must be those the full reader gives, and anything outside that flat form must go to the full reader
    /// (nil here), so its refusals (a repeated key, bad JSON) stay as they were.
    @Test func flatJSONArgumentsReadAsTheFullReaderReadsThem() throws {
        func full(_ text: String) throws -> [QEMUOptionString.Pair] {
            guard case .object(let o) = try JSONValue.parse(text, source: "test") else { return [] }
            return o.sorted { $0.key < $1.key }.compactMap { k, v in v.scalarText.map { .init(key: k, value: $0) } }
        }
        // Every JSON argument libvirt wrote in the fixtures (real libvirt test-suite output).
        var fromFixtures: [String] = []
        for name in ["libvirt-xml-args-pairs/graphics-spice.x86_64-latest.args", "libvirt-xml-args-pairs/hostdev-vfio.x86_64-latest.args"] {
            fromFixtures += try Fixture.argv(name).filter { $0.hasPrefix("{") }
        }
        #expect(fromFixtures.count >= 10)
        var flat = 0
        for text in fromFixtures {
            if let pairs = QEMUArgvParser.flatJSONPairs(text) {
                flat += 1
                #expect(pairs == (try full(text)), "\(text)")
            }
        }
        #expect(flat >= 8, "the flat form libvirt writes should take the one-pass path")
        let same = [
            #"{"driver":"virtio-net-pci","netdev":"hostnet0","id":"net0","mac":"52:54:00:00:00:01","bus":"pci.1","addr":"0x0"}"#,
            #"{ "b" : true , "a" : -12 , "c" : false, "d": 0, "e": "ü ☃ 🐧", "f": 9223372036854775807 }"#,
            "{\t\"x\":\n\"y\"\r}", "{}", " {} ", #"{"qom-type":"secret","id":"s","data":"<redacted>"}"#,
        ]
        for text in same {
            let pairs = try #require(QEMUArgvParser.flatJSONPairs(text), "\(text)")
            #expect(pairs == (try full(text)), "\(text)")
        }
        // Outside the flat form: nested, escapes, fractions, exponents, null, arrays, a repeated key, a non-ASCII
        // key, leading zeros, an integer over Int64, broken or trailing text.
        let other = [
            #"{"driver":"ssh","server":{"host":"h"}}"#, #"{"a":"x\"y"}"#, #"{"a":"\u0041"}"#, #"{"a":1.5}"#, #"{"a":1e3}"#,
            #"{"a":null}"#, #"{"a":[1]}"#, #"{"a":1,"a":2}"#, #"{"é":1}"#, #"{"a":01}"#, #"{"a":-}"#,
            #"{"a":92233720368547758070}"#, #"{"a":1"#, #"{"a":1}x"#, #"{"a" 1}"#, #"{"a":1,}"#, #"{,}"#, #"{"a":tru}"#,
            "{\"a\":\"x\u{01}\"}", #"[1]"#,
        ]
        for text in other { #expect(QEMUArgvParser.flatJSONPairs(text) == nil, "\(text)") }
        // A repeated key is still refused with the full reader's message, as before.
        let repeated = try parse(["qemu", "-device", #"{"driver":"e1000","driver":"virtio-net-pci"}"#])
        #expect(repeated.value.devices.isEmpty)
        #expect(repeated.problems.contains { $0.message.contains("appears twice") }, "\(repeated.problems)")
    }

    @Test func missingArgumentAndUnknownOptions() throws {
        let r = try parse(["qemu-system-x86_64", "-S", "-m"])
        #expect(r.value.startPaused)
        #expect(r.problems.contains { $0.subject.contains("-m") && $0.message.contains("needs a value") })
        let u = try parse(["qemu", "-frobnicate", "x", "-S", "-zap"])
        #expect(u.value.unrecognised == ["-frobnicate x", "-zap"])
        #expect(u.value.startPaused)
        let p = try parse(["qemu", "disk.img"])
        #expect(p.value.drives.first?.origin == "positional")
        let bad = try parse(["qemu", "-device", "{not json", "-device", "id=x"])
        #expect(bad.value.devices.isEmpty)
        #expect(bad.problems.count == 2)
    }

    @Test func boundsAndEmpty() throws {
        #expect(throws: ConfigParseError.self) { try parse([]) }
        do {
            _ = try parse([])
        } catch {
            #expect(error.code == .empty)
        }
        let many = ["qemu"] + Array(repeating: "-S", count: 20_000)
        do {
            _ = try parse(many)
            Issue.record("expected tooLarge")
        } catch { #expect(error.code == .tooLarge) }
        let long = ["qemu", "-name", String(repeating: "a", count: 300_000)]
        do {
            _ = try parse(long)
            Issue.record("expected tooLarge")
        } catch { #expect(error.code == .tooLarge && error.field == "argv[2]") }
        let deep = ["qemu", "-device", String(repeating: "{\"a\":", count: 100) + "1" + String(repeating: "}", count: 100)]
        let r = try parse(deep)
        #expect(r.problems.contains { $0.message.contains("deeper") })
    }

    @Test func mutationsNeverCrash() throws {
        var seed: UInt64 = 1
        var parsed = 0
        var failed = 0
        let files =
            try Fixture.files("qemu-args/proxmox-cfg2cmd")
            + ["libvirt-xml-args-pairs/graphics-spice.x86_64-latest.args", "libvirt-xml-args-pairs/hostdev-vfio.x86_64-latest.args"]
        for f in files {
            let argv = try Fixture.argv(f)
            for m in Mutation.mutants(of: argv, count: 60, seed: seed) {
                do {
                    let r = try QEMUArgvParser.parse(m, source: f)
                    _ = try JSONEncoder().encode(r.value)
                    parsed += 1
                } catch let e as ConfigParseError {
                    #expect(!e.message.isEmpty)
                    failed += 1
                }
            }
            seed += 1
        }
        #expect(parsed + failed == files.count * 60)
        #expect(parsed > 0)
    }
}
