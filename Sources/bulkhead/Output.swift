import Foundation

/// Writes one line to standard error (diagnostics never go to standard output, which may be a report).
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
