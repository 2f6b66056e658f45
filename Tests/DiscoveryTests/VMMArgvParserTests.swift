import BulkheadModel
import Formats
import Foundation
import Testing

@testable import Discovery

@Suite("Firecracker and jailer parser")
struct FirecrackerParserTests {
    func config(_ path: String) throws -> Parsed<FirecrackerVMConfig> {
        try FirecrackerParser.parseConfigFile(try Fixture.data(path), source: path)
    }

    @Test func vmConfig() throws {
        let r = try config("firecracker-json/firecracker__vm_config.json")
        let v = r.value
        #expect(v.bootSource?.kernelImagePath == "vmlinux.bin")
        #expect(v.bootSource?.serialConsoleEnabled == true)
        #expect(v.drives.count == 1 && v.drives[0].driveID == "rootfs" && v.drives[0].isRootDevice == true)
        #expect(v.drives[0].cacheType == "Unsafe" && v.drives[0].hasRateLimiter == false)
        var machine = FirecrackerMachineConfig()
        (machine.vcpuCount, machine.memSizeMiB, machine.smt, machine.trackDirtyPages, machine.hugePages) = (2, 1024, false, false, "None")
        #expect(v.machine == machine)
        #expect(v.mmds == nil && v.logger == nil && v.vsock == nil && !v.entropyDevice && !v.cpuConfigPresent)
        #expect(v.unknownKeys.isEmpty)
        #expect(r.problems.isEmpty)
    }

    @Test func networkConfig() throws {
        let v = try config("firecracker-json/firecracker__vm_config_network.json").value
        var interface = FirecrackerNetworkInterface()
        (interface.ifaceID, interface.hostDevName, interface.guestMAC) = ("eth0", "tap0", "06:00:c0:a8:00:02")
        #expect(v.networkInterfaces == [interface])
    }

    @Test func mmdsV2() throws {
        let v = try config("firecracker-json/firecracker__vm_config_with_mmdsv2.json").value
        var mmds = FirecrackerMMDSConfig()
        (mmds.version, mmds.versionExplicit, mmds.networkInterfaces, mmds.ipv4Address, mmds.imdsCompat) = ("V2", true, ["1"], "169.254.169.250", true)
        #expect(v.mmds == mmds)
    }

    /// The `vsock` and `logger` objects of Firecracker's API (swagger `Vsock`: guest_cid, uds_path, the deprecated
    /// vsock_id; `Logger`: log_path, level, show_level, show_log_origin, module) are read, not only known: before,
    /// a configured vsock device showed as absent.
    @Test func vsockAndLogger() throws {
        let doc = """
            {"boot-source": {"kernel_image_path": "vmlinux"},
             "vsock": {"vsock_id": "control", "guest_cid": 3, "uds_path": "/run/fc/v.sock"},
             "logger": {"log_path": "/var/log/fc.log", "level": "Warning", "show_level": true, "show_log_origin": false,
                        "module": "vmm", "colour": "red"}}
            """
        let r = try FirecrackerParser.parseConfigFile(Data(doc.utf8), source: "vm.json")
        var vsock = FirecrackerVsock()
        (vsock.guestCID, vsock.udsPath) = (3, "/run/fc/v.sock")
        var logger = FirecrackerLogger()
        (logger.logPath, logger.level) = ("/var/log/fc.log", "Warning")
        #expect(r.value.vsock == vsock && r.value.logger == logger)
        #expect(r.value.unknownKeys == ["logger.colour"])
        #expect(r.problems.isEmpty)
        // Wrong types are reported by path and left out; null is absent.
        let bad = try FirecrackerParser.parseConfigFile(
            Data(#"{"vsock": {"guest_cid": "three", "uds_path": 7}, "logger": null}"#.utf8), source: "bad.json")
        #expect(bad.value.vsock == FirecrackerVsock() && bad.value.logger == nil)
        #expect(
            bad.problems.map(\.message).sorted() == [
                "vsock.guest_cid should be an integer, found string; ignored", "vsock.uds_path should be a string, found integer; ignored",
            ])
    }

    @Test func containerdRuntimeFileIsNotAConfigFile() throws {
        let r = try config("firecracker-json/firecracker-containerd__firecracker-runtime.json")
        #expect(r.value.unknownKeys.contains("firecracker_binary_path") && r.value.unknownKeys.contains("cpu_template"))
        #expect(r.value.machine == nil && r.value.bootSource == nil)
    }

    /// Issue 19 #11: Firecracker (serde) and Bulkhead could take different ones of two equal keys: refused.
    @Test func duplicateKeysAreRefused() {
        let doc = #"{"machine-config":{"vcpu_count":2,"mem_size_mib":512,"smt":false,"smt":true}}"#
        let e = parseError { () throws(ConfigParseError) in try FirecrackerParser.parseConfigFile(Data(doc.utf8), source: "vm.json") }
        #expect(e?.code == .malformed)
        #expect(e?.message.contains("\"smt\" appears twice in $.machine-config") == true, "\(String(describing: e))")
    }

    @Test func wrongTypesAreReportedByPath() throws {
        let r = try FirecrackerParser.parseConfigFile(
            Data(
                #"{"machine-config":{"vcpu_count":"2","mem_size_mib":512,"smt":"false"},"drives":{"x":1},"mmds-config":{"network_interfaces":"eth0"},"boot-source":{"boot_args":"console=ttyS0 8250.nr_uarts=0"}}"#
                    .utf8),
            source: "c.json")
        #expect(r.value.machine?.vcpuCount == nil && r.value.machine?.memSizeMiB == 512)
        #expect(r.problems.contains { $0.subject == "c.json machine-config.vcpu_count" && $0.message.contains("found string") })
        #expect(r.problems.contains { $0.subject == "c.json machine-config.smt" })
        #expect(r.problems.contains { $0.subject == "c.json drives" })
        #expect(r.problems.contains { $0.subject == "c.json mmds-config.network_interfaces" })
        #expect(r.value.mmds?.version == "V1" && r.value.mmds?.versionExplicit == false)
        #expect(r.value.bootSource?.serialConsoleEnabled == false)
        let e = parseError { () throws(ConfigParseError) in try FirecrackerParser.parseConfigFile(Data("[1,2]".utf8), source: "a.json") }
        #expect(e?.code == .wrongType)
        let t = parseError { () throws(ConfigParseError) in try FirecrackerParser.parseConfigFile(Data(#"{"drives": ["#.utf8), source: "t.json") }
        #expect(t?.code == .malformed)
        let d = parseError { () throws(ConfigParseError) in
            try FirecrackerParser.parseConfigFile(
                Data((String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)).utf8), source: "d.json")
        }
        #expect(d?.code == .tooLarge)
        #expect(
            parseError { () throws(ConfigParseError) in try FirecrackerParser.parseConfigFile(Data([0x7B, 0xFF, 0x7D]), source: "u") }?.code
                == .invalidEncoding)
    }

    @Test func firecrackerArgv() throws {
        let r = try FirecrackerParser.parseArgv([
            "/firecracker", "--id=vm1", "--start-time-us=1", "--api-sock", "/run/fc.sock", "--config-file", "vm.json",
            "--no-seccomp", "--seccomp-filter", "/f.bpf", "--level", "Debug", "--boot-timer", "--mmds-size-limit", "51200",
            "--http-api-max-payload-size", "abc", "--no-api", "--frob",
        ])
        let c = r.value
        #expect(c.id == "vm1" && c.apiSocket == "/run/fc.sock" && c.configFile == "vm.json")
        #expect(c.noSeccomp && c.seccompFilter == "/f.bpf" && c.logLevel == "Debug" && c.bootTimer && c.noAPI)
        #expect(c.mmdsSizeLimit == 51200 && c.httpAPIMaxPayloadSize == nil)
        #expect(c.unrecognised == ["--frob"])
        #expect(r.problems.count == 2)
        let end = try FirecrackerParser.parseArgv(["firecracker", "--api-sock"])
        #expect(end.problems.first?.message.contains("needs a value") == true)
    }

    /// The unknown-option skip the Firecracker, Cloud Hypervisor and crosvm parsers share: the next word goes with an
    /// unknown option unless the option has an inline value, the word is an option, or it stands at the end of the
    /// words that may be values (crosvm keeps its final KERNEL).
    @Test func unknownOptionsTakeTheValueThatSeemsToGoWithThem() throws {
        let argv = ["firecracker", "--frob", "val", "--zap=1", "--api-sock", "/s", "--quux", "--id", "vm"]
        let c = try FirecrackerParser.parseArgv(argv).value
        #expect(c.unrecognised == ["--frob", "val", "--zap=1", "--quux"] && c.apiSocket == "/s" && c.id == "vm")
        var index = 2
        #expect(ParseSupport.skipUnknownOption("--frob", inline: nil, argv: argv, index: &index, valuesBefore: 2) == ["--frob"])
        #expect(index == 2)
        #expect(ParseSupport.skipUnknownOption("--frob", inline: nil, argv: argv, index: &index, valuesBefore: 3) == ["--frob", "val"])
        #expect(index == 3)
        #expect(ParseSupport.option("-x=a=b").map { $0 == ("x", "a=b") } == true)
        #expect(ParseSupport.option("-") == nil && ParseSupport.option("v") == nil)
    }

    @Test func jailerDocExample() throws {
        let cmds = try CommandLineText.split(try Fixture.text("jailer/firecracker__docs_jailer.md.example-run.txt"), joinLines: true)
        let argv = try #require(cmds.first?.argv)
        let r = try FirecrackerParser.parseJailer(argv)
        let j = try #require(r.value.jailer)
        #expect(j.id == "551e7604-e35c-42b3-b825-416853441234")
        #expect(j.execFile == "/usr/bin/firecracker" && j.uid == 123 && j.gid == 100)
        #expect(j.netns == "/var/run/netns/my_netns" && j.daemonize && !j.newPIDNamespace)
        #expect(j.cgroups == ["cpuset.mems=0", "cpuset.cpus=$(cat /sys/devices/system/node/node0/cpulist)"])
        #expect(r.value.id == j.id)
        #expect(r.problems.isEmpty)
    }

    @Test func jailerWithFirecrackerArgs() throws {
        let r = try FirecrackerParser.parseJailer([
            "jailer", "--id", "a", "--exec-file", "/usr/bin/firecracker", "--uid", "0", "--gid", "x", "--new-pid-ns",
            "--cgroup-version", "2", "--parent-cgroup", "fc", "--resource-limit", "no-file=1024", "--chroot-base-dir", "/srv/j",
            "--", "--config-file", "vm.json", "--no-seccomp",
        ])
        let j = try #require(r.value.jailer)
        #expect(j.uid == 0 && j.gid == nil && j.newPIDNamespace && j.cgroupVersion == "2" && j.parentCgroup == "fc")
        #expect(j.resourceLimits == ["no-file=1024"] && j.chrootBaseDir == "/srv/j")
        #expect(j.firecrackerArgs == ["--config-file", "vm.json", "--no-seccomp"])
        #expect(r.value.noSeccomp && r.value.configFile == "vm.json")
        #expect(r.problems.contains { $0.message.contains("numeric gid") })
    }

    @Test func mutationsNeverCrash() throws {
        var n = 0
        for (k, f) in try Fixture.files("firecracker-json").enumerated() {
            for m in Mutation.mutants(of: try Fixture.data(f), count: 80, seed: UInt64(400 + k)) {
                do { _ = try FirecrackerParser.parseConfigFile(m, source: f) } catch { #expect(!error.message.isEmpty) }
                n += 1
            }
        }
        let argv = try #require(
            try CommandLineText.split(try Fixture.text("jailer/firecracker__docs_jailer.md.example-run.txt"), joinLines: true).first?.argv)
        for m in Mutation.mutants(of: argv + ["--", "--api-sock", "/a", "--config-file", "b"], count: 200, seed: 499) {
            do { _ = try FirecrackerParser.parseJailer(m) } catch { #expect(!error.message.isEmpty) }
            n += 1
        }
        #expect(n == 520)
    }
}

@Suite("Cloud Hypervisor parser")
struct CloudHypervisorArgvParserTests {
    func commands(_ path: String) throws -> [[String]] {
        try CommandLineText.split(try Fixture.text(path)).map(\.argv).filter { $0.first?.hasSuffix("cloud-hypervisor") == true }
    }

    @Test func virtiofsDoc() throws {
        let cmds = try commands("cloud-hypervisor/cloud-hypervisor__docs_fs.cmdlines.txt")
        #expect(cmds.count == 1)
        let r = try CloudHypervisorArgvParser.parse(cmds[0])
        let c = r.value
        #expect(c.memory["size"] == "1G" && c.memorySharedWithHost)
        #expect(c.filesystems.first?.socket == "/tmp/virtiofs" && c.filesystems.first?.properties["tag"] == "myfs")
        #expect(c.cmdline == "console=hvc0 root=/dev/vda1 rw" && c.kernel == "vmlinux")
        #expect(c.seccomp == .enabled && !c.seccompExplicit && !c.landlock)
        #expect(c.disks.first?.path == "focal-server-cloudimg-amd64.raw")
        #expect(r.problems.isEmpty)
    }

    @Test func landlockDoc() throws {
        let cmds = try commands("cloud-hypervisor/cloud-hypervisor__docs_landlock.cmdlines.txt")
        #expect(cmds.count == 2)
        let a = try CloudHypervisorArgvParser.parse(cmds[0]).value
        #expect(a.landlock && a.disks.map(\.path) == ["focal-server-cloudimg-amd64.raw", "/tmp/ubuntu-cloudinit.img"])
        #expect(a.nets.first?.properties == ["tap": "", "mac": "", "ip": "", "mask": ""])
        #expect(a.cpus["boot"] == "4" && a.apiSocket == nil)
        let b = try CloudHypervisorArgvParser.parse(cmds[1]).value
        #expect(b.apiSocket == "/tmpXXXX/ch.socket")
        #expect(b.landlockRules.map(\.path) == ["/path/to/hotplug1", "/path/to/hotplug2"])
        #expect(b.landlockRules.first?.properties["access"] == "rw")
    }

    @Test func vfioDoc() throws {
        let cmds = try commands("cloud-hypervisor/cloud-hypervisor__docs_vfio.cmdlines.txt")
        let c = try CloudHypervisorArgvParser.parse(cmds[0]).value
        #expect(c.devices.first?.path == "/sys/bus/pci/devices/0000:01:00.0/")
        #expect(c.console == "off" && c.serial == "tty")
        #expect(c.binary == "./target/debug/cloud-hypervisor")
    }

    @Test func seccompAndOtherOptions() throws {
        let r = try CloudHypervisorArgvParser.parse([
            "cloud-hypervisor", "--seccomp=log", "--api-socket", "path=/run/ch.sock", "-vv", "-v", "--pvpanic",
            "--tpm", "socket=/run/swtpm.sock", "--user-device", "socket=/run/vfu.sock", "--vsock", "cid=3,socket=/run/v.sock",
            "--memory", "size=2G,hugepages=on", "--platform", "num_pci_segments=2", "--event-monitor", "path=/tmp/ev",
            "--firmware", "/fw.bin", "--bogus", "x", "--disk",
        ])
        let c = r.value
        #expect(c.seccomp == .log && c.seccompExplicit && c.apiSocket == "/run/ch.sock" && c.verbosity == 3)
        #expect(c.pvpanic && c.tpmSocket == "/run/swtpm.sock" && c.userDevices.first?.socket == "/run/vfu.sock")
        #expect(c.vsock?.socket == "/run/v.sock" && c.hugepages && !c.memorySharedWithHost)
        #expect(c.platform["num_pci_segments"] == "2" && c.eventMonitor == "path=/tmp/ev" && c.firmware == "/fw.bin")
        #expect(c.unrecognised == ["--bogus", "x"])
        #expect(r.problems.contains { $0.message.contains("needs a value") })
        #expect(try CloudHypervisorArgvParser.parse(["ch", "--seccomp", "false"]).value.seccomp == .disabled)
        #expect(try CloudHypervisorArgvParser.parse(["ch", "--seccomp", "maybe"]).problems.count == 1)
    }

    @Test func mutationsNeverCrash() throws {
        var n = 0
        for f in try Fixture.files("cloud-hypervisor") {
            for (k, argv) in try commands(f).enumerated() {
                for m in Mutation.mutants(of: argv, count: 70, seed: UInt64(500 + k + n)) {
                    do { _ = try CloudHypervisorArgvParser.parse(m) } catch { #expect(!error.message.isEmpty) }
                    n += 1
                }
            }
        }
        #expect(n == 280)
    }
}

@Suite("crosvm parser")
struct CrosvmArgvParserTests {
    /// The doc examples run crosvm through `cargo run [cargo options] -- run …`.
    func argv(_ path: String) throws -> [String] {
        let cmds = try CommandLineText.split(try Fixture.text(path)).map(\.argv)
        let run = try #require(cmds.first { $0.first == "cargo" })
        let dd = try #require(run.firstIndex(of: "--"))
        return ["crosvm"] + run[(dd + 1)...]
    }

    @Test func simpleExample() throws {
        let r = try CrosvmArgvParser.parse(try argv("crosvm/crosvm__tools_examples_example_simple.run.txt"))
        let c = r.value
        #expect(c.subcommand == "run" && !c.disableSandbox)
        #expect(c.blocks.first?.path == "./rootfs" && c.initrd == "./initrd.img-*")
        #expect(c.params == ["root=/dev/vda5"] && c.kernel == "./vmlinuz-*")
        #expect(r.problems.isEmpty)
    }

    @Test func networkExample() throws {
        let c = try CrosvmArgvParser.parse(try argv("crosvm/crosvm__tools_examples_example_network.run.txt")).value
        #expect(c.nets.first?.properties["tap-name"] == "crosvm_tap")
        #expect(c.kernel == "./vmlinuz-*")
    }

    @Test func sandboxAndDevices() throws {
        let r = try CrosvmArgvParser.parse([
            "crosvm", "--log-level", "debug", "run", "--disable-sandbox", "--seccomp-log-failures",
            "--seccomp-policy-dir=/usr/share/policy", "--shared-dir", "/srv/share:mytag:type=fs:cache=always",
            "--vfio", "/sys/bus/pci/devices/0000:00:1f.0,iommu=viommu", "--gpu", "backend=virglrenderer",
            "--sound", "/run/cras", "--tap-name", "tap0", "--host-ip", "10.0.0.1", "-s", "/run/crosvm.sock",
            "-c", "2", "-m", "1024", "--rwdisk", "/d.img", "--serial", "type=stdout,hardware=virtio-console",
            "--jail", "pivot-root=/var/empty2", "--frob", "val", "bzImage",
        ])
        let c = r.value
        #expect(c.globalOptions == ["--log-level", "debug"])
        #expect(c.disableSandbox && c.seccompLogFailures && c.seccompPolicyDir == "/usr/share/policy")
        let sd = try #require(c.sharedDirs.first)
        #expect(sd.path == "/srv/share" && sd.properties["tag"] == "mytag" && sd.properties["type"] == "fs")
        #expect(c.vfio.first?.path == "/sys/bus/pci/devices/0000:00:1f.0" && c.vfio.first?.properties["iommu"] == "viommu")
        #expect(c.gpu.count == 1 && c.sound.first?.path == "/run/cras")
        #expect(c.nets.first?.properties["tap-name"] == "tap0" && c.hostIP == "10.0.0.1")
        #expect(c.controlSocket == "/run/crosvm.sock" && c.cpus == "2" && c.memory == "1024")
        #expect(c.blocks.first?.path == "/d.img" && c.serials.first?.properties["type"] == "stdout")
        #expect(c.pivotRoot == "/var/empty2" && c.jailOptions["pivot-root"] == "/var/empty2")
        #expect(c.unrecognised == ["--frob", "val"] && c.kernel == "bzImage")
        let none = try CrosvmArgvParser.parse(["crosvm", "--log-level"])
        #expect(none.value.subcommand == nil && !none.problems.isEmpty)
    }

    @Test func mutationsNeverCrash() throws {
        var n = 0
        for (k, f) in try Fixture.files("crosvm").enumerated() {
            for m in Mutation.mutants(of: try argv(f), count: 150, seed: UInt64(600 + k)) {
                do { _ = try CrosvmArgvParser.parse(m) } catch { #expect(!error.message.isEmpty) }
                n += 1
            }
        }
        #expect(n == 300)
    }
}
