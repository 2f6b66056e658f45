import BulkheadModel
import Foundation
import Testing

@testable import HostInspection

/// The two shortcuts of the process scan (issue 13's discovery benchmark) against what they stand in for: the
/// status fields read from the bytes against the dictionary reading of the decoded text, and the pre-check that
/// lets an argument skip `Redaction.argument` against the redaction itself.
@Suite struct ProcessReadingTests {
    /// A generator with a fixed seed (SplitMix64), so a failure can be replayed.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func expected(_ bytes: [UInt8]) -> StatusFields {
        let fields = ProcessScanner.statusFields(String(decoding: bytes, as: UTF8.self))
        return StatusFields(
            name: fields["Name"], ppid: fields["PPid"], uid: fields["Uid"], gid: fields["Gid"], seccomp: fields["Seccomp"],
            noNewPrivs: fields["NoNewPrivs"], capEff: fields["CapEff"])
    }

    /// Every /proc/PID/status of this machine (and its threads'), as the kernel writes them.
    static func machineStatusFiles() -> [[UInt8]] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.filter { Int($0) != nil } ?? []
        var files: [[UInt8]] = []
        for pid in pids.prefix(400) {
            if let data = FileManager.default.contents(atPath: "/proc/\(pid)/status") { files.append([UInt8](data)) }
            for tid in ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []).prefix(4) {
                if let data = FileManager.default.contents(atPath: "/proc/\(pid)/task/\(tid)/status") { files.append([UInt8](data)) }
            }
        }
        return files
    }

    @Test func statusFieldsFromTheBytesAreTheDictionaryReadingOfTheText() throws {
        let machine = Self.machineStatusFiles()
        try #require(!machine.isEmpty, "no /proc/PID/status readable on this machine")
        let hostile: [String] = [
            "", "\n", ":", "Name", "Name:", "Name:\t", "Name:\tqemu", "Name:\t \tq e m u \t \nPPid:\t1",
            "Name:\ta\nName:\tb\nPPid:\t2\nPPid:\t3\n", "name:\tlower\nNAME:\tupper\nName :\tspaced\n",
            "Name:\tx:y:z\nUid:\t1\t2\t3\t4\nGid:\t5\t6\t7\t8\nSeccomp:\t2\nNoNewPrivs:\t1\nCapEff:\t00000000a80425fb\nPPid:\t9\nName:\tlate",
            "Name:\tback\\\\slash\\nline\r\nPPid:\t1\r\n", "CapEff:", "CapEff:\n\nSeccomp:\t\t\t\nSeccomp:\t2",
            "Tgid:\t1\nNgid:\t0\nNoNewPrivs\t1\nNoNewPrivs:1", "PPid:\u{0}1\nUid:\t\u{FFFD}\t0\n",
        ]
        var inputs = machine + hostile.map { Array($0.utf8) }
        // Invalid UTF-8 around and inside the values and keys.
        inputs.append([0x4E, 0x61, 0x6D, 0x65, 0x3A, 0x09, 0xC3, 0x28, 0xFF, 0x71, 0x0A, 0x50, 0x50, 0x69, 0x64, 0x3A, 0xE2, 0x82, 0x0A])
        inputs.append([0xFF, 0x4E, 0x61, 0x6D, 0x65, 0x3A, 0x20, 0x78, 0x0A, 0x4E, 0x61, 0x6D, 0x65, 0x3A, 0xF0, 0x9F, 0x0A])
        // Each machine file cut short at random points, with random bytes flipped.
        var random = SeededGenerator(state: 13)
        for file in machine.prefix(60) where !file.isEmpty {
            for _ in 0..<10 {
                var cut = Array(file.prefix(Int.random(in: 0...file.count, using: &random)))
                for _ in 0..<Int.random(in: 0...3, using: &random) where !cut.isEmpty {
                    cut[Int.random(in: 0..<cut.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
                inputs.append(cut)
            }
        }
        for bytes in inputs {
            #expect(StatusFields(bytes) == Self.expected(bytes), "\(String(decoding: bytes, as: UTF8.self).debugDescription)")
        }
    }

    /// Arguments Redaction's own tests judge (credentials and the look-alikes it keeps).
    static let redactionCases = [
        "file=rbd:pool/image:id=admin:key=AQBsb2NrZWQtZG93bi1rZXk9PQ==:auth_supported=cephx,format=raw,if=virtio",
        "file=iscsi://alice%s3cr3t@192.0.2.1/iqn.2001-04.com.example/1,if=none",
        "file=https://bob:hunter2@images.example.com/disk.qcow2,readonly=on",
        #"{"driver":"qcow2","file":{"driver":"rbd","pool":"p","image":"i","user":"admin","key":"AQBjc29ubWFnaWM="}}"#,
        #"file=json:{"file.driver":"https","file.url":"https://u:pw0rd@example.org/x.img","file.password":"plain"}"#,
        "secret,id=sec0,data=letmein,format=raw", #"{"qom-type":"secret","id":"sec0","data":"letmein"}"#,
        "driver=iscsi,transport=tcp,portal=192.0.2.1,target=iqn.x,user=u,password=p4ss",
        "driver=qcow2,file.driver=rbd,file.key=AQBdotted==,node-name=n", "https://api.example/v1?token=abc123&x=1",
        "unix:/run/v.sock,password=on", "driver=rbd,pool=p,image=i,key-secret=sec0", "vnc=:1,password-secret=sec1,tls-creds=tls0",
        "tls-creds-x509,id=tls0,dir=/etc/pki/qemu,endpoint=server,passwordid=sec2", "nbd://192.0.2.7:10809/export",
        "X-Auth-Token=t0k3n", "Cookie=c", "PSK=p", "x.API_KEY=1", "sshKeyData=abc", "ssh-pub-key=AAAA", "a:b@c", "KEY=v",
    ]

    /// Every argument of this machine's processes and of the QEMU command lines among the Discovery fixtures.
    static func realArguments() -> [String] {
        var arguments: [String] = []
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.filter { Int($0) != nil } ?? []
        for pid in pids {
            if let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") {
                arguments += ProcessScanner.splitNUL([UInt8](data))
            }
        }
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("DiscoveryTests/Fixtures")
        if let walker = FileManager.default.enumerator(atPath: fixtures.path) {
            for case let path as String in walker where path.hasSuffix(".args") || path.contains("proxmox") {
                if let text = try? String(contentsOfFile: fixtures.path + "/" + path, encoding: .utf8) {
                    arguments += text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\\" }).map(String.init)
                }
            }
        }
        return arguments
    }

    @Test func anArgumentThePreCheckPassesIsOneRedactionLeavesUnchanged() {
        let real = Self.realArguments()
        #expect(real.count > 50, "too few real arguments to judge (\(real.count))")
        // Pieces of the words Redaction looks for, in both cases, among the bytes that end keys and values.
        let pieces = [
            "pass", "PASS", "w", "W", "ord", "ke", "KE", "y", "Y", "sec", "SEC", "ret", "tok", "TOK", "en", "coo", "kie",
            "ps", "PS", "k", "da", "DA", "ta", "key", "data", "psk", "=", "=", ",", ",,", ":", "//", "@", "\"", "{", "}", "?", "&",
            ";", " ", "-", "_", ".", "/", "id", "on", "off", "x", "é", "\u{0}", "qom-type", "secret,", "password=",
            ",key=", "Token=", "://u:p@h", "\"psk\":\"", "data=",
        ]
        var random = SeededGenerator(state: 2026)
        var generated: [String] = []
        for _ in 0..<30_000 {
            generated.append((0..<Int.random(in: 1...9, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined())
        }
        var skipped = 0
        var changed = 0
        for argument in Self.redactionCases + real + generated {
            let redacted = Redaction.argument(argument)
            if redacted != argument { changed += 1 }
            if !Redaction.mayHoldCredential(argument) {
                skipped += 1
                #expect(redacted == argument, "\(argument.debugDescription) skipped but redaction gives \(redacted.debugDescription)")
            }
        }
        // Both kinds occur, so the property was tested on both sides.
        #expect(skipped > 1000 && changed > 1000, "skipped \(skipped), changed \(changed)")
        // The credentials of Redaction's own cases (its first ten) are all seen.
        for argument in Self.redactionCases.prefix(10) { #expect(Redaction.mayHoldCredential(argument), "\(argument)") }
    }
}
