import Foundation
import Synchronization
import SystemPackage

/// Where one of a program's output streams goes: bytes kept up to a bound (in memory or in a file), the
/// rest dropped; the first time each watched string appears is noted.
final class OutputSink: Sendable {
    struct State {
        var bytes: [UInt8] = []
        /// Bytes the program wrote to this stream (including any past the bound up to the point reading stopped).
        var seen = 0
        var kept = 0
        var truncated = false
        var writeError: String?
        var marks: [String: ContinuousClock.Instant] = [:]
    }

    enum Kind {
        case memory
        case file(FileDescriptor)
        case discard
    }

    let kind: Kind
    let limit: Int
    let stopAtLimit: Bool
    let watch: [[UInt8]]
    let state = Mutex(State())

    /// Opens the destination (a file is created mode 0600 or truncated, never through a symbolic link).
    init(_ destination: ProcessRequest.Destination, watch: [String]) throws(ProcessRunnerError) {
        switch destination {
        case .capture(let limit, let stop):
            guard limit >= 0 else { throw ProcessRunnerError(.invalidArgument, "an output bound must not be negative") }
            kind = .memory
            self.limit = limit
            stopAtLimit = stop
        case .file(let path, let limit):
            guard limit >= 0 else { throw ProcessRunnerError(.invalidArgument, "an output bound must not be negative") }
            do {
                let descriptor = try FileDescriptor.open(
                    FilePath(path), .writeOnly, options: [.create, .truncate, .noFollow, .closeOnExec],
                    permissions: [.ownerReadWrite])
                kind = .file(descriptor)
            } catch {
                throw ProcessRunnerError(.io, "cannot create \(path)", cause: error)
            }
            self.limit = limit
            stopAtLimit = true
        case .discard:
            kind = .discard
            limit = .max
            stopAtLimit = false
        }
        self.watch = watch.map { Array($0.utf8) }
    }

    /// Keeps what fits of `chunk`; returns true the first time a bound that stops the program is passed
    /// (or a file write fails).
    func append(_ chunk: Data) -> Bool {
        let now = ContinuousClock.now
        return state.withLock { s in
            let alreadyOver = s.truncated || s.writeError != nil
            s.seen += chunk.count
            if alreadyOver { return false }
            let room = max(0, limit - s.kept)
            let kept = chunk.prefix(room)
            switch kind {
            case .memory:
                let before = s.bytes.count
                s.bytes.append(contentsOf: kept)
                // Search only the region that could hold a new match.
                for needle in watch {
                    let key = String(decoding: needle, as: UTF8.self)
                    if s.marks[key] != nil { continue }
                    if ByteSearch.contains(s.bytes, needle, from: max(0, before - needle.count)) { s.marks[key] = now }
                }
            case .file(let descriptor):
                do {
                    _ = try descriptor.writeAll(kept)
                } catch {
                    s.writeError = "\(error)"
                    return true
                }
            case .discard:
                break
            }
            s.kept += kept.count
            if chunk.count > room {
                s.truncated = true
                return stopAtLimit
            }
            return false
        }
    }

    /// Closes the file destination, if any.
    func close() {
        if case .file(let descriptor) = kind { try? descriptor.close() }
    }

    var snapshot: State { state.withLock { $0 } }
}

/// Byte search for watched output and process scans (a watched string in a program's output, a workspace
/// path in a command line).
public enum ByteSearch {
    /// True when `needle` occurs in `haystack` at or after `from`.
    public static func contains(_ haystack: [UInt8], _ needle: [UInt8], from: Int) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        let last = haystack.count - needle.count
        var start = max(0, from)
        while start <= last {
            var matched = 0
            while matched < needle.count && haystack[start + matched] == needle[matched] { matched += 1 }
            if matched == needle.count { return true }
            start += 1
        }
        return false
    }
}
