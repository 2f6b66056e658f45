/// Decides a file's language from its name, its sibling files and, for extensionless scripts,
/// its shebang line. Headers (`.h`) are decided later from their content (see `LineCounter`).
public enum LanguageDetector {
    /// What the name alone says about a file.
    public enum Guess: Sendable, Equatable {
        case language(Language)
        /// A `.h`/`.h.inc` header: C or C++, decided by the file's own C++ constructs, then by siblings.
        case header
        /// No extension and not a known build file name: look for a shebang.
        case maybeScript
        /// Not a language the census counts.
        case unknown
    }

    static let byExtension: [String: Language] = [
        "c": .c, "c.inc": .c,
        "cc": .cpp, "cpp": .cpp, "cxx": .cpp, "c++": .cpp, "hh": .cpp, "hpp": .cpp, "hxx": .cpp, "h++": .cpp,
        "ipp": .cpp, "tcc": .cpp,
        "s": .assembly, "asm": .assembly,
        "rs": .rust, "go": .go, "swift": .swift, "cs": .csharp, "java": .java,
        "py": .python, "pyw": .python, "pyi": .python,
        "rb": .ruby, "rake": .ruby, "gemspec": .ruby,
        "ml": .ocaml, "mli": .ocaml,
        "adb": .ada, "ads": .ada, "ada": .ada,
        "pas": .pascal, "dpr": .pascal, "dpk": .pascal, "lpr": .pascal,
        "pl": .perl, "pm": .perl,
        "sh": .shell, "bash": .shell, "ksh": .shell, "zsh": .shell, "dash": .shell,
        "mk": .make, "mak": .make, "make": .make,
        "cmake": .cmake, "m4": .autoconf, "ac": .autoconf,
        "json": .json, "yaml": .yaml, "yml": .yaml, "xml": .xml, "xsd": .xml, "xsl": .xml, "toml": .toml,
        "md": .markdown, "markdown": .markdown, "rst": .restructuredText, "html": .html, "htm": .html,
        "txt": .text,
    ]

    static let byFileName: [String: Language] = [
        "Makefile": .make, "makefile": .make, "GNUmakefile": .make, "Kbuild": .make,
        "meson.build": .meson, "meson_options.txt": .meson, "meson.options": .meson,
        "CMakeLists.txt": .cmake, "configure.ac": .autoconf, "configure.in": .autoconf,
        "Rakefile": .ruby, "Gemfile": .ruby,
    ]

    /// The lower-cased extension of a file name, treating `.c.inc`/`.h.inc` as one extension.
    static func fileExtension(_ name: String) -> String? {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        let ext = name[name.index(after: dot)...]
        if ext == "S" { return "s" }
        if ext == "inc" {
            let stem = name[..<dot]
            if stem.hasSuffix(".c") { return "c.inc" }
            if stem.hasSuffix(".h") { return "h.inc" }
        }
        return ext.lowercased()
    }

    /// The guess for a file name (the last path component).
    public static func guess(fileName name: String) -> Guess {
        if let lang = byFileName[name] { return .language(lang) }
        guard let ext = fileExtension(name) else { return .maybeScript }
        if ext == "h" || ext == "h.inc" { return .header }
        if let lang = byExtension[ext] { return .language(lang) }
        return .unknown
    }

    /// The language named by a shebang line (`#!/usr/bin/env python3`, `#!/bin/sh`), if any.
    public static func shebang(_ firstLine: ArraySlice<UInt8>) -> Language? {
        guard firstLine.count > 2, firstLine.first == UInt8(ascii: "#"),
            firstLine.dropFirst().first == UInt8(ascii: "!")
        else { return nil }
        let text = String(decoding: firstLine.dropFirst(2).prefix(200), as: UTF8.self)
        var words = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
        guard !words.isEmpty else { return nil }
        var interpreter = words.removeFirst().split(separator: "/").last.map(String.init) ?? ""
        if interpreter == "env" {
            // Skip env's options (`env -S python3 -u`).
            while let next = words.first, next.hasPrefix("-") { words.removeFirst() }
            interpreter = words.first ?? ""
        }
        let name = interpreter.prefix { $0.isLetter }
        switch name {
        case "sh", "bash", "dash", "ksh", "zsh", "ash", "mksh": return .shell
        case "python": return .python
        case "perl": return .perl
        case "ruby": return .ruby
        case "make": return .make
        default: return nil
        }
    }

    /// Sibling evidence for a header: C++ when its directory holds C++ sources and no C sources.
    public static func headerFromSiblings(cppSources: Int, cSources: Int) -> Language {
        cppSources > 0 && cSources == 0 ? .cpp : .c
    }
}
