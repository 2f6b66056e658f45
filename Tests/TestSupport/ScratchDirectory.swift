public import Foundation

/// A private directory under the temporary directory (`PREFIX-UUID`, mode 0700) for one test, removed with all it holds
/// when the test lets go of it: held by a suite's instance (a new one per test) or a test's local, it goes when the
/// test ends, passed or failed.
public final class ScratchDirectory: Sendable {
    public let url: URL
    public var path: String { url.path }

    public init(prefix: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}
