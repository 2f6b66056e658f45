public import BulkheadModel

/// The one error type of the Store stage: a stable code, a message a user can act on, the cause.
public typealias StoreError = BulkheadError<StoreErrorCode>

/// Why a store operation failed.
public enum StoreErrorCode: String, BulkheadErrorCode {
    public static let domain = "store"
    /// The file is not a SQLite database at all (garbage bytes, another format).
    case notADatabase = "store.not-a-database"
    /// A SQLite database that is not a Bulkhead store (other tables, another application id).
    case foreignDatabase = "store.foreign-database"
    /// A Bulkhead store whose integrity check fails.
    case corrupt = "store.corrupt"
    /// Written by a newer Bulkhead whose schema this version does not know.
    case newerSchema = "store.newer-schema"
    /// Another process holds the write lock for longer than the busy timeout.
    case busy = "store.busy"
    /// A file-system problem: directory cannot be created, permission denied.
    case io = "store.io"
    /// A lookup that found nothing (unknown run id, review id).
    case notFound = "store.not-found"
    /// An argument that cannot be used (a date that does not parse, an empty reason).
    case invalidArgument = "store.invalid-argument"
    /// Any other SQLite failure.
    case database = "store.database"
}
