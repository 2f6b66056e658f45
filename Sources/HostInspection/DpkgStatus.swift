import BulkheadModel
import Foundation

/// dpkg's database of installed packages: /var/lib/dpkg/status (RFC 822-style paragraphs).
enum DpkgStatus {
    static let path = "/var/lib/dpkg/status"

    /// Installed packages; a missing status file means no dpkg (not a problem).
    static func collect(root: any HostRoot, limit: Int, problems: inout ProblemLog) -> [InstalledPackage] {
        let text: String
        do {
            text = try root.readText(path, limit: limit)
        } catch {
            if error.code != .notFound {
                problems.add(Problem(subject: path, message: "\(error.message); the dpkg package inventory is inconclusive"))
            }
            return []
        }
        let (packages, parseProblems) = parse(text)
        for problem in parseProblems { problems.add(problem) }
        return packages
    }

    /// Parses a status file: keeps paragraphs whose Status is `install ok installed`. A paragraph missing
    /// Package or Version becomes a problem naming its line.
    static func parse(_ text: String) -> (packages: [InstalledPackage], problems: [Problem]) {
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
                problems.append(Problem(subject: "\(path):\(paragraphLine)", message: "installed package entry without Package or Version; skipped"))
                return
            }
            var source: String?
            if let field = fields["Source"], let first = field.split(separator: " ").first, !first.isEmpty {
                source = String(first)
            }
            let arch = fields["Architecture"].flatMap { $0.isEmpty ? nil : $0 }
            packages.append(InstalledPackage(name: name, version: version, architecture: arch, manager: "dpkg", sourcePackage: source))
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
                    problems.append(Problem(subject: "\(path):\(lineNumber)", message: "continuation line outside a field; ignored"))
                }
                continue
            }
            guard let colon = line.firstIndex(of: ":") else {
                problems.append(Problem(subject: "\(path):\(lineNumber)", message: "line without a `Field:`; ignored"))
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
