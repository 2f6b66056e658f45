/// The languages the census recognises, with their role in the memory-safe share.
public enum Language: String, Codable, Hashable, Sendable, CaseIterable, Comparable {
    // Systems and application languages (candidates for the share's denominator).
    case c = "C"
    case cpp = "C++"
    case assembly = "Assembly"
    case rust = "Rust"
    case go = "Go"
    case swift = "Swift"
    case csharp = "C#"
    case java = "Java"
    case python = "Python"
    case ruby = "Ruby"
    case ocaml = "OCaml"
    case ada = "Ada"
    case pascal = "Pascal"
    case perl = "Perl"
    // Shell scripts.
    case shell = "Shell"
    // Build files.
    case make = "make"
    case meson = "Meson"
    case cmake = "CMake"
    case autoconf = "m4"
    // Data and documentation: recognised and set aside.
    case json = "JSON"
    case yaml = "YAML"
    case xml = "XML"
    case toml = "TOML"
    case markdown = "Markdown"
    case restructuredText = "reStructuredText"
    case html = "HTML"
    case text = "Text"

    public static func < (lhs: Language, rhs: Language) -> Bool { lhs.rawValue < rhs.rawValue }

    /// How a language takes part in the census.
    public enum Category: String, Codable, Sendable, Hashable {
        /// Product code: counted in the memory-safe share's denominator.
        case program
        /// Shell scripts: counted, not in the share.
        case shell
        /// Build descriptions: counted, not in the share.
        case build
        /// Data and documentation: recognised and set aside.
        case data
    }

    public var category: Category {
        switch self {
        case .c, .cpp, .assembly, .rust, .go, .swift, .csharp, .java, .python, .ruby, .ocaml, .ada, .pascal, .perl:
            .program
        case .shell: .shell
        case .make, .meson, .cmake, .autoconf: .build
        case .json, .yaml, .xml, .toml, .markdown, .restructuredText, .html, .text: .data
        }
    }
}

/// Which published list of memory-safe languages the share uses.
public enum MemorySafeList: String, Codable, Sendable, Hashable, CaseIterable {
    /// The ISM glossary's examples: C#, Go, Java, Ruby, Rust, Swift.
    case ism
    /// The ISM list plus the NSA/CISA additions: Python, Ada, Delphi/Object Pascal.
    case nsaCisa = "nsa-cisa"

    public var languages: Set<Language> {
        switch self {
        case .ism: [.csharp, .go, .java, .ruby, .rust, .swift]
        case .nsaCisa: [.csharp, .go, .java, .ruby, .rust, .swift, .python, .ada, .pascal]
        }
    }
}
