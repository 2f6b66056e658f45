import BulkheadTestSupport
import Foundation
import Lab
import Testing

@Suite struct KernelImageTests {
    /// A minimal boot header: "HdrS" protocol 2.08+, setup sectors, payload offset and length.
    func image(payload: [UInt8], setupSectors: UInt8 = 1, version: UInt16 = 0x020F, declaredLength: Int? = nil) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: (Int(setupSectors) + 1) * 512)
        bytes[0x1F1] = setupSectors
        bytes.replaceSubrange(0x202..<0x206, with: Array("HdrS".utf8))
        bytes[0x206] = UInt8(version & 0xFF)
        bytes[0x207] = UInt8(version >> 8)
        let length = declaredLength ?? payload.count
        for i in 0..<4 { bytes[0x24C + i] = UInt8((length >> (8 * i)) & 0xFF) }
        return bytes + payload
    }

    func sizeSuffix(_ n: Int) -> [UInt8] { (0..<4).map { UInt8((n >> (8 * $0)) & 0xFF) } }

    @Test func findsTheXZPayloadAndItsRecordedSize() throws {
        let stream: [UInt8] = [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00, 1, 2, 3]
        let result = KernelImage.payload(of: image(payload: stream + sizeSuffix(4096)))
        let payload = try result.get()
        #expect(payload.compressed == stream)
        #expect(payload.uncompressedSize == 4096)
        #expect(payload.decompressor == ["xz", "-dc"])
    }

    @Test(arguments: [
        ("not a kernel", [UInt8](repeating: 0x41, count: 2048)),
        ("old protocol", [UInt8]()),
        ("payload beyond the image", [UInt8]()),
        ("unknown compression", [UInt8]()),
        ("absurd size", [UInt8]()),
    ])
    func refusesWhatIsNotAUsablePayload(_ name: String, _ raw: [UInt8]) {
        var bytes = raw
        switch name {
        case "old protocol": bytes = image(payload: [0x1F, 0x8B, 0, 0] + sizeSuffix(10), version: 0x0206)
        case "payload beyond the image": bytes = image(payload: [0x1F, 0x8B, 0, 0] + sizeSuffix(10), declaredLength: 1 << 20)
        case "unknown compression": bytes = image(payload: [0x42, 0x5A, 0x68, 0x39] + sizeSuffix(10))
        case "absurd size": bytes = image(payload: [0x1F, 0x8B, 0, 0] + sizeSuffix(Int(UInt32.max)))
        default: break
        }
        guard case .failure = KernelImage.payload(of: bytes) else {
            Issue.record("\(name) was accepted")
            return
        }
    }

    /// The real Debian kernel: extracted once into a cache, an ELF with a PVH note, and reused.
    @Test(.enabled(if: Tool.inCI || (try? LabTools.kernel(explicit: nil)) != nil, "needs a guest kernel (Debian package linux-image-amd64)"))
    func extractsTheInstalledDebianKernel() async throws {
        let kernel = try LabTools.kernel(explicit: nil)
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-kernel-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: cache) }
        let first = try await KernelImage.uncompressed(kernel, cache: cache).get()
        #expect(KernelImage.hasPVHNote(elfAt: first))
        let attributes = try FileManager.default.attributesOfItem(atPath: first)
        let again = try await KernelImage.uncompressed(kernel, cache: cache).get()
        #expect(again == first)
        // The cached file was reused, not rewritten.
        #expect(try FileManager.default.attributesOfItem(atPath: again)[.modificationDate] as? Date == attributes[.modificationDate] as? Date)
        #expect(!KernelImage.hasPVHNote(elfAt: kernel), "the compressed bzImage is not an ELF")
    }

    /// Extractions of one kernel running at once in one process (the test runner's parallel suites did this: a
    /// fresh-clone CI run on f8e1ca3 failed with "xz produced 30871902 bytes … the image records 65906612" and "no
    /// PVH entry note" when two shared one per-process temporary name) each end with the checked kernel.
    @Test(.enabled(if: Tool.inCI || (try? LabTools.kernel(explicit: nil)) != nil, "needs a guest kernel (Debian package linux-image-amd64)"))
    func concurrentExtractionsOfOneKernelDoNotCollide() async throws {
        let kernel = try LabTools.kernel(explicit: nil)
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-kernel-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: cache) }
        let results = await withTaskGroup(of: Result<String, LabError>.self) { group in
            for _ in 0..<3 { group.addTask { await KernelImage.uncompressed(kernel, cache: cache) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 3)
        for result in results {
            let path = try result.get()
            #expect(KernelImage.hasPVHNote(elfAt: path))
        }
        // Nothing temporary is left beside the one extracted kernel.
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache.path).count == 1)
    }
}
