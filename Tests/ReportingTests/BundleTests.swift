import Foundation
import Reporting
import Testing

@Suite struct BundleTests {
    let documents: [String: Data] = [
        "reports/assessment.json": Data("{\"verdict\":\"notSatisfied\"}\n".utf8),
        "reports/assessment.html": Data("<html><body><h1>Bulkhead</h1></body></html>\n".utf8),
        "snapshot/host.tar.gz": Data((0..<300).map { UInt8($0 % 251) }),
        "facts.json": Data("{\"hostname\":\"vm\"}".utf8),
    ]

    func temp() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-bundle-\(UUID().uuidString)").path
    }

    func makeBundle() throws -> (path: String, key: SigningKey) {
        let key = SigningKey()
        let path = temp()
        try EvidenceBundle.write(
            documents: documents, to: path, signingKey: key, hostname: "vm", bulkheadVersion: "test",
            createdAt: Date(timeIntervalSince1970: 1_795_000_000))
        return (path, key)
    }

    func verifyFails(_ path: String, _ key: PublicKey, mentioning text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try EvidenceBundle.verify(at: path, publicKey: key)
            Issue.record("verification passed but must fail (\(text))", sourceLocation: sourceLocation)
        } catch {
            #expect(error.message.contains(text), "\(error.message)", sourceLocation: sourceLocation)
        }
    }

    @Test func anIntactBundleVerifies() throws {
        let (path, key) = try makeBundle()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let manifest = try EvidenceBundle.verify(at: path, publicKey: key.publicKey)
        #expect(manifest.files.count == documents.count)
        #expect(manifest.signerKeyID == key.publicKey.keyID)
    }

    @Test func flippingAnyByteOfAnyFileFails() throws {
        let (path, key) = try makeBundle()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let names = documents.keys.sorted() + [EvidenceBundle.manifestName, EvidenceBundle.signatureName]
        for name in names {
            let url = URL(fileURLWithPath: path).appendingPathComponent(name)
            let original = try Data(contentsOf: url)
            // Every byte position of the small files; a stride through the larger ones.
            let step = max(1, original.count / 64)
            for index in stride(from: 0, to: original.count, by: step) {
                var changed = original
                changed[index] ^= 0x01
                try changed.write(to: url)
                let expected =
                    name == EvidenceBundle.manifestName || name == EvidenceBundle.signatureName
                    ? "manifest.json" : name
                verifyFails(path, key.publicKey, mentioning: expected)
            }
            try original.write(to: url)
        }
        _ = try EvidenceBundle.verify(at: path, publicKey: key.publicKey)
    }

    /// Issue 19 #10: verify read a whole file (up to 2 GiB) before comparing its size with the manifest. A file
    /// grown to 1 GiB (sparse, so the test writes nothing) is now refused by its size without being read.
    @Test func aFileOfAnotherSizeIsNotRead() throws {
        let (path, key) = try makeBundle()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = path + "/snapshot/host.tar.gz"
        #expect(truncate(file, 1 << 30) == 0)
        verifyFails(path, key.publicKey, mentioning: "snapshot/host.tar.gz: content changed (1073741824 bytes, manifest says 300; not read)")
    }

    @Test func aMissingFileIsNamed() throws {
        let (path, key) = try makeBundle()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try FileManager.default.removeItem(atPath: path + "/facts.json")
        verifyFails(path, key.publicKey, mentioning: "facts.json: missing")
    }

    @Test func anExtraFileIsNamed() throws {
        let (path, key) = try makeBundle()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("extra".utf8).write(to: URL(fileURLWithPath: path + "/reports/injected.html"))
        verifyFails(path, key.publicKey, mentioning: "reports/injected.html: extra file")
    }

    @Test func anotherKeyFails() throws {
        let (path, _) = try makeBundle()
        defer { try? FileManager.default.removeItem(atPath: path) }
        verifyFails(path, SigningKey().publicKey, mentioning: "not signed by key")
    }

    @Test func aSymlinkInsideTheBundleIsRefused() throws {
        let (path, key) = try makeBundle()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try FileManager.default.createSymbolicLink(atPath: path + "/link", withDestinationPath: "/etc/passwd")
        verifyFails(path, key.publicKey, mentioning: "link: not a regular file")
    }

    @Test func unsafeDocumentNamesAreRefused() throws {
        for bad in ["../escape", "/abs", "a/../b", "", "manifest.json"] {
            #expect(throws: BundleError.self) {
                try EvidenceBundle.write(
                    documents: [bad: Data()], to: temp(), signingKey: SigningKey(), hostname: nil, bulkheadVersion: "t")
            }
        }
    }

    @Test func keysRoundTripThroughTheirFiles() throws {
        let key = SigningKey()
        let dir = temp()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(key.fileText().utf8).write(to: URL(fileURLWithPath: dir + "/k.key"))
        try Data(key.publicKey.fileText().utf8).write(to: URL(fileURLWithPath: dir + "/k.pub"))
        #expect(try SigningKey.load(path: dir + "/k.key").publicKey.keyID == key.publicKey.keyID)
        #expect(try PublicKey.load(path: dir + "/k.pub").keyID == key.publicKey.keyID)
        try Data("not a key".utf8).write(to: URL(fileURLWithPath: dir + "/bad.pub"))
        #expect(throws: BundleError.self) { try PublicKey.load(path: dir + "/bad.pub") }
    }
}
