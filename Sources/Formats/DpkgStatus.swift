public import BulkheadModel
import Foundation

/// dpkg's database of installed packages, `/var/lib/dpkg/status`: RFC 822-style paragraphs, one per
/// package. Only the text is read here; where it comes from is the caller's business.
public enum DpkgStatus {
    /// Where dpkg keeps it.
    public static let path = "/var/lib/dpkg/status"

    /// Installed packages: paragraphs whose Status is `install ok installed`. A paragraph missing Package or
    /// Version, a continuation line outside a field and a line without `Field:` become problems naming
    /// their line (`source:line`); the rest of the file is still read.
    public static func parse(_ text: String, source: String = path) -> (packages: [InstalledPackage], problems: [Problem]) {
        var packages: [InstalledPackage] = []
        var problems: [Problem] = []
        var fields: [String: String] = [:]
        var lastKey: String?
        var paragraphLine = 1
        var lineNumber = 0

        func finish() {
            defer {
                fields = [:]
                lastKey = nil
            }
            guard !fields.isEmpty else { return }
            guard fields["Status"]?.split(separator: " ") == ["install", "ok", "installed"] else { return }
            guard let name = fields["Package"], !name.isEmpty, let version = fields["Version"], !version.isEmpty else {
                problems.append(
                    Problem(subject: "\(source):\(paragraphLine)", message: "installed package entry without Package or Version; skipped"))
                return
            }
            var sourcePackage: String?
            if let field = fields["Source"], let first = field.split(separator: " ").first, !first.isEmpty {
                sourcePackage = String(first)
            }
            let architecture = fields["Architecture"].flatMap { $0.isEmpty ? nil : $0 }
            packages.append(
                InstalledPackage(name: name, version: version, architecture: architecture, manager: "dpkg", sourcePackage: sourcePackage))
        }

        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) {
                finish()
                paragraphLine = lineNumber + 1
                continue
            }
            if line.first == " " || line.first == "\t" {
                // Continuation of a multi-line field (Description, Conffiles); only single-line fields are kept.
                if lastKey == nil {
                    problems.append(Problem(subject: "\(source):\(lineNumber)", message: "continuation line outside a field; ignored"))
                }
                continue
            }
            guard let colon = line.firstIndex(of: ":") else {
                problems.append(Problem(subject: "\(source):\(lineNumber)", message: "line without a `Field:`; ignored"))
                continue
            }
            let key = String(line[..<colon])
            fields[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            lastKey = key
        }
        finish()
        return (packages, problems)
    }
}
