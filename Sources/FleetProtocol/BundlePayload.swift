public import Crypto
public import Foundation

/// An evidence bundle (docs/report-formats.md) as one JSON body: the manifest's exact bytes, the signature
/// file's text and every listed file, each base64 in JSON. The server verifies it the way `bulkhead verify`
/// verifies a bundle directory: the Ed25519 signature over the manifest bytes, then every file's size and
/// SHA-256, and the file set both ways.
public struct BundlePayload: Codable, Sendable, Equatable {
    public var manifest: Data
    public var signature: String
    public var files: [String: Data]

    public init(manifest: Data, signature: String, files: [String: Data]) {
        self.manifest = manifest
        self.signature = signature
        self.files = files
    }

    public static let manifestName = "manifest.json"
    public static let signatureName = "manifest.sig"
    public static let formatName = "bulkhead-evidence-bundle"
    /// Where the assessment report sits inside a bundle.
    public static let assessmentName = "reports/assessment.json"

    /// The bundle's identity: SHA-256 of the manifest bytes (which hash every file), lower-case hex.
    public var bundleSHA256: String { FleetWire.sha256Hex(manifest) }

    /// The parts of the manifest the fleet reads.
    public struct Manifest: Codable, Sendable, Equatable {
        public var format: String
        public var formatVersion: Int
        public var hostname: String?
        public var bulkheadVersion: String
        public var signerKeyID: String
        public var files: [File]
        public struct File: Codable, Sendable, Equatable {
            public var path: String
            public var size: Int
            public var sha256: String
        }
    }

    /// Reads a bundle directory written by `bulkhead assess --bundle` into one payload, refusing links,
    /// special files and anything over `limit` bytes in total.
    public static func read(directory: String, limit: Int = FleetWire.maxBodyBytes / 2) throws(FleetProtocolError) -> BundlePayload {
        let base = URL(fileURLWithPath: directory)
        func load(_ relative: String) throws(FleetProtocolError) -> Data {
            let path = base.appendingPathComponent(relative).path
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            guard (attributes?[.type] as? FileAttributeType) == .typeRegular else {
                throw FleetProtocolError(.malformed, "\(relative) in \(directory) is missing or not a regular file")
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw FleetProtocolError(.malformed, "\(relative) in \(directory) cannot be read")
            }
            return data
        }
        let manifestData = try load(manifestName)
        let signature = String(decoding: try load(signatureName), as: UTF8.self)
        let manifest = try decodeManifest(manifestData)
        var files: [String: Data] = [:]
        var total = manifestData.count
        for file in manifest.files {
            guard isSafeRelativePath(file.path) else { throw FleetProtocolError(.malformed, "unsafe path \(file.path) in the manifest") }
            total += file.size
            guard total <= limit else {
                throw FleetProtocolError(.tooLarge, "the bundle \(directory) is over \(limit) bytes, more than a submission carries")
            }
            files[file.path] = try load(file.path)
        }
        return BundlePayload(manifest: manifestData, signature: signature, files: files)
    }

    static func decodeManifest(_ data: Data) throws(FleetProtocolError) -> Manifest {
        let manifest: Manifest
        do {
            manifest = try JSONDecoder().decode(Manifest.self, from: data)
        } catch {
            throw FleetProtocolError(.malformed, "manifest.json is not a bundle manifest")
        }
        guard manifest.format == formatName, manifest.formatVersion == 1 else {
            throw FleetProtocolError(.malformed, "manifest.json is format \(manifest.format) v\(manifest.formatVersion), expected \(formatName) v1")
        }
        return manifest
    }

    /// Verifies the bundle against a public key; returns its manifest, or throws `tampered` naming every problem.
    public func verify(publicKey: Curve25519.Signing.PublicKey) throws(FleetProtocolError) -> Manifest {
        guard let raw = Data(base64Encoded: String(signature.dropLast())), signature == raw.base64EncodedString() + "\n",
            publicKey.isValidSignature(raw, for: manifest)
        else {
            throw FleetProtocolError(.tampered, "manifest.json is not signed by the enrolled key: the manifest was changed or another key signed it")
        }
        let manifest: Manifest
        do {
            manifest = try Self.decodeManifest(self.manifest)
        } catch {
            throw FleetProtocolError(.tampered, error.message)
        }
        var problems: [String] = []
        let listed = Set(manifest.files.map(\.path))
        for extra in Set(files.keys).subtracting(listed).sorted() { problems.append("\(extra): extra file not in the manifest") }
        for file in manifest.files {
            guard Self.isSafeRelativePath(file.path) else {
                problems.append("\(file.path): unsafe path in the manifest")
                continue
            }
            guard let data = files[file.path] else {
                problems.append("\(file.path): missing")
                continue
            }
            if data.count != file.size {
                problems.append("\(file.path): content changed (\(data.count) bytes, manifest says \(file.size))")
            } else if FleetWire.sha256Hex(data) != file.sha256 {
                problems.append("\(file.path): content changed (sha256 differs from the manifest)")
            }
        }
        if !problems.isEmpty { throw FleetProtocolError(.tampered, problems.joined(separator: "; ")) }
        return manifest
    }

    static func isSafeRelativePath(_ name: String) -> Bool {
        guard !name.isEmpty, !name.hasPrefix("/"), name.utf8.count < 1024 else { return false }
        return !name.split(separator: "/", omittingEmptySubsequences: false).contains { $0 == ".." || $0 == "." || $0.isEmpty }
    }
}
