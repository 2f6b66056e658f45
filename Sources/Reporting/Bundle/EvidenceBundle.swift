public import BulkheadModel
import Crypto
public import Foundation
import SafeFiles

/// A signed evidence bundle: a directory holding the host snapshot, facts, results and reports, a
/// `manifest.json` with the SHA-256 of every other file, and `manifest.sig`, an Ed25519 signature over
/// the manifest's exact bytes. Verification recomputes every hash and compares the file set both ways,
/// so any changed byte, missing file, extra file or wrong key fails, naming what is wrong.
public enum EvidenceBundle {
    public static let manifestName = "manifest.json"
    public static let signatureName = "manifest.sig"
    public static let formatName = "bulkhead-evidence-bundle"
    public static let formatVersion = 1
    /// Bounds applied when verifying (a bundle is input from elsewhere).
    public static let maxFiles = 10_000
    public static let maxFileBytes = 2 << 30
    public static let maxManifestBytes = 16 << 20

    public struct Manifest: Codable, Hashable, Sendable {
        public var format: String
        public var formatVersion: Int
        public var createdAt: Date
        public var hostname: String?
        public var bulkheadVersion: String
        /// SHA-256 of the raw public key, hex: which key signed this bundle.
        public var signerKeyID: String
        public var files: [File]

        public struct File: Codable, Hashable, Sendable {
            public var path: String
            public var size: Int
            public var sha256: String
        }
    }

    /// Writes a bundle directory at `path` (which must not exist) from named documents.
    /// Document names are relative paths such as `reports/assessment.json`; `..`, absolute names and the
    /// manifest's own names are refused.
    @discardableResult
    public static func write(
        documents: [String: Data], to path: String, signingKey: SigningKey, hostname: String?, bulkheadVersion: String,
        createdAt: Date = Date()
    ) throws(BundleError) -> Manifest {
        let fm = FileManager.default
        if fm.fileExists(atPath: path) {
            throw BundleError(.exists, "\(path) already exists; choose a new path for the bundle")
        }
        var files: [Manifest.File] = []
        for name in documents.keys.sorted() {
            guard isSafeRelativePath(name), name != manifestName, name != signatureName else {
                throw BundleError(.badName, "document name '\(name)' is not a safe relative path")
            }
        }
        do {
            try fm.createDirectory(atPath: path, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            for name in documents.keys.sorted() {
                let data = documents[name] ?? Data()
                let url = URL(fileURLWithPath: path).appendingPathComponent(name)
                try fm.createDirectory(
                    at: url.deletingLastPathComponent(), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                try SafeFile.create(url.path, contents: data)
                files.append(Manifest.File(path: name, size: data.count, sha256: hex(SHA256.hash(data: data))))
            }
            let manifest = Manifest(
                format: formatName, formatVersion: formatVersion, createdAt: createdAt, hostname: hostname,
                bulkheadVersion: bulkheadVersion, signerKeyID: signingKey.publicKey.keyID, files: files)
            let manifestData = try JSONCoding.encoder().encode(manifest)
            let signature = try signingKey.key.signature(for: manifestData)
            try SafeFile.create(URL(fileURLWithPath: path).appendingPathComponent(manifestName).path, contents: manifestData)
            try SafeFile.create(
                URL(fileURLWithPath: path).appendingPathComponent(signatureName).path,
                contents: Data(signature.base64EncodedString().utf8 + [0x0A]))
            return manifest
        } catch let error as BundleError {
            throw error
        } catch {
            throw BundleError(.io, "cannot write the bundle at \(path)", cause: error)
        }
    }

    /// Verifies a bundle directory against a public key. Returns the manifest when everything holds;
    /// otherwise throws with every problem found, each naming the file.
    public static func verify(at path: String, publicKey: PublicKey) throws(BundleError) -> Manifest {
        let base = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw BundleError(.notABundle, "\(path) is not a bundle directory")
        }
        let manifestData: Data
        let signatureText: String
        do {
            manifestData = try readBounded(base.appendingPathComponent(manifestName).path, limit: maxManifestBytes)
            signatureText = String(
                decoding: try readBounded(base.appendingPathComponent(signatureName).path, limit: 4096), as: UTF8.self)
        } catch {
            throw BundleError(.missingFile, error.message, cause: error.cause)
        }
        // The signature file must be exactly as written (canonical base64 and one newline): a changed byte
        // anywhere in the bundle fails, even one the base64 decoder would ignore.
        guard
            let signature = Data(base64Encoded: String(signatureText.dropLast())),
            signatureText == signature.base64EncodedString() + "\n",
            publicKey.key.isValidSignature(signature, for: manifestData)
        else {
            throw BundleError(
                .badSignature,
                "manifest.json is not signed by key \(publicKey.keyID): the manifest was changed or another key signed it")
        }
        let decoder = JSONCoding.decoder()
        let manifest: Manifest
        do {
            manifest = try decoder.decode(Manifest.self, from: manifestData)
        } catch {
            throw BundleError(.badManifest, "manifest.json cannot be read", cause: error)
        }
        guard manifest.format == formatName, manifest.formatVersion == formatVersion else {
            throw BundleError(
                .badManifest, "manifest.json is format \(manifest.format) v\(manifest.formatVersion), expected \(formatName) v\(formatVersion)")
        }
        var problems: [String] = []
        let present: Set<String>
        do {
            present = try listFiles(base)
        } catch {
            throw error
        }
        let listed = Set(manifest.files.map(\.path))
        for extra in present.subtracting(listed).subtracting([manifestName, signatureName]).sorted() {
            problems.append("\(extra): extra file not in the manifest")
        }
        for file in manifest.files {
            guard isSafeRelativePath(file.path) else {
                problems.append("\(file.path): unsafe path in the manifest")
                continue
            }
            guard present.contains(file.path) else {
                problems.append("\(file.path): missing")
                continue
            }
            // The size is compared with the manifest before a byte is read; the hash is then streamed (1 MiB at
            // a time), so verifying holds one chunk in memory whatever the bundle's files weigh.
            switch streamedDigest(base.appendingPathComponent(file.path).path, expectedSize: file.size) {
            case .sizeDiffers(let size):
                problems.append("\(file.path): content changed (\(size) bytes, manifest says \(file.size); not read)")
            case .digest(let digest):
                if digest != file.sha256 {
                    problems.append("\(file.path): content changed (sha256 \(digest.prefix(16))…, manifest says \(file.sha256.prefix(16))…)")
                }
            case .failed(let message):
                problems.append("\(file.path): \(message)")
            }
        }
        if !problems.isEmpty {
            throw BundleError(.contentMismatch, problems.joined(separator: "\n"))
        }
        return manifest
    }

    // MARK: helpers

    enum StreamedDigest {
        case sizeDiffers(Int)
        case digest(String)
        case failed(String)
    }

    /// The chunk `verify` hashes a file with.
    static let hashChunkBytes = 1 << 20

    /// SHA-256 of a regular file whose size is `expectedSize`, streamed; a file of another size is not read.
    static func streamedDigest(_ path: String, expectedSize: Int) -> StreamedDigest {
        var st = stat()
        guard lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return .failed("not a regular file (links are refused)") }
        guard Int(st.st_size) == expectedSize else { return .sizeDiffers(Int(st.st_size)) }
        let fd: Int32
        do { fd = try SafeFile.openRegular(path) } catch { return .failed(error.message) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        var hasher = SHA256()
        var total = 0
        do {
            while let chunk = try handle.read(upToCount: hashChunkBytes), !chunk.isEmpty {
                total += chunk.count
                // Grown since the size check: what was hashed is not what the manifest describes.
                if total > expectedSize { return .sizeDiffers(total) }
                hasher.update(data: chunk)
            }
        } catch {
            return .failed("cannot read: \(error.localizedDescription)")
        }
        if total != expectedSize { return .sizeDiffers(total) }
        return .digest(hex(hasher.finalize()))
    }

    static func isSafeRelativePath(_ name: String) -> Bool {
        guard !name.isEmpty, !name.hasPrefix("/"), name.utf8.count < 1024 else { return false }
        return !name.split(separator: "/", omittingEmptySubsequences: false).contains { $0 == ".." || $0 == "." || $0.isEmpty }
    }

    static func hex<D: Digest>(_ digest: D) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }

    static func readBounded(_ path: String, limit: Int) throws(BundleError) -> Data {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw BundleError(.missingFile, "\(URL(fileURLWithPath: path).lastPathComponent): missing")
        }
        if (attributes[.type] as? FileAttributeType) != .typeRegular {
            throw BundleError(.notABundle, "\(path) is not a regular file (links are refused)")
        }
        if let size = attributes[.size] as? Int, size > limit {
            throw BundleError(.tooLarge, "\(path) is \(size) bytes, over the bound of \(limit)")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw BundleError(.io, "\(path) cannot be opened")
        }
        defer { try? handle.close() }
        do {
            let data = try handle.read(upToCount: limit + 1) ?? Data()
            if data.count > limit { throw BundleError(.tooLarge, "\(path) is over the bound of \(limit) bytes") }
            return data
        } catch let error as BundleError {
            throw error
        } catch {
            throw BundleError(.io, "cannot read \(path)", cause: error)
        }
    }

    /// Every regular file below `base`, as relative paths. Links and special files are refused.
    static func listFiles(_ base: URL) throws(BundleError) -> Set<String> {
        var out: Set<String> = []
        var pending = [""]
        while let relative = pending.popLast() {
            let dir = relative.isEmpty ? base.path : base.appendingPathComponent(relative).path
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: dir)
            } catch {
                throw BundleError(.io, "cannot list \(dir)", cause: error)
            }
            for name in names {
                let rel = relative.isEmpty ? name : relative + "/" + name
                let type =
                    (try? FileManager.default.attributesOfItem(atPath: base.appendingPathComponent(rel).path))?[.type]
                    as? FileAttributeType
                switch type {
                case .typeDirectory?: pending.append(rel)
                case .typeRegular?: out.insert(rel)
                default: throw BundleError(.contentMismatch, "\(rel): not a regular file or directory (refused)")
                }
                if out.count > maxFiles { throw BundleError(.tooLarge, "more than \(maxFiles) files in the bundle") }
            }
        }
        return out
    }
}

/// Why a bundle could not be written or verified.
public typealias BundleError = BulkheadError<BundleErrorCode>

public enum BundleErrorCode: String, Codable, BulkheadErrorCode {
    public static let domain = "bundle"
    case exists, badName, io, notABundle, missingFile, badSignature, badManifest, contentMismatch, tooLarge, badKey, render
}
