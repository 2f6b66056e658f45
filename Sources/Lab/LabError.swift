public import Foundation

/// Why a lab run could not be carried out. Each case names what to do about it.
public struct LabError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable, Codable {
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
    /// The underlying cause (an OS error, a program's stderr), when there is one.
    public var cause: String?

    public init(_ code: Code, _ message: String, cause: String? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        if let cause, !cause.isEmpty { return "\(message) (\(cause))" }
        return message
    }
}
