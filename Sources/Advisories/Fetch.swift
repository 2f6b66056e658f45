public import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `bulkhead advisories fetch`: explicit downloads of advisory feeds, resumable. Nothing in Bulkhead
/// downloads implicitly.
public enum AdvisoryFetcher {
    /// Well-known feeds by name.
    public static let feeds: [String: String] = [
        "kev": "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
    ]

    public struct Result: Codable, Sendable {
        public var url: String
        public var path: String
        public var bytes: Int
        /// Bytes that were already present and not downloaded again.
        public var resumedFrom: Int
    }

    /// Downloads `url` to `directory/<last path component>`. A partial download is kept as
    /// `<name>.part` and resumed with an HTTP Range request; a server that ignores Range gets a full
    /// download. Responses over `maxBytes` are refused.
    public static func download(_ url: URL, to directory: String, maxBytes: Int = 2 << 30) async throws -> Result {
        guard let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http" else {
            throw AdvisoriesError(.usage, "only http(s) URLs can be fetched: \(url.absoluteString)")
        }
        let name = url.lastPathComponent.isEmpty ? "download" : url.lastPathComponent
        guard !name.contains("/"), name != "..", name != "." else { throw AdvisoriesError(.usage, "bad file name in \(url)") }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let final = directory + "/" + name
        let part = final + ".part"
        let have = ((try? FileManager.default.attributesOfItem(atPath: part))?[.size] as? NSNumber)?.intValue ?? 0
        var request = URLRequest(url: url)
        request.timeoutInterval = 120
        if have > 0 { request.setValue("bytes=\(have)-", forHTTPHeaderField: "Range") }
        let session = URLSession(configuration: .ephemeral)
        let (data, response): (Data, URLResponse)
        do { (data, response) = try await session.data(for: request) } catch {
            throw AdvisoriesError(.network, "cannot download \(url.absoluteString); the partial file (if any) is kept for a later resume", cause: "\(error)")
        }
        guard let http = response as? HTTPURLResponse else { throw AdvisoriesError(.network, "no HTTP response from \(url)") }
        var resumed = 0
        switch http.statusCode {
        case 206:
            guard have + data.count <= maxBytes else { throw AdvisoriesError(.tooLarge, "\(url) is larger than \(maxBytes) bytes") }
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: part))
            try h.seekToEnd()
            try h.write(contentsOf: data)
            try h.close()
            resumed = have
        case 200:
            guard data.count <= maxBytes else { throw AdvisoriesError(.tooLarge, "\(url) is larger than \(maxBytes) bytes") }
            try data.write(to: URL(fileURLWithPath: part))
        case 416 where have > 0:
            resumed = have  // already complete
        default:
            throw AdvisoriesError(.network, "\(url.absoluteString) answered HTTP \(http.statusCode)")
        }
        if FileManager.default.fileExists(atPath: final) { try FileManager.default.removeItem(atPath: final) }
        try FileManager.default.moveItem(atPath: part, toPath: final)
        let size = ((try? FileManager.default.attributesOfItem(atPath: final))?[.size] as? NSNumber)?.intValue ?? 0
        return Result(url: url.absoluteString, path: final, bytes: size, resumedFrom: resumed)
    }
}
