import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1
import SafeFiles

/// `bulkhead advisories fetch`: explicit downloads of advisory feeds, streamed to disk and resumable.
/// Nothing in Bulkhead downloads implicitly.
public enum AdvisoryFetcher {
    /// Well-known feeds by name (the files `bulkhead advisories import` reads).
    public static let feeds: [String: String] = [
        "kev": "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json",
        // The cvelistV5 daily baseline release (all CVE 5 records, one zip holding cves.zip).
        "cvelist": "https://github.com/CVEProject/cvelistV5/archive/refs/heads/main.zip",
        // OSV exports per ecosystem (GHSA + Go vulndb + RustSec records as OSV JSON).
        "osv-go": "https://osv-vulnerabilities.storage.googleapis.com/Go/all.zip",
        "osv-crates": "https://osv-vulnerabilities.storage.googleapis.com/crates.io/all.zip",
        "osv-debian": "https://osv-vulnerabilities.storage.googleapis.com/Debian/all.zip",
        // Distribution OSV exports: records per release ecosystem (Ubuntu:22.04:LTS, AlmaLinux:9, Rocky Linux:9), the
        // first source for those hosts' packages. The bucket publishes no checksum file beside them.
        "osv-ubuntu": "https://osv-vulnerabilities.storage.googleapis.com/Ubuntu/all.zip",
        "osv-almalinux": "https://osv-vulnerabilities.storage.googleapis.com/AlmaLinux/all.zip",
        "osv-rocky": "https://osv-vulnerabilities.storage.googleapis.com/Rocky%20Linux/all.zip",
        // Red Hat's CSAF VEX (one document per CVE): the index naming the newest archive; the archive, the documents
        // changed since (changes.csv) and each one's published .sha256 are fetched and verified (`fetchCSAFProvider`).
        "redhat-csaf-vex": "https://security.access.redhat.com/data/csaf/v2/vex/archive_latest.txt",
    ]

    /// Whether a feed URL is a CSAF provider index (`…/archive_latest.txt`), fetched by `fetchCSAFProvider`.
    public static func isCSAFProviderIndex(_ url: URL) -> Bool { url.lastPathComponent == "archive_latest.txt" }

    public struct Result: Codable, Sendable {
        public var url: String
        public var path: String
        public var bytes: Int
        /// Bytes that were already present and not downloaded again.
        public var resumedFrom: Int
    }

    /// Redirects followed at most (each one checked: http or https only).
    static let maxRedirects = 5

    /// Downloads `url` to `directory/<last path component>`. The body is streamed into
    /// `<name>.part` as it arrives, so an interrupted transfer keeps what it got, and the next call
    /// resumes with an HTTP Range request (a server that ignores Range, or answers another range,
    /// gets a full download). Responses over `maxBytes` are refused and their partial file removed.
    public static func download(_ url: URL, to directory: String, maxBytes: Int = 4 << 30, readTimeout: TimeInterval = 120) async throws -> Result {
        guard let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http" else {
            throw AdvisoriesError(.usage, "only http(s) URLs can be fetched: \(url.absoluteString)")
        }
        let name = url.lastPathComponent.isEmpty ? "download" : url.lastPathComponent
        guard !name.contains("/"), name != "..", name != "." else { throw AdvisoriesError(.usage, "bad file name in \(url)") }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let final = directory + "/" + name
        let part = final + ".part"

        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(30), read: .seconds(Int64(readTimeout)))
        // Redirects are followed here, not by the client, so every target's scheme is checked.
        configuration.redirectConfiguration = .disallow
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let result = try await transfer(url, part: part, final: final, maxBytes: maxBytes, client: client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// The bytes a `.part` left by an earlier fetch holds (0 when there is none). Anything there but a regular
    /// file of ours — a symbolic link planted at the path, a FIFO, another user's file — is refused before
    /// anything is downloaded, never followed.
    static func partSize(_ part: String) throws -> Int {
        var st = stat()
        guard lstat(part, &st) == 0 else { return 0 }
        do {
            // Checks it (regular, ours, one link, not a link) exactly as the resume will open it.
            _ = try SafeFile.openForAppend(part)
        } catch {
            throw AdvisoriesError(.unreadable, "cannot resume into \(part): \(error.message); remove it and fetch again", cause: error)
        }
        return Int(st.st_size)
    }

    static func transfer(_ url: URL, part: String, final: String, maxBytes: Int, client: HTTPClient) async throws -> Result {
        var have = try partSize(part)
        var target = url
        var redirects = 0
        while true {
            var request = HTTPClientRequest(url: target.absoluteString)
            request.headers.add(name: "User-Agent", value: "bulkhead-advisories-fetch")
            if have > 0 { request.headers.add(name: "Range", value: "bytes=\(have)-") }
            let response: HTTPClientResponse
            do { response = try await client.execute(request, timeout: .hours(12)) } catch {
                throw AdvisoriesError(
                    .network, "cannot download \(url.absoluteString); the partial file (if any) is kept for a later resume", cause: error)
            }
            switch response.status.code {
            case 301, 302, 303, 307, 308:
                redirects += 1
                guard redirects <= maxRedirects, let location = response.headers.first(name: "Location"),
                    let next = URL(string: location, relativeTo: target)?.absoluteURL,
                    let scheme = next.scheme?.lowercased(), scheme == "https" || scheme == "http"
                else {
                    throw AdvisoriesError(.network, "\(url.absoluteString): refused redirect (more than \(maxRedirects), or not to an http(s) URL)")
                }
                target = next
                continue
            case 206:
                // Only a range starting where the partial file ends can be appended.
                let range = response.headers.first(name: "Content-Range") ?? ""
                guard range.hasPrefix("bytes \(have)-") else {
                    try? FileManager.default.removeItem(atPath: part)
                    have = 0
                    continue
                }
                try await stream(response, to: part, append: true, already: have, maxBytes: maxBytes, url: url)
                return try finish(url, part: part, final: final, resumedFrom: have)
            case 200:
                try await stream(response, to: part, append: false, already: 0, maxBytes: maxBytes, url: url)
                return try finish(url, part: part, final: final, resumedFrom: 0)
            case 416 where have > 0:
                // Nothing after the bytes we have: the partial file was complete.
                return try finish(url, part: part, final: final, resumedFrom: have)
            default:
                throw AdvisoriesError(.network, "\(url.absoluteString) answered HTTP \(response.status.code)")
            }
        }
    }

    /// Writes the body chunk by chunk; a broken transfer leaves what arrived in `part`.
    static func stream(_ response: HTTPClientResponse, to part: String, append: Bool, already: Int, maxBytes: Int, url: URL) async throws {
        // A new `.part` is created 0600 with O_EXCL|O_NOFOLLOW; a resumed one is appended to only when it is
        // still a regular file of ours (SafeFile checks it on the open descriptor).
        let handle: FileHandle
        do {
            if append && SafeFile.occupied(part) {
                handle = try SafeFile.openForAppend(part)
            } else {
                if SafeFile.occupied(part) { unlink(part) }
                handle = try SafeFile.createForWriting(part)
            }
        } catch {
            throw AdvisoriesError(.unreadable, "cannot write \(part): \(error.message)", cause: error)
        }
        defer { try? handle.close() }
        var total = already
        do {
            for try await chunk in response.body {
                total += chunk.readableBytes
                guard total <= maxBytes else {
                    try? handle.close()
                    try? FileManager.default.removeItem(atPath: part)
                    throw AdvisoriesError(.tooLarge, "\(url.absoluteString) is larger than \(maxBytes) bytes; the partial file was removed")
                }
                try handle.write(contentsOf: Data(chunk.readableBytesView))
            }
        } catch let e as AdvisoriesError {
            throw e
        } catch {
            throw AdvisoriesError(
                .network, "the download of \(url.absoluteString) broke off after \(total) bytes; run the same fetch again to resume",
                cause: error)
        }
    }

    static func finish(_ url: URL, part: String, final: String, resumedFrom: Int) throws -> Result {
        // rename(2) replaces whatever is at `final` (a link there is replaced, not followed).
        guard rename(part, final) == 0 else {
            throw AdvisoriesError(.unreadable, "cannot move \(part) to \(final)", cause: String(cString: strerror(errno)))
        }
        return Result(url: url.absoluteString, path: final, bytes: size(final), resumedFrom: resumedFrom)
    }
}
