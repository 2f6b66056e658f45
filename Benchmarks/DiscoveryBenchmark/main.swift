// Discovery benchmark (issue 2): builds synthetic host trees with N QEMU guests (a /proc entry with the
// real-shaped argv of a libvirt-launched guest, plus its libvirt domain XML) and times discovery against
// the raw cost of reading the same files in the same run.
//
//   swift run -c release DiscoveryBenchmark [N ...]      (default: 100 1000 5000)
//   swift run -c release DiscoveryBenchmark --digest [N | DIR | SNAPSHOT.tar.gz ...]
//
// `--digest` prints, for N synthetic guests, a host tree or a snapshot, what discovery found (mechanisms, guests,
// problems) and a digest of its whole JSON document, dated at a fixed time: two builds that print the same digest
// for the same input found the same things.
import Discovery
import Foundation
import HostInspection

let digestMode = CommandLine.arguments.dropFirst().first == "--digest"
let sizes = CommandLine.arguments.dropFirst().compactMap(Int.init)
let counts = sizes.isEmpty ? [100, 1000, 5000] : sizes

let status = """
    Name:\tqemu-system-x86
    Umask:\t0077
    State:\tS (sleeping)
    Tgid:\t%PID%
    Ngid:\t0
    Pid:\t%PID%
    PPid:\t1
    TracerPid:\t0
    Uid:\t64055\t64055\t64055\t64055
    Gid:\t994\t994\t994\t994
    FDSize:\t128
    Groups:\t994
    NStgid:\t%PID%
    NSpid:\t%PID%
    NSpgid:\t%PID%
    NSsid:\t%PID%
    VmPeak:\t 4389632 kB
    VmSize:\t 4323072 kB
    Threads:\t4
    SigQ:\t0/95708
    CapInh:\t0000000000000000
    CapPrm:\t0000000000000000
    CapEff:\t0000000000000000
    CapBnd:\t000001ffffffffff
    CapAmb:\t0000000000000000
    NoNewPrivs:\t1
    Seccomp:\t2
    Seccomp_filters:\t1
    Speculation_Store_Bypass:\tthread vulnerable
    Cpus_allowed_list:\t0-1

    """

func argv(_ i: Int) -> [String] {
    [
        "/usr/bin/qemu-system-x86_64", "-name", "guest=vm\(i),debug-threads=on", "-S", "-object",
        "{\"qom-type\":\"secret\",\"id\":\"masterKey0\",\"format\":\"raw\",\"file\":\"/var/lib/libvirt/qemu/domain-\(i)-vm\(i)/master-key.aes\"}",
        "-machine", "pc-q35-7.2,usb=off,vmport=off,dump-guest-core=off,memory-backend=pc.ram", "-accel", "kvm",
        "-cpu", "host,migratable=on", "-m", "2048", "-object",
        "{\"qom-type\":\"memory-backend-ram\",\"id\":\"pc.ram\",\"size\":2147483648}", "-overcommit", "mem-lock=off",
        "-smp", "2,sockets=2,cores=1,threads=1", "-uuid", "6b3e4f1c-0000-4000-8000-\(String(format: "%012d", i))",
        "-no-user-config", "-nodefaults", "-chardev", "socket,id=charmonitor,fd=33,server=on,wait=off", "-mon",
        "chardev=charmonitor,id=monitor,mode=control", "-rtc", "base=utc,driftfix=slew", "-no-shutdown", "-boot",
        "strict=on", "-device", "{\"driver\":\"pcie-root-port\",\"port\":16,\"chassis\":1,\"id\":\"pci.1\",\"bus\":\"pcie.0\"}",
        "-blockdev",
        "{\"driver\":\"file\",\"filename\":\"/var/lib/libvirt/images/vm\(i).qcow2\",\"node-name\":\"libvirt-1-storage\"}",
        "-device", "{\"driver\":\"virtio-blk-pci\",\"bus\":\"pci.1\",\"drive\":\"libvirt-1-format\",\"id\":\"virtio-disk0\"}",
        "-netdev", "{\"type\":\"tap\",\"fd\":\"35\",\"vhost\":true,\"vhostfd\":\"37\",\"id\":\"hostnet0\"}", "-device",
        "{\"driver\":\"virtio-net-pci\",\"netdev\":\"hostnet0\",\"id\":\"net0\",\"mac\":\"52:54:00:00:00:01\"}",
        "-vnc", "127.0.0.1:\(i % 100),password=on", "-device", "{\"driver\":\"virtio-vga\",\"id\":\"video0\"}",
        "-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny", "-msg", "timestamp=on",
    ]
}

func domainXML(_ i: Int) -> String {
    """
    <domain type='kvm'>
      <name>vm\(i)</name>
      <uuid>6b3e4f1c-0000-4000-8000-\(String(format: "%012d", i))</uuid>
      <memory unit='KiB'>2097152</memory>
      <vcpu placement='static'>2</vcpu>
      <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type><boot dev='hd'/></os>
      <features><acpi/><apic/></features>
      <cpu mode='host-passthrough' check='none' migratable='on'/>
      <devices>
        <emulator>/usr/bin/qemu-system-x86_64</emulator>
        <disk type='file' device='disk'>
          <driver name='qemu' type='qcow2'/>
          <source file='/var/lib/libvirt/images/vm\(i).qcow2'/>
          <target dev='vda' bus='virtio'/>
        </disk>
        <interface type='network'><source network='default'/><model type='virtio'/></interface>
        <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'><listen type='address' address='127.0.0.1'/></graphics>
        <video><model type='virtio' heads='1' primary='yes'/></video>
        <memballoon model='virtio'/>
      </devices>
      <seclabel type='dynamic' model='apparmor' relabel='yes'/>
    </domain>

    """
}

func write(_ root: URL, _ path: String, _ data: Data) throws {
    let url = root.appendingPathComponent(String(path.dropFirst()))
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try data.write(to: url)
}

func build(_ n: Int) throws -> (URL, [String]) {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-bench-\(n)-\(UUID().uuidString)")
    var files: [String] = []
    try write(root, "/usr/bin/qemu-system-x86_64", Data("ELF".utf8))
    try write(
        root, "/var/lib/dpkg/status",
        Data(
            """
            Package: qemu-system-x86
            Status: install ok installed
            Architecture: amd64
            Source: qemu
            Version: 1:7.2+dfsg-7+deb12u18

            Package: libvirt-daemon-system
            Status: install ok installed
            Architecture: amd64
            Source: libvirt
            Version: 9.0.0-4+deb12u2

            """.utf8))
    try write(root, "/etc/libvirt/qemu.conf", Data("security_driver = \"apparmor\"\nseccomp_sandbox = 1\n".utf8))
    for i in 0..<n {
        let pid = 10_000 + i
        let cmdline = argv(i).joined(separator: "\0") + "\0"
        let p = "/proc/\(pid)"
        try write(root, p + "/cmdline", Data(cmdline.utf8))
        try write(root, p + "/status", Data(status.replacingOccurrences(of: "%PID%", with: String(pid)).utf8))
        try write(root, p + "/stat", Data("\(pid) (qemu-system-x86) S 1 \(pid) \(pid) 0 -1 4194560\n".utf8))
        try write(root, p + "/comm", Data("qemu-system-x86\n".utf8))
        try write(root, p + "/cgroup", Data("0::/machine.slice/machine-qemu\\x2d\(i)\\x2dvm\(i).scope/libvirt/emulator\n".utf8))
        let exe = root.appendingPathComponent("proc/\(pid)/exe")
        try FileManager.default.createSymbolicLink(atPath: exe.path, withDestinationPath: "/usr/bin/qemu-system-x86_64")
        try write(root, "/etc/libvirt/qemu/vm\(i).xml", Data(domainXML(i).utf8))
        files += [p + "/cmdline", p + "/status", p + "/stat", p + "/comm", p + "/cgroup", "/etc/libvirt/qemu/vm\(i).xml"]
    }
    return (root, files)
}

/// The floor: read every file discovery needs, with nothing else.
func rawRead(_ root: URL, _ files: [String]) -> Int {
    var bytes = 0
    for f in files {
        if let data = FileManager.default.contents(atPath: root.path + f) { bytes += data.count }
    }
    return bytes
}

func time(_ body: () -> Void) -> Double {
    let start = ContinuousClock.now
    body()
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

/// FNV-1a over the bytes (a digest to compare two builds' output, not a security hash).
func fnv1a(_ bytes: Data) -> UInt64 {
    bytes.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
}

if digestMode {
    let fixed = Date(timeIntervalSince1970: 1_800_000_000)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.dateEncodingStrategy = .iso8601
    print("input  mechanisms  guests  problems  json-bytes  digest")
    for argument in CommandLine.arguments.dropFirst(2) {
        var built: URL?
        let root: any HostRoot
        if let n = Int(argument) {
            let (directory, _) = try build(n)
            built = directory
            root = DirectoryHostRoot(directory: directory.path)
        } else if argument.hasSuffix(".tar.gz") {
            root = try SnapshotHostRoot(path: argument)
        } else {
            root = DirectoryHostRoot(directory: argument)
        }
        defer { if let built { try? FileManager.default.removeItem(at: built) } }
        let engine = DiscoveryEngine()
        var result = engine.run(HostInspector(root: root).collectEvidence([engine], now: fixed))
        // The synthetic tree's directory has a new name every run.
        if built != nil { result.source = "synthetic \(argument)" }
        let json = try encoder.encode(result)
        let problems = result.problems.count + result.mechanisms.reduce(0) { $0 + $1.problems.count }
        print(
            "\(argument)  \(result.mechanisms.count)  \(result.mechanisms.reduce(0) { $0 + $1.guests.count })  \(problems)  \(json.count)  "
                + String(fnv1a(json), radix: 16))
    }
    exit(0)
}

print("guests  raw-read(s)  discovery(s)  ratio  per-guest(ms)  collect(s)  detect(s)  found")
for n in counts {
    let (root, files) = try build(n)
    defer { try? FileManager.default.removeItem(at: root) }
    // Warm the page cache once so both measurements read from memory.
    _ = rawRead(root, files)
    var rawBest = Double.infinity
    var discoveryBest = Double.infinity
    var found = 0
    var inspectBest = Double.infinity
    var detectBest = Double.infinity
    for _ in 0..<3 {
        let engine = DiscoveryEngine()
        let inspector = HostInspector(root: DirectoryHostRoot(directory: root.path))
        var evidence: HostEvidence?
        inspectBest = min(inspectBest, time { evidence = inspector.collectEvidence([engine]) })
        if let evidence { detectBest = min(detectBest, time { _ = engine.run(evidence) }) }
        rawBest = min(rawBest, time { _ = rawRead(root, files) })
        discoveryBest = min(
            discoveryBest,
            time {
                let result = engine.run(inspector.collectEvidence([engine]))
                found = result.mechanisms.first { $0.product == "qemu" }?.guests.count ?? 0
            })
    }
    print(
        String(
            format: "%6d  %11.3f  %12.3f  %5.1f  %13.3f  %10.3f  %9.3f  %d", n, rawBest, discoveryBest,
            discoveryBest / rawBest, discoveryBest * 1000 / Double(n), inspectBest, detectBest, found))
}

// Where the detector time goes: the two parsers alone over the same inputs.
do {
    let n = 1000
    let argvs = (0..<n).map(argv)
    let xmls = (0..<n).map(domainXML)
    let qemuTime = time { for a in argvs { _ = ConfigParsers.qemu(a) } }
    let xmlTime = time { for (i, x) in xmls.enumerated() { _ = ConfigParsers.libvirt(x, path: "/etc/libvirt/qemu/vm\(i).xml") } }
    print(String(format: "parsers over %d guests: QEMU argv %.3f s, libvirt XML %.3f s", n, qemuTime, xmlTime))
}
