import Assessment
import BulkheadModel
import BulkheadTestSupport
import Checks
import Foundation
import HostInspection
import Testing

/// ISM-1604's administrative interfaces on real kernel data: a TCP listener and a UNIX socket made by a real
/// process here, read through the one evidence collection (and a snapshot of it), then judged by the checks.
@Suite struct AdminInterfaceEvidenceTests {
    /// A python3 process holding a TCP listener on 0.0.0.0 (an ephemeral port) and a UNIX socket at
    /// `socketPath` with mode `socketMode`; it exits when its standard input closes.
    final class Listener {
        let process = Process()
        let input = Pipe()
        var pid: Int32 = 0
        var port = 0

        init(socketPath: String, socketMode: String) throws {
            let python = try #require(Tool.find("python3"), "python3 is not installed")
            let script = """
                import os, socket, sys
                t = socket.socket(); t.bind(("0.0.0.0", 0)); t.listen()
                u = socket.socket(socket.AF_UNIX); u.bind(sys.argv[1]); u.listen(); os.chmod(sys.argv[1], int(sys.argv[2], 8))
                print(os.getpid(), t.getsockname()[1], flush=True)
                sys.stdin.read()
                """
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = ["-c", script, socketPath, socketMode]
            process.standardInput = input
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            var line = Data()
            while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line.append(byte) }
            let fields = String(decoding: line, as: UTF8.self).split(separator: " ")
            pid = try #require(fields.first.flatMap { Int32($0) }, "the listener printed no pid")
            port = try #require(fields.last.flatMap { Int($0) }, "the listener printed no port")
        }

        func stop() {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
        }
    }

    static func temporaryRoot() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-admin-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("run"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("etc"), withIntermediateDirectories: true)
        // The machine's own group database with Docker's group added, as docker.io's postinst does.
        let group = (try? String(contentsOfFile: "/etc/group", encoding: .utf8)) ?? "root:x:0:\n"
        try (group + "dockeradmins:x:64999:alice\n").write(to: dir.appendingPathComponent("etc/group"), atomically: true, encoding: .utf8)
        return dir
    }

    static func run(_ id: String, _ input: CheckInput) throws -> [Finding] {
        try CheckRunner(catalog: CheckCatalog.standard()).run(input, selection: CheckSelection(only: [id])).findings
    }

    @Test(.enabled(if: Tool.runs("python3"), "needs python3 to hold a real listener"))
    func aRealTCPListenerIsMatchedToItsProcessAndJudged() throws {
        let root = try Self.temporaryRoot()
        defer { try? FileManager.default.removeItem(at: root) }
        let listener = try Listener(socketPath: root.appendingPathComponent("run/docker.sock").path, socketMode: "660")
        defer { listener.stop() }
        // The listener stands in for libvirtd: the collection reads its descriptors and its TCP tables live.
        let facts = HostFacts(
            collectedAt: Date(), source: "live host",
            processes: [HostProcess(pid: listener.pid, name: "libvirtd", executable: "/usr/sbin/libvirtd", arguments: ["/usr/sbin/libvirtd"])])
        let evidence = HostInspector(root: DirectoryHostRoot.live).collectEvidence([CheckEvidenceNeed()], given: facts)
        let observations = CheckEvidenceNeed.observations(evidence)
        let listeners = try AdminInterfaces.listeners(of: listener.pid, observations).get()
        #expect(listeners.map(\.port) == [listener.port], "\(listeners)")
        #expect(listeners.first?.address == "0.0.0.0")
        #expect(listeners.first?.loopback == false)
        // This test process holds no such listener: nothing is attributed to the wrong process.
        #expect(!AdminInterfaces.managementDaemons(facts.processes).contains { $0.pid == getpid() })

        func judged(_ settings: [String: String]) throws -> [Finding] {
            let daemon = DaemonConfiguration(
                product: "libvirt", path: "/etc/libvirt/libvirtd.conf",
                settings: .libvirtDaemon(settings.mapValues { LibvirtConfValue(string: $0) }))
            return try Self.run(
                "libvirt.admin-interface", CheckInput(facts: evidence.facts, observations: observations, daemons: [daemon]))
        }
        // auth_tcp none on the port it holds: fails, though listen_tcp is not set (socket activation).
        let open = try judged(["auth_tcp": "none", "tcp_port": String(listener.port)])
        #expect(open.map(\.outcome) == [.fail])
        #expect(open.first?.observed?.contains("0.0.0.0:\(listener.port)") == true, "\(open)")
        #expect(open.first?.evidence.contains { $0.claim.contains("0.0.0.0:\(listener.port)") } == true)
        // SASL (libvirt's default) on the same listener passes and says what it saw.
        let sasl = try judged(["tcp_port": String(listener.port)])
        #expect(sasl.map(\.outcome) == [.pass])
        #expect(sasl.first?.observed?.contains("listens on 0.0.0.0:\(listener.port)") == true, "\(sasl)")
        // On neither configured port, auth_tcp none still fails (the transport cannot be told).
        #expect(try judged(["auth_tcp": "none"]).map(\.outcome) == [.fail])
    }

    @Test(.enabled(if: Tool.runs("python3"), "needs python3 to make a real socket"))
    func aRealSocketsMetadataIsCollectedKeptInASnapshotAndJudged() throws {
        let root = try Self.temporaryRoot()
        defer { try? FileManager.default.removeItem(at: root) }
        let listener = try Listener(socketPath: root.appendingPathComponent("run/docker.sock").path, socketMode: "666")
        defer { listener.stop() }
        let facts = HostFacts(collectedAt: Date(timeIntervalSince1970: 1_800_000_000), source: "root \(root.path)")
        let evidence = HostInspector(root: DirectoryHostRoot(directory: root.path)).collectEvidence(
            [CheckEvidenceNeed()], given: facts, recordsMetadata: true)
        let observed = CheckEvidenceNeed.observations(evidence)
        guard case .stat(let st)? = observed.stats["/run/docker.sock"] else {
            Issue.record("no stat of /run/docker.sock: \(String(describing: observed.stats["/run/docker.sock"]))")
            return
        }
        #expect(st.kind == "socket")
        #expect(st.octalMode == "0666")
        #expect(observed.stats["/run/containerd/containerd.sock"] == .absent)
        let live = try Self.run("runtime.engine-socket", CheckInput(facts: evidence.facts, observations: observed))
        #expect(live.map(\.outcome) == [.fail], "\(live)")
        #expect(live.first?.observed?.contains("every local user") == true)

        // The snapshot carries the socket's metadata (it has no member), and a replay judges alike.
        let snapshot = root.appendingPathComponent("host.tar.gz").path
        _ = try SnapshotWriter(bulkheadVersion: "test").write(evidence, to: snapshot)
        let replayed = HostInspector(root: try SnapshotHostRoot(path: snapshot)).collectEvidence([CheckEvidenceNeed()], given: facts)
        let again = CheckEvidenceNeed.observations(replayed)
        #expect(again.stats["/run/docker.sock"] == observed.stats["/run/docker.sock"])
        #expect(try Self.run("runtime.engine-socket", CheckInput(facts: replayed.facts, observations: again)).map(\.outcome) == [.fail])

        // The same socket at 0660 in a group that is not Docker's fails, naming the group (changing a file's
        // group to one this user is not in needs root).
        guard getuid() == 0 else { return }
        try FileManager.default.setAttributes(
            [.posixPermissions: 0o660, .groupOwnerAccountID: 64999], ofItemAtPath: root.appendingPathComponent("run/docker.sock").path)
        let regrouped = CheckEvidenceNeed.observations(
            HostInspector(root: DirectoryHostRoot(directory: root.path)).collectEvidence([CheckEvidenceNeed()], given: facts))
        let input = CheckInput(facts: facts, observations: regrouped)
        let findings = try Self.run("runtime.engine-socket", input)
        #expect(findings.map(\.outcome) == [.fail], "\(findings)")
        #expect(findings.first?.observed?.contains("dockeradmins") == true, "\(findings)")
    }

    /// docker.socket with a TCP drop-in, enabled by a `sockets.target.wants` link: the collection reads the unit, the
    /// drop-in and the link (which a snapshot keeps), and the same failure comes from the live tree and its replay.
    @Test func socketUnitsAndTheirLinksAreCollectedKeptInASnapshotAndJudged() throws {
        let root = try Self.temporaryRoot()
        defer { try? FileManager.default.removeItem(at: root) }
        let fm = FileManager.default
        for directory in ["lib/systemd/system", "etc/systemd/system/docker.socket.d", "etc/systemd/system/sockets.target.wants", "proc"] {
            try fm.createDirectory(at: root.appendingPathComponent(directory), withIntermediateDirectories: true)
        }
        let unit =
            "[Unit]\nDescription=Docker Socket for the API\n\n[Socket]\nListenStream=/run/docker.sock\nSocketMode=0660\nSocketUser=root\nSocketGroup=docker\n\n[Install]\nWantedBy=sockets.target\n"
        try unit.write(to: root.appendingPathComponent("lib/systemd/system/docker.socket"), atomically: true, encoding: .utf8)
        try "[Socket]\nListenStream=0.0.0.0:2375\n".write(
            to: root.appendingPathComponent("etc/systemd/system/docker.socket.d/socket.conf"), atomically: true, encoding: .utf8)
        try fm.createSymbolicLink(
            atPath: root.appendingPathComponent("etc/systemd/system/sockets.target.wants/docker.socket").path,
            withDestinationPath: "/lib/systemd/system/docker.socket")
        let facts = HostFacts(collectedAt: Date(timeIntervalSince1970: 1_800_000_000), source: "root \(root.path)")
        let evidence = HostInspector(root: DirectoryHostRoot(directory: root.path)).collectEvidence([CheckEvidenceNeed()], given: facts)
        let observed = CheckEvidenceNeed.observations(evidence)
        #expect(observed.links["/etc/systemd/system/sockets.target.wants/docker.socket"] == .target("/lib/systemd/system/docker.socket"))
        let live = try Self.run("runtime.engine-api", CheckInput(facts: evidence.facts, observations: observed))
        #expect(live.map(\.outcome) == [.fail], "\(live)")
        #expect(live.first?.observed?.contains("0.0.0.0:2375") == true)

        let snapshot = root.appendingPathComponent("host.tar.gz").path
        _ = try SnapshotWriter(bulkheadVersion: "test").write(evidence, to: snapshot)
        let replayed = HostInspector(root: try SnapshotHostRoot(path: snapshot)).collectEvidence([CheckEvidenceNeed()], given: facts)
        let again = CheckEvidenceNeed.observations(replayed)
        #expect(again.links["/etc/systemd/system/sockets.target.wants/docker.socket"] == .target("/lib/systemd/system/docker.socket"))
        let replay = try Self.run("runtime.engine-api", CheckInput(facts: replayed.facts, observations: again))
        #expect(replay.map(\.outcome) == [.fail], "\(replay)")
        #expect(replay.first?.observed == live.first?.observed)
    }
}
