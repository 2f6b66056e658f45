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
        // The fields read, of the paragraph at hand (a paragraph holds dozens; these five are kept).
        var package: String?
        var version: String?
        var status: String?
        var sourceField: String?
        var architecture: String?
        var hasFields = false
        var inField = false
        var paragraphLine = 1
        var lineNumber = 0

        func finish() {
            defer {
                (package, version, status, sourceField, architecture) = (nil, nil, nil, nil, nil)
                hasFields = false
                inField = false
            }
            guard hasFields, status?.split(separator: " ") == ["install", "ok", "installed"] else { return }
            guard let name = package, !name.isEmpty, let version, !version.isEmpty else {
                problems.append(
                    Problem(subject: "\(source):\(paragraphLine)", message: "installed package entry without Package or Version; skipped"))
                return
            }
            let sourcePackage = sourceField?.split(separator: " ").first.map(String.init)
            packages.append(
                InstalledPackage(
                    name: name, version: version, architecture: architecture.flatMap { $0.isEmpty ? nil : $0 }, manager: "dpkg",
                    sourcePackage: sourcePackage))
        }

        let space = { (b: UInt8) in b == 0x20 || b == 0x09 }
        // Over the bytes: the status file of a desktop host has ~100,000 lines, read on every assessment.
        for rawLine in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.last == 0x0D ? rawLine.dropLast() : rawLine
            if line.allSatisfy(space) {
                finish()
                paragraphLine = lineNumber + 1
                continue
            }
            if let first = line.first, space(first) {
                // Continuation of a multi-line field (Description, Conffiles); only single-line fields are kept.
                if !inField {
                    problems.append(Problem(subject: "\(source):\(lineNumber)", message: "continuation line outside a field; ignored"))
                }
                continue
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                problems.append(Problem(subject: "\(source):\(lineNumber)", message: "line without a `Field:`; ignored"))
                continue
            }
            hasFields = true
            inField = true
            let key = line[..<colon]
            func value() -> String {
                var v = line[line.index(after: colon)...]
                while let f = v.first, space(f) { v = v.dropFirst() }
                while let l = v.last, space(l) { v = v.dropLast() }
                return String(decoding: v, as: UTF8.self)
            }
            switch key.count {
            case 7 where key.elementsEqual("Package".utf8): package = value()
            case 7 where key.elementsEqual("Version".utf8): version = value()
            case 6 where key.elementsEqual("Status".utf8): status = value()
            case 6 where key.elementsEqual("Source".utf8): sourceField = value()
            case 12 where key.elementsEqual("Architecture".utf8): architecture = value()
            default: break
            }
        }
        finish()
        return (packages, problems)
    }
}
