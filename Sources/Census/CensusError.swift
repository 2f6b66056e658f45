/// Errors of the Census stage: a code, a message a user can act on, and the underlying cause.
public struct CensusError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        case notFound = "census.not-found"
        case notADirectory = "census.not-a-directory"
        case archiveCorrupt = "census.archive-corrupt"
        case archiveTooLarge = "census.archive-too-large"
        case archiveUnsupported = "census.archive-unsupported"
        case toolMissing = "census.tool-missing"
        case packageNotInstalled = "census.package-not-installed"
        case noSourceEntry = "census.no-deb-src"
        case sourceDownloadFailed = "census.source-download-failed"
        case cache = "census.cache"
    }

    public var code: Code
    public var message: String
    public var cause: String?

    public init(_ code: Code, _ message: String, cause: String? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        if let cause, !cause.isEmpty { return "\(message) [\(code.rawValue)] (cause: \(cause))" }
        return "\(message) [\(code.rawValue)]"
    }
}
