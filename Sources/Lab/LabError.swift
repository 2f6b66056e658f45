public import BulkheadModel

/// Why a lab run could not be carried out. Each message names what to do about it. It has Bulkhead's one
/// error shape (`CodedError`: code, message, underlying error, one description style).
public typealias LabError = BulkheadError<LabErrorCode>

public enum LabErrorCode: String, Sendable, Hashable, Codable, BulkheadErrorCode {
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
