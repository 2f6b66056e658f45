public import Advisories
import BulkheadModel
public import HostInspection
import Synchronization

/// The Debian changelogs of installed packages, each read, decompressed and parsed once per assessment
/// from the collected evidence and shared by the stages that use it: ISM-1460 criterion 5 (fix dates,
/// `AdvisoryMeasurements.fixDates`) and ISM-1606 (backports, `BackportReader.debianBackports`). A kernel
/// changelog is several MiB of text; parsing it twice cost about a fifth of an assessment.
public final class DebianChangelogs: Sendable {
    /// One package's changelog as read from `/usr/share/doc/PKG/` (first existing candidate path).
    public enum Outcome: Sendable {
        case parsed(path: String, entries: [ChangelogEntry])
        /// The file exists but could not be read (permission, size bound, link outside the root …).
        case unreadable(path: String, error: HostReadError)
        /// The bytes were read but are not a valid changelog (bad gzip, over the decompressed cap).
        case undecodable(path: String, reason: String)
        /// No candidate path exists.
        case missing
    }

    public let files: RecordedFiles
    private let byPackage = Mutex<[String: Outcome]>([:])

    public init(files: RecordedFiles) { self.files = files }

    /// The changelog of the installed Debian package `name`, read and parsed on first use.
    public func changelog(forPackage name: String) -> Outcome {
        if let known = byPackage.withLock({ $0[name] }) { return known }
        let fresh = Self.read(name, files: files)
        byPackage.withLock { $0[name] = fresh }
        return fresh
    }

    static func read(_ name: String, files: RecordedFiles) -> Outcome {
        for path in DebianChangelog.candidatePaths(forPackage: name) {
            let bytes: [UInt8]
            do {
                bytes = try files.read(path, limit: DebianChangelog.maxCompressedSize)
            } catch {
                if error.code == .notFound { continue }
                return .unreadable(path: path, error: error)
            }
            do {
                return .parsed(path: path, entries: DebianChangelog.parse(try DebianChangelog.decode(bytes, name: path)))
            } catch {
                return .undecodable(path: path, reason: "\(error)")
            }
        }
        return .missing
    }
}
