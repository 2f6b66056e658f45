public import BulkheadModel

/// Why a lab run could not be carried out. Each message names what to do about it. It has Bulkhead's one
/// error shape (`CodedError`: code, message, underlying error, one description style).
public struct LabError: CodedError, Hashable, Sendable {
    public enum Code: String, Sendable, Hashable, Codable, BulkheadErrorCode {
        public static let domain = "lab"
        /// A program the mechanism needs (qemu-system-x86_64, runsc, bwrap, crun, cpio, busybox) is absent.
        case programMissing
        /// The probe executable or the guest kernel cannot be found or read.
        case artifactMissing
        /// Building the initramfs, bundle or temporary directory failed.
        case buildFailed
        /// The mechanism could not be started.
        case launchFailed
        /// An unknown mechanism or scenario name.
        case invalidArgument
    }

    public var code: Code
    public var message: String
    /// The underlying error (an OS error, a decoder's error), when there is one.
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// For a cause known only as text (a program's standard error).
    public init(_ code: Code, _ message: String, cause text: String?) {
        self.init(code, message, cause: text.map(ErrorText.init))
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.isSame(as: rhs) }
    public func hash(into hasher: inout Hasher) { hashIdentity(into: &hasher) }
}
