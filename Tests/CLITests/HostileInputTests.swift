import BulkheadTestSupport
import Foundation
import Testing

/// Issue 19, from outside: the built `bulkhead` binary run on hostile file-system states.
@Suite struct HostileInputTests {
    typealias Run = BuiltRun

    /// Runs `bulkhead` with `dir` as its working directory, HOME and data directory, standard input /dev/null.
    func bulkhead(_ arguments: [String], in dir: URL) throws -> Run {
        try runBulkhead(arguments, in: dir, workingDirectory: dir)
    }

    func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return dir
    }

    func mode(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    /// #3: the private key was a 0644 temporary file for a moment; it is created 0600 (and the public key 0644).
    @Test func keysGenerateCreatesThePrivateKeyOwnerOnly() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try bulkhead(["keys", "generate", "--output", dir.path + "/signer"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(mode(dir.path + "/signer.key") == 0o600)
        #expect(mode(dir.path + "/signer.pub") == 0o644)
    }

    /// #3: a link planted where the private key goes (to a file the attacker reads) is refused, not followed.
    @Test func keysGenerateRefusesALinkAtTheTarget() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let stolen = dir.path + "/stolen"
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/signer.key", withDestinationPath: stolen)
        let r = try bulkhead(["keys", "generate", "--output", dir.path + "/signer"], in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("already exists"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: stolen))
    }

    /// #9: a FIFO given to --tailoring hung the command; it is refused without being opened (no writer ever
    /// comes, so a hang here would hang the test, and nothing else would).
    @Test func aFIFOAsTailoringIsRefused() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.path + "/tailoring.json"
        #expect(mkfifo(fifo, 0o600) == 0)
        let r = try bulkhead(["checks", "run", "--root", dir.path, "--tailoring", fifo], in: dir)
        #expect(r.status != 0)
        #expect(r.stderr.contains("FIFO"), "\(r.stderr)")
        let store = try bulkhead(["store-import", fifo, "--store", dir.path + "/s.sqlite"], in: dir)
        #expect(store.status != 0)
        #expect(store.stderr.contains("FIFO"), "\(store.stderr)")
        let history = try bulkhead(["history", "--store", fifo], in: dir)
        #expect(history.status != 0)
        #expect(history.stderr.contains("FIFO"), "\(history.stderr)")
    }

    /// A FIFO (or a symlink to one) as the system profile (`--profile`, or `bulkhead.toml` in the working
    /// directory) hung `assess` in the profile reader, which opened it before looking at it: it is refused now,
    /// through SafeFiles, with exit 1 and the reason.
    @Test func aFIFOAsTheProfileIsRefused() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.path + "/bulkhead.toml"
        #expect(mkfifo(fifo, 0o600) == 0)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ChecksTests/Fixtures/hosts/fc-guest").path
        let r = try bulkhead(["assess", "--root", root, "--no-store", "--profile", fifo], in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("cannot read the profile") && r.stderr.contains("FIFO"), "\(r.stderr)")
        let implicit = try bulkhead(["assess", "--root", root, "--no-store"], in: dir)
        #expect(implicit.status == 1)
        #expect(implicit.stderr.contains("cannot read the profile bulkhead.toml"), "\(implicit.stderr)")
    }
}
