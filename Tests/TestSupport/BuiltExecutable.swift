public import Foundation

/// A product built beside the test bundle (`swift test` and `swift build --build-tests` build every
/// product): looked up next to the test runner, then in `.build/debug`.
public func builtExecutable(_ name: String) throws -> URL {
    var candidates: [URL] = []
    let arg0 = URL(fileURLWithPath: CommandLine.arguments.first ?? "")
    var dir = arg0.deletingLastPathComponent()
    for _ in 0..<4 {
        candidates.append(dir.appendingPathComponent(name))
        dir = dir.deletingLastPathComponent()
    }
    candidates.append(Bundle.main.bundleURL.appendingPathComponent(name))
    candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent(name))
    let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    candidates.append(repo.appendingPathComponent(".build/debug/\(name)"))
    for c in candidates where FileManager.default.isExecutableFile(atPath: c.path) { return c }
    throw BuiltExecutableMissing(name: name, searched: candidates.map(\.path))
}

/// The product was not built.
public struct BuiltExecutableMissing: Error, CustomStringConvertible {
    public var name: String
    public var searched: [String]
    public var description: String { "\(name) not found (build it with `swift build --build-tests`); looked in \(searched)" }
}
