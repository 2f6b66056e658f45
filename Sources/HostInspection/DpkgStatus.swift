import BulkheadModel
import Formats
import Foundation

/// Reading dpkg's status file through a host root (the parser is `Formats.DpkgStatus`).
extension DpkgStatus {

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
}
