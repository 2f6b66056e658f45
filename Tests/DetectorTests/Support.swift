import BulkheadModel
import Foundation
import HostInspection

/// Splits a captured command line as a POSIX shell would tokenise it (quotes, backslash-newline), without
/// running anything. Only for turning the text fixtures into argv arrays.
func shellWords(_ text: String) -> [String] {
    var words: [String] = []
    var current = ""
    var inWord = false
    var quote: Character?
    var iterator = Array(text).makeIterator()
    while let c = iterator.next() {
        if let q = quote {
            if c == q { quote = nil } else { current.append(c) }
            continue
        }
        switch c {
        case "'", "\"":
            quote = c
            inWord = true
        case "\\":
            if let next = iterator.next(), next != "\n" {
                current.append(next)
                inWord = true
            }
        case " ", "\t", "\n":
            if inWord {
                words.append(current)
                current = ""
                inWord = false
            }
        default:
            current.append(c)
            inWord = true
        }
    }
    if inWord { words.append(current) }
    return words
}

func fixtureURL(_ name: String) throws -> URL {
    guard let url = Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil) else {
        throw FixtureError.missing(name)
    }
    return url
}

func fixtureText(_ name: String) throws -> String {
    try String(contentsOf: fixtureURL(name), encoding: .utf8)
}

enum FixtureError: Error { case missing(String) }

/// A throw-away host tree in a temporary directory.
final class TempRoot {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-detect-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    func write(_ hostPath: String, _ text: String) throws {
        let target = url.appendingPathComponent(String(hostPath.dropFirst()))
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: target)
    }

    func symlink(_ hostPath: String, to destination: String) throws {
        let target = url.appendingPathComponent(String(hostPath.dropFirst()))
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: target.path, withDestinationPath: destination)
    }

    var root: DirectoryHostRoot { DirectoryHostRoot(directory: url.path) }
}

let observed = Date(timeIntervalSince1970: 1_795_000_000)

func facts(processes: [HostProcess] = [], packages: [InstalledPackage] = [], modules: [String] = []) -> HostFacts {
    HostFacts(
        hostname: "fixture", collectedAt: observed, source: "fixture", processes: processes, packages: packages,
        kernel: KernelFacts(release: "6.1.0-40-amd64", modules: modules))
}
