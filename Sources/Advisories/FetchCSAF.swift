import Crypto
public import Foundation

/// CSAF providers that publish their documents as Red Hat does (https://security.access.redhat.com/data/csaf/v2/vex/):
/// `archive_latest.txt` names the newest full archive (`csaf_vex_2025-01-12.tar.zst`), `changes.csv` lists
/// every document changed since (`"2025/cve-2025-0001.json","2025-01-13T08:00:00+00:00"`), and each file
/// has a `.sha256` beside it. `bulkhead advisories fetch redhat-csaf-vex` (or any URL ending in
/// `archive_latest.txt`) downloads the archive and the documents changed after it, each checked against
/// its published SHA-256; a file that does not match is removed and named.
extension AdvisoryFetcher {
    public struct CSAFProviderResult: Codable, Sendable {
        /// The archive and each changed document, as downloaded.
        public var files: [Result]
        /// Files whose published SHA-256 matched.
        public var verified: Int
        /// Files without a published SHA-256 (the provider answered 404 for `NAME.sha256`).
        public var unverified: [String]
        /// Changed documents listed after the archive but left out (over `maxChanges`).
        public var skippedChanges: Int
        /// Changed documents the provider lists but does not serve (HTTP 404): named, the others still fetched.
        public var missing: [String] = []
        /// Files whose SHA-256 did not match the published one (removed), with the reason: the fetch fails.
        public var rejected: [String] = []
    }

    /// The archive's file name from `archive_latest.txt`: one line, a plain file name ending in `.tar.zst`
    /// (anything else, a path or a URL, is refused).
    static func archiveName(_ text: String) throws -> String {
        let name = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 200, name.hasSuffix(".tar.zst"),
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") })
        else { throw AdvisoriesError(.malformed, "archive_latest.txt does not name a .tar.zst file: \(name.prefix(80))") }
        return name
    }

    /// `YYYY-MM-DD` in the archive's name (`csaf_vex_2025-01-12.tar.zst`): documents changed after it are fetched.
    static func archiveDate(_ name: String) -> String? {
        guard let r = name.range(of: #"[0-9]{4}-[0-9]{2}-[0-9]{2}"#, options: .regularExpression) else { return nil }
        return String(name[r])
    }

    /// `changes.csv` rows: a relative document path (`2025/cve-2025-0001.json`: one year folder and a plain
    /// `.json` name) and its change time. Malformed rows are skipped and counted.
    static func changes(_ text: String) -> (rows: [(path: String, changed: String)], malformed: Int) {
        var rows: [(String, String)] = []
        var malformed = 0
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: CharacterSet(charactersIn: "\" \t"))
            }
            guard fields.count == 2 else {
                malformed += 1
                continue
            }
            let parts = fields[0].split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0].count == 4, parts[0].allSatisfy(\.isNumber), parts[1].hasSuffix(".json"),
                parts[1].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") }),
                !parts[1].hasPrefix("."), AdvisoryDate.dayNumber(fields[1]) != nil
            else {
                malformed += 1
                continue
            }
            rows.append((fields[0], fields[1]))
        }
        return (rows, malformed)
    }

    /// The 64 hex digits at the start of a `.sha256` file (`sha256sum` format: `HEX  NAME`).
    static func publishedDigest(_ text: String) -> String? {
        let hex = text.prefix { !$0.isWhitespace }.lowercased()
        return hex.count == 64 && hex.allSatisfy(\.isHexDigit) ? hex : nil
    }

    /// SHA-256 of a file, read in 1 MiB pieces.
    static func sha256(ofFile path: String) throws -> String {
        guard let h = FileHandle(forReadingAtPath: path) else { throw AdvisoriesError(.unreadable, "cannot open \(path)") }
        defer { try? h.close() }
        var hasher = SHA256()
        while true {
            let chunk: Data
            do { chunk = try h.read(upToCount: 1 << 20) ?? Data() } catch {
                throw AdvisoriesError(.unreadable, "cannot read \(path)", cause: error)
            }
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
        }
        return hasher.finalize().map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// Downloads `url` and checks it against `url.sha256` when the provider publishes one. A mismatch removes
    /// the file and throws; a missing `.sha256` (HTTP 404) is reported as unverified.
    static func downloadVerified(_ url: URL, to directory: String, maxBytes: Int) async throws -> (Result, verified: Bool) {
        let result = try await download(url, to: directory, maxBytes: maxBytes)
        let digestURL = URL(string: url.absoluteString + ".sha256") ?? url
        let digestDir = directory + "/.sha256"
        let published: String
        do {
            let d = try await download(digestURL, to: digestDir, maxBytes: 4096)
            published = String(decoding: try BoundedFile.read(d.path, limit: 4096), as: UTF8.self)
            try? FileManager.default.removeItem(atPath: d.path)
        } catch let e as AdvisoriesError where e.code == .network && e.message.contains("HTTP 404") {
            return (result, false)
        }
        guard let expected = publishedDigest(published) else {
            throw AdvisoriesError(.malformed, "\(digestURL.absoluteString) is not a SHA-256 digest file")
        }
        let actual = try sha256(ofFile: result.path)
        guard actual == expected else {
            try? FileManager.default.removeItem(atPath: result.path)
            throw AdvisoriesError(
                .malformed,
                "\(url.absoluteString): SHA-256 \(actual) does not match the published \(expected); the download was removed")
        }
        return (result, true)
    }

    /// The archive named by `indexURL` (`…/archive_latest.txt`) and the documents `changes.csv` lists after
    /// the archive's date (at most `maxChanges`, newest first), into `directory` (documents under
    /// `directory/<year>/`). Resumes like `download`; every file with a published `.sha256` is verified.
    public static func fetchCSAFProvider(
        index indexURL: URL, to directory: String, maxChanges: Int = 5000, maxBytes: Int = 4 << 30
    ) async throws -> CSAFProviderResult {
        let base = indexURL.deletingLastPathComponent()
        let index = try await download(indexURL, to: directory + "/.index", maxBytes: 4096)
        let name = try archiveName(String(decoding: try BoundedFile.read(index.path, limit: 4096), as: UTF8.self))
        var out = CSAFProviderResult(files: [], verified: 0, unverified: [], skippedChanges: 0)
        let archiveURL = base.appendingPathComponent(name)
        let (archive, ok) = try await downloadVerified(archiveURL, to: directory, maxBytes: maxBytes)
        out.files.append(archive)
        if ok { out.verified += 1 } else { out.unverified.append(archive.path) }
        // Documents changed after the archive was made.
        let changesFile: Result
        do {
            changesFile = try await download(base.appendingPathComponent("changes.csv"), to: directory + "/.index", maxBytes: 256 << 20)
        } catch let e as AdvisoriesError where e.code == .network && e.message.contains("HTTP 404") {
            return out
        }
        let since = archiveDate(name) ?? ""
        let (rows, _) = changes(String(decoding: try BoundedFile.read(changesFile.path, limit: 256 << 20), as: UTF8.self))
        let newer = rows.filter { $0.changed.prefix(10) > since }.sorted { $0.changed > $1.changed }
        out.skippedChanges = max(0, newer.count - maxChanges)
        for row in newer.prefix(maxChanges) {
            let year = String(row.path.prefix(4))
            do {
                let (doc, verified) = try await downloadVerified(
                    base.appendingPathComponent(row.path), to: directory + "/" + year, maxBytes: 256 << 20)
                out.files.append(doc)
                if verified { out.verified += 1 } else { out.unverified.append(doc.path) }
            } catch let e as AdvisoriesError where e.code == .network && e.message.contains("HTTP 404") {
                out.missing.append(row.path)
            } catch let e as AdvisoriesError where e.code == .malformed {
                out.rejected.append(e.message)
            }
        }
        return out
    }
}
