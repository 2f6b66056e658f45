import ArgumentParser
import Foundation
import HostInspection

/// Which host a command reads: the live machine (default), a mounted or extracted tree, or a snapshot.
struct HostTarget: ParsableArguments {
    @Option(
        name: .customLong("root"),
        help: ArgumentHelp(
            "Read the host tree mounted or extracted at DIR instead of the live machine (links are confined to DIR). DIR must hold /etc/os-release, /proc or /sys; an empty or non-Linux directory is an error.",
            valueName: "DIR"))
    var root: String?

    @Option(
        name: .customLong("snapshot"),
        help: ArgumentHelp(
            "Read a snapshot written by `bulkhead snapshot` (a .tar.gz) instead of the live machine.", valueName: "FILE"))
    var snapshot: String?

    func validate() throws {
        if root != nil && snapshot != nil {
            throw ValidationError("--root and --snapshot are mutually exclusive: choose one host to read.")
        }
    }

    /// Opens the chosen host. Errors name the path and what to do.
    func open() throws(CLIError) -> any HostRoot {
        try Self.open(directory: root, snapshot: snapshot)
    }

    /// Reads the chosen host once, serving `needs` (every stage after reads only the result).
    func collect(_ needs: [any EvidenceNeed], recordsMetadata: Bool = false) throws(CLIError) -> HostEvidence {
        try Self.collect(needs, directory: root, snapshot: snapshot, recordsMetadata: recordsMetadata)
    }

    static func collect(
        _ needs: [any EvidenceNeed], directory: String?, snapshot: String?, recordsMetadata: Bool = false
    ) throws(CLIError) -> HostEvidence {
        HostInspector(root: try open(directory: directory, snapshot: snapshot)).collectEvidence(needs, recordsMetadata: recordsMetadata)
    }

    static func open(directory root: String?, snapshot: String?) throws(CLIError) -> any HostRoot {
        if let snapshot {
            do {
                return try SnapshotHostRoot(path: snapshot)
            } catch {
                throw CLIError(.input, "cannot load the snapshot \(snapshot)", cause: error)
            }
        }
        if let root {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw CLIError(.input, "--root \(root) is not a directory")
            }
            let host = DirectoryHostRoot(directory: root)
            if let why = host.notAHostRoot() {
                throw CLIError(.input, "--root \(root): \(why) (give the directory a Linux system is mounted or extracted at)")
            }
            return host
        }
        return DirectoryHostRoot.live
    }
}
