public import Foundation

/// The result of one census. Encoded as JSON by `bulkhead census --format json` and kept in the cache;
/// the schema is documented in docs/census.md and versioned by `schemaVersion`.
public struct CensusReport: Codable, Sendable, Hashable {
    public static let currentSchemaVersion = 1

    /// What was measured.
    public struct Subject: Codable, Sendable, Hashable {
        public enum Kind: String, Codable, Sendable { case directory, archive, package }
        public var kind: Kind
        /// The directory or archive given, or the extracted source directory of a package.
        public var path: String
        /// For `--package`: the Debian source package (the product), else the directory's name.
        public var product: String?
        /// For `--package`: the installed binary package's source version.
        public var version: String?
        /// For `--package`: the binary package asked for.
        public var binaryPackage: String?

        public init(kind: Kind, path: String, product: String? = nil, version: String? = nil, binaryPackage: String? = nil) {
            self.kind = kind
            self.path = path
            self.product = product
            self.version = version
            self.binaryPackage = binaryPackage
        }
    }

    /// One language's totals.
    public struct LanguageTotals: Codable, Sendable, Hashable {
        public var language: Language
        public var category: Language.Category
        public var memorySafe: Bool
        /// Whether this language's code is in the share's denominator.
        public var inShare: Bool
        public var files: Int
        public var blank: Int
        public var comment: Int
        public var code: Int
        /// Headers (`.h`) attributed to this language, and how they were decided.
        public var headersByContent: Int
        public var headersBySiblings: Int
        /// `unsafe` escapes by kind; empty for languages without such escapes.
        public var unsafeUses: [String: Int]
        public var unsafeTotal: Int
        /// `unsafe` escapes per 1,000 code lines; nil when no code.
        public var unsafePerKLOC: Double?
    }

    /// The memory-safe share.
    public struct Share: Codable, Sendable, Hashable {
        public var list: MemorySafeList
        public var memorySafeLanguages: [Language]
        /// Languages whose code makes up the denominator (category `program` and present in the tree).
        public var denominatorLanguages: [Language]
        public var memorySafeCode: Int
        public var denominatorCode: Int
        /// memorySafeCode ÷ denominatorCode, nil when the denominator is 0.
        public var ratio: Double?
        /// `unsafe` escapes in memory-safe languages per 1,000 memory-safe code lines.
        public var unsafePerKLOC: Double?
        public var unsafeTotal: Int
    }

    /// Files or directories left out, by reason.
    public struct Exclusion: Codable, Sendable, Hashable {
        public var reason: ExclusionReason
        /// Directories skipped whole (not read).
        public var directories: Int
        /// Files excluded one by one (read, counted here, not in the totals).
        public var files: Int
        /// Code lines of the files excluded one by one.
        public var code: Int
        /// Up to 10 example paths.
        public var examples: [String]
    }

    /// A file that could not be counted, with a message a user can act on.
    public struct FileProblem: Codable, Sendable, Hashable {
        public enum Kind: String, Codable, Sendable {
            case unreadable, binary, tooLarge = "too-large", lineTooLong = "line-too-long", symlink, archive
        }
        public var path: String
        public var kind: Kind
        public var message: String
    }

    /// One counted file (only with `--by-file`).
    public struct FileEntry: Codable, Sendable, Hashable {
        public var path: String
        public var language: Language
        public var blank: Int
        public var comment: Int
        public var code: Int
        public var unsafe: Int
    }

    public var schemaVersion: Int
    public var tool: String
    public var toolVersion: String
    /// The command that repeats this measurement.
    public var command: String
    public var measuredAt: Date
    public var elapsedSeconds: Double
    public var subject: Subject
    public var languages: [LanguageTotals]
    public var share: Share
    public var exclusions: [Exclusion]
    /// Files with no recognised language (not counted, not a problem).
    public var unrecognisedFiles: Int
    /// Symbolic links seen and not followed.
    public var symlinksNotFollowed: Int
    public var problemCount: Int
    public var problems: [FileProblem]
    public var files: [FileEntry]?

    /// Totals over the languages in the share's denominator.
    public var programTotals: LineCounts {
        languages.filter(\.inShare).reduce(LineCounts()) {
            $0 + LineCounts(blank: $1.blank, comment: $1.comment, code: $1.code)
        }
    }
}
