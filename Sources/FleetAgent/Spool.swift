public import FleetProtocol
public import Foundation
import SafeFiles

/// Submissions the server did not take yet, one 0600 file each, named so that names sort oldest first.
/// Bounded by count and bytes: adding past a bound drops the oldest entries, and says which.
public struct Spool: Sendable {
    public static let defaultDirectory = "/var/lib/bulkhead/spool"
    public static let defaultMaxEntries = 100
    public static let defaultMaxBytes = 1 << 30

    public let directory: String
    public let maxEntries: Int
    public let maxBytes: Int

    public init(directory: String = Spool.defaultDirectory, maxEntries: Int = Spool.defaultMaxEntries, maxBytes: Int = Spool.defaultMaxBytes) {
        self.directory = directory
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
    }

    public struct Entry: Sendable, Equatable {
        public var name: String
        public var path: String
        public var size: Int
    }

    /// The entries, oldest first. A missing directory is an empty spool.
    public func entries() throws(FleetAgentError) -> [Entry] {
        guard FileManager.default.fileExists(atPath: directory) else { return [] }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw FleetAgentError(.io, "cannot list the spool \(directory): \(error.localizedDescription)")
        }
        return names.filter { $0.hasSuffix(".bundle.json") && !$0.hasPrefix(".") }.sorted().compactMap { name in
            let path = directory + "/" + name
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                (attributes[.type] as? FileAttributeType) == .typeRegular, let size = attributes[.size] as? Int
            else { return nil }
            return Entry(name: name, path: path, size: size)
        }
    }

    /// Keeps a payload; returns a message for every older entry dropped to stay within the bounds.
    @discardableResult
    public func add(_ payload: BundlePayload, now: Date = Date()) throws(FleetAgentError) -> [String] {
        let data: Data
        do { data = try FleetWire.encoder().encode(payload) } catch { throw FleetAgentError(.io, "cannot encode the bundle for the spool") }
        guard data.count <= maxBytes else {
            throw FleetAgentError(.io, "the bundle (\(data.count) bytes) is larger than the whole spool (\(maxBytes) bytes); it was not kept")
        }
        try makeDirectory()
        let millis = Int64(now.timeIntervalSince1970 * 1000)
        let name = String(format: "%015lld", millis) + "-" + payload.bundleSHA256.prefix(16) + ".bundle.json"
        let path = directory + "/" + name
        if FileManager.default.fileExists(atPath: path) { return [] }  // the same bundle in the same millisecond: kept once
        var messages: [String] = []
        var current = try entries()
        // Make room first, so the spool never holds more than its bounds.
        while !current.isEmpty, current.count + 1 > maxEntries || current.reduce(0, { $0 + $1.size }) + data.count > maxBytes {
            let oldest = current.removeFirst()
            try? FileManager.default.removeItem(atPath: oldest.path)
            messages.append("spool full (\(maxEntries) entries, \(maxBytes) bytes): dropped the oldest submission \(oldest.name)")
        }
        do {
            try SafeFile.create(path, contents: data)
        } catch {
            throw FleetAgentError(.io, "cannot write to the spool: \(error.message)")
        }
        return messages
    }

    public func load(_ entry: Entry) throws(FleetAgentError) -> BundlePayload {
        do {
            let data = try SafeFile.readRegular(entry.path, limit: maxBytes)
            return try FleetWire.decoder().decode(BundlePayload.self, from: data)
        } catch {
            throw FleetAgentError(.io, "spool entry \(entry.name) cannot be read")
        }
    }

    public func remove(_ entry: Entry) {
        try? FileManager.default.removeItem(atPath: entry.path)
    }

    func makeDirectory() throws(FleetAgentError) {
        if !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw FleetAgentError(.io, "cannot create the spool \(directory): \(error.localizedDescription)")
            }
        }
    }

    // MARK: the server's Retry-After

    /// The file that holds the time before which nothing is sent (Unix seconds), from the server's last
    /// `Retry-After`. Its leading dot keeps it out of `entries()`.
    public var holdPath: String { directory + "/.retry-after" }

    /// Sends nothing before `until` (the server's `Retry-After`), rounded up to the second; replaces an earlier
    /// hold. Returns the time recorded.
    @discardableResult
    public func hold(until: Date) throws(FleetAgentError) -> Date {
        try makeDirectory()
        let seconds = Int64(until.timeIntervalSince1970.rounded(.up))
        do {
            try SafeFile.create(holdPath, contents: Data(String(seconds).utf8), replace: true)
            return Date(timeIntervalSince1970: TimeInterval(seconds))
        } catch {
            throw FleetAgentError(.io, "cannot record the server's Retry-After in the spool: \(error.message)")
        }
    }

    /// When the hold ends, if one was recorded (an unreadable hold file is no hold).
    public func heldUntil() -> Date? {
        guard FileManager.default.fileExists(atPath: holdPath), let data = try? SafeFile.readRegular(holdPath, limit: 64),
            let seconds = Int64(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// Ends the hold (the server took a submission).
    public func releaseHold() {
        try? FileManager.default.removeItem(atPath: holdPath)
    }

    /// A time for messages: ISO 8601 in UTC, to the second.
    public static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon))
    }
}
