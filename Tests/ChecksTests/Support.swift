import BulkheadModel
import Checks
import Foundation
import HostInspection
import Testing

/// Test fixtures and a small reader that turns a captured host tree (Fixtures/hosts/NAME) into HostFacts
/// and HostObservations, the way host inspection would.
enum Fixture {
    static let collectedAt = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-17

    /// QEMU discovered by its binary alone (installed, no process): the mechanism whose files the logging checks
    /// must see covered.
    static let installedQEMU = IsolationMechanism(
        product: "qemu", name: "QEMU", role: .vmm, state: .installed,
        evidence: [
            Evidence(
                claim: "QEMU binary present at /usr/bin/qemu-system-x86_64", source: .file(path: "/usr/bin/qemu-system-x86_64", sha256: nil),
                observedAt: collectedAt, confidence: .high)
        ])

    /// Real configurations that moved from Fixtures/configs into the probe that uses them as a good or bad
    /// fixture (`Sources/Checks/Probes/<family>/<id>/fixtures/`); the older tests keep their names for them.
    static let movedToProbes: [String: String] = [
        "configs/qemu/simple1.conf.cmd": "qemu/qemu.sandbox/fixtures/bad-proxmox-simple1.args",
        "configs/qemu/minimal-defaults.conf.cmd": "qemu/qemu.sandbox/fixtures/bad-proxmox-minimal-defaults.args",
        "configs/qemu/q35-usb3.conf.cmd": "qemu/qemu.sandbox/fixtures/bad-proxmox-q35-usb3.args",
        "configs/qemu/sev-snp.conf.cmd": "qemu/qemu.sandbox/fixtures/bad-proxmox-sev-snp.args",
        "configs/qemu/hostdev-vfio.x86_64-latest.args": "qemu/qemu.sandbox/fixtures/good-libvirt-hostdev-vfio.args",
        "configs/qemu/graphics-spice.x86_64-latest.args": "qemu/qemu.accelerator/fixtures/bad-libvirt-graphics-spice.args",
        "configs/qemu/spice-win.conf.cmd": "qemu/qemu.legacy-devices/fixtures/bad-proxmox-spice-win.args",
        "configs/libvirt/graphics-spice.xml": "libvirt/libvirt.domain-type/fixtures/bad-libvirt-graphics-spice.xml",
        "configs/libvirt/hostdev-vfio.xml": "libvirt/libvirt.hostdev/fixtures/bad-libvirt-hostdev-vfio.xml",
        "configs/libvirt/virt-manager__virt-install-kvm-win10.xml": "libvirt/libvirt.domain-type/fixtures/good-virt-manager-kvm-win10.xml",
        "configs/libvirt/virt-manager__virt-install-xen-pv.xml": "libvirt/libvirt.domain-type/fixtures/good-virt-manager-xen-pv.xml",
        "configs/libvirt/virt-manager__virt-install-mdev-devices.xml": "libvirt/libvirt.hostdev/fixtures/bad-virt-manager-mdev-devices.xml",
        "configs/libvirt/virt-manager__virt-install-singleton-config-2.xml":
            "libvirt/libvirt.seclabel-none/fixtures/good-virt-manager-singleton-config-2.xml",
        "configs/libvirt-qemu-conf/smartperson-ubuntu-x570-qemu-setup__qemu.conf":
            "libvirt/libvirt.security-driver/fixtures/good-ubuntu-stock-apparmor/etc/libvirt/qemu.conf",
        "configs/libvirt-qemu-conf/lennard0711-vfio__qemu.conf": "libvirt/libvirt.qemu-user/fixtures/good-lennard0711-vfio.qemu.conf",
        "configs/firecracker/firecracker__vm_config_with_mmdsv2.json":
            "firecracker/firecracker.mmds-v1/fixtures/good-firecracker-vm-config-with-mmdsv2.json",
        "configs/firecracker/firecracker__vm_config.json": "firecracker/firecracker.guest-smt/fixtures/good-firecracker-vm-config.json",
        "configs/firecracker/firecracker__vm_config_network.json":
            "firecracker/firecracker.guest-smt/fixtures/good-firecracker-vm-config-network.json",
        "configs/firecracker/firecracker__docs_jailer.md.example-run.txt":
            "firecracker/firecracker.jailer/fixtures/good-firecracker-docs-jailer.args",
        "configs/cloud-hypervisor/cloud-hypervisor__docs_landlock.cmdlines.txt":
            "cloud-hypervisor/cloud-hypervisor.landlock/fixtures/good-cloud-hypervisor-docs-landlock.args",
        "configs/cloud-hypervisor/cloud-hypervisor__docs_fs.cmdlines.txt":
            "cloud-hypervisor/cloud-hypervisor.landlock/fixtures/bad-cloud-hypervisor-docs-fs.args",
        "configs/cloud-hypervisor/cloud-hypervisor__docs_vfio.cmdlines.txt":
            "cloud-hypervisor/cloud-hypervisor.landlock/fixtures/bad-cloud-hypervisor-docs-vfio.args",
        "configs/crosvm/crosvm__tools_examples_example_simple.run.txt": "crosvm/crosvm.sandbox/fixtures/good-crosvm-example-simple.args",
        "configs/crosvm/crosvm__tools_examples_example_network.run.txt": "crosvm/crosvm.sandbox/fixtures/good-crosvm-example-network.args",
        "configs/xen/xen__xlexample.hvm": "xen/xen.device-model/fixtures/bad-xen-xlexample-hvm.cfg",
        "configs/xen/libvirt-xlconfigdata/test-spice-features.cfg": "xen/xen.display-exposure/fixtures/good-libvirt-xl-test-spice-features.cfg",
    ]

    static func url(_ relative: String) throws -> URL {
        if let moved = movedToProbes[relative] { return ProbeFolder.root.appendingPathComponent(moved) }
        guard let base = Bundle.module.resourceURL?.appendingPathComponent("Fixtures") else {
            throw Problem(subject: relative, message: "test resource bundle has no Fixtures directory")
        }
        return base.appendingPathComponent(relative)
    }

    /// Reads a fixture file, at most 4 MiB.
    static func text(_ relative: String) throws -> String {
        let handle = try FileHandle(forReadingFrom: try url(relative))
        defer { try? handle.close() }
        let data = try handle.read(upToCount: 4 << 20) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func optionalText(_ relative: String) -> String? { try? text(relative) }

    /// HostFacts from a captured tree, through HostInspection's own DirectoryHostRoot.
    static func host(_ name: String) throws -> HostFacts {
        let root = DirectoryHostRoot(directory: try url("hosts/\(name)").path)
        func read(_ p: String) -> String? { try? root.readText(p, limit: 1 << 20) }
        var facts = HostFacts(collectedAt: collectedAt, source: "fixture \(name)")
        let vdir = "/sys/devices/system/cpu/vulnerabilities"
        for entry in (try? root.list(vdir)) ?? [] {
            if let t = read("\(vdir)/\(entry)") { facts.cpu.vulnerabilities[entry] = t.trimmingCharacters(in: .whitespacesAndNewlines) }
        }
        facts.cpu.smtControl = read("/sys/devices/system/cpu/smt/control")?.trimmingCharacters(in: .whitespacesAndNewlines)
        facts.kernel.commandLine = (read("/proc/cmdline") ?? "").split(whereSeparator: \.isWhitespace).map(String.init)
        facts.kernel.lockdown = read("/sys/kernel/security/lockdown")?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let mods = read("/proc/modules") {
            facts.kernel.modules = mods.split(whereSeparator: \.isNewline).compactMap { $0.split(separator: " ").first.map(String.init) }
        }
        for module in (try? root.list("/sys/module")) ?? [] {
            for p in (try? root.list("/sys/module/\(module)/parameters")) ?? [] {
                if let v = read("/sys/module/\(module)/parameters/\(p)") {
                    facts.kernel.moduleParameters[module, default: [:]][p] = v.trimmingCharacters(in: .whitespacesAndNewlines)
                }
            }
        }
        if let stat = read("/dev/kvm.stat")?.split(separator: " "), stat.count == 3,
            let u = UInt32(stat[1].trimmingCharacters(in: .whitespacesAndNewlines)),
            let g = UInt32(stat[2].trimmingCharacters(in: .whitespacesAndNewlines))
        {
            facts.kvm = KVMDeviceFacts(mode: String(stat[0]), ownerUID: u, groupGID: g)
        }
        let groups = (try? root.list("/sys/kernel/iommu_groups")) ?? []
        facts.iommu = IOMMUFacts(groupCount: groups.count)
        return facts
    }

    /// HostObservations from a captured tree: a reference for the collector HostInspection needs.
    static func observations(_ name: String) throws -> HostObservations {
        observations(root: DirectoryHostRoot(directory: try url("hosts/\(name)").path), label: name)
    }

    /// HostObservations read from a host root the way the assessment's collector reads them.
    static func observations(root: DirectoryHostRoot, label: String) -> HostObservations {
        var obs = HostObservations(observedAt: collectedAt, source: "fixture \(label)")
        func state(_ path: String) -> HostObservations.State {
            do {
                return .content(try root.readText(path, limit: 1 << 20))
            } catch {
                return error.code == .notFound ? .absent : .unreadable(error.message)
            }
        }
        for p in HostObservations.wantedFiles { obs.files[p] = state(p) }
        for p in HostObservations.wantedExistence { obs.files[p] = root.exists(p) ? .present : .absent }
        for (dir, suffix) in HostObservations.wantedDirectories {
            do {
                let names = try root.list(dir)
                obs.listed[dir] = .present
                for n in names.sorted() where n.hasSuffix(suffix) { obs.files["\(dir)/\(n)"] = state("\(dir)/\(n)") }
            } catch {
                obs.listed[dir] = error.code == .notFound ? .absent : .unreadable(error.message)
            }
        }
        return obs
    }

    static let catalog: CheckCatalog = {
        do { return try CheckCatalog.standard() } catch {
            Issue.record("the shipped catalog does not load: \(error)")
            do { return try CheckCatalog(definitions: [], checks: []) } catch {
                preconditionFailure("an empty check catalog always builds: \(error)")
            }
        }
    }()
}

extension CheckCatalog {
    /// Runs one check over an input and returns its findings.
    func run(_ id: String, _ input: CheckInput, tailoring: Tailoring? = nil) -> [Finding] {
        CheckRunner(catalog: self).run(input, selection: CheckSelection(only: [id]), tailoring: tailoring).findings
    }
    /// The single finding of a host-scope check.
    func host(_ id: String, _ facts: HostFacts, observations: HostObservations? = nil, tailoring: Tailoring? = nil) -> Finding? {
        let f = run(id, CheckInput(facts: facts, observations: observations), tailoring: tailoring)
        #expect(f.count == 1, "\(id) gave \(f.count) findings")
        return f.first
    }
}

extension Finding {
    var reason: String? {
        if case .inconclusive(let r) = outcome { return r }
        return nil
    }
}

extension HostObservations {
    /// What the collection records on a host with none of the socket units (libvirtd-tcp.socket, docker.socket …):
    /// every unit path absent, no drop-in directory, no `*.wants` directory.
    mutating func markNoSocketUnits() {
        for path in SystemdSockets.unitPaths where files[path] == nil { files[path] = .absent }
        for directory in SystemdSockets.dropInDirectories where listed[directory] == nil { listed[directory] = .absent }
        for directory in SystemdSockets.wantsDirectories where listed[directory] == nil { listed[directory] = .absent }
    }
}
