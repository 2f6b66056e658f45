public import BulkheadModel

/// The one error type of the Census stage: a code, a message a user can act on, and the underlying cause.
public typealias CensusError = BulkheadError<CensusErrorCode>

/// Why a census could not be made.
public enum CensusErrorCode: String, BulkheadErrorCode {
    public static let domain = "census"
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
